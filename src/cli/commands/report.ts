// Not built yet: this command's issue is still open. It registers nothing until it lands.
import type { Command } from 'commander';

export function register(_program: Command): void {}
