// Facts about this installation that several commands print or send: the package version, and the
// operator's website that the crawler names in its user agent.
import { readFileSync } from 'node:fs';
import type { Ctx } from './context.js';

export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** The sender's website from outreach.yaml, named in the user agent so site owners can reach the operator. */
export function operatorWebsite(ctx: Ctx): string | undefined {
  try {
    return ctx.settings().sender.website || undefined;
  } catch {
    return undefined; // a settings problem is reported by the commands that need the settings
  }
}
