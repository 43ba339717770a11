// `--help` text helpers: every command ends its help with examples.
import type { Command } from 'commander';

export function examples(cmd: Command, lines: string[]): Command {
  return cmd.addHelpText('after', '\nExamples:\n' + lines.map((l) => `  $ ${l}`).join('\n') + '\n');
}

/** Parses an integer option, with a usage error (exit 2) naming the flag when it is not one. */
export function intOption(flag: string, { min, max }: { min?: number; max?: number } = {}) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
      throw new InvalidOptionArgument(`${flag} expects a whole number, got "${value}"`);
    }
    if (min !== undefined && n < min) throw new InvalidOptionArgument(`${flag} must be at least ${min}, got ${n}`);
    if (max !== undefined && n > max) throw new InvalidOptionArgument(`${flag} must be at most ${max}, got ${n}`);
    return n;
  };
}

export function numberOption(flag: string, { min, max }: { min?: number; max?: number } = {}) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidOptionArgument(`${flag} expects a number, got "${value}"`);
    if (min !== undefined && n < min) throw new InvalidOptionArgument(`${flag} must be at least ${min}, got ${n}`);
    if (max !== undefined && n > max) throw new InvalidOptionArgument(`${flag} must be at most ${max}, got ${n}`);
    return n;
  };
}

import { InvalidArgumentError as InvalidOptionArgument } from 'commander';
