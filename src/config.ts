// User configuration: secrets from the environment or `.env`, settings and the ideal-customer profile
// from YAML files the user edits. Errors name the file, the line and what is allowed.
// Only the CLI layer calls this module; stages receive plain objects.
import { existsSync, readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isMap, isSeq, type Document } from 'yaml';
import { z } from 'zod';
import { UserError } from './errors.js';

export { DEFAULT_DB, DEFAULT_SETTINGS_FILE, DEFAULT_PROFILE_FILE, loadDotEnv, settingsPath, profilePath, dbPathFrom } from './paths.js';

/** The line (1-based) of the YAML node at a path, or of its closest existing parent. */
function lineOf(doc: Document, lc: LineCounter, path: (string | number)[], atKey = false): number {
  let node: unknown = doc.contents;
  let best = 1;
  const pos = (n: unknown) => {
    const r = (n as { range?: [number, number, number] } | null)?.range;
    return r ? lc.linePos(r[0]).line : undefined;
  };
  best = pos(node) ?? best;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String((p.key as { value?: unknown })?.value ?? p.key) === String(key));
      if (!pair) break;
      best = pos(pair.key) ?? best;
      if (atKey && key === path[path.length - 1]) break; // the line of the key itself (an unknown key)
      node = pair.value;
      best = pos(node) ?? best;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
      best = pos(node) ?? best;
    } else break;
  }
  return best;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? issue.path.join('.') : '(top level)';
  switch (issue.code) {
    case 'unrecognized_keys': {
      // A schema may say what is allowed through its own message (z.strictObject(shape, { error })).
      const extra = issue.message && !issue.message.startsWith('Unrecognized key') ? `: ${issue.message}` : '';
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} in ${where}${extra}`;
    }
    case 'invalid_value':
      return `${where}: ${issue.message}`;
    default:
      return `${where}: ${issue.message}`;
  }
}

/**
 * Parses a YAML file and validates it with a zod schema (use z.strictObject to catch misspelt keys).
 * Every problem is reported as FILE:LINE: what is wrong, in one UserError.
 */
export function loadYamlFile<S extends z.ZodType>(file: string, schema: S, what = 'settings'): z.output<S> {
  if (!existsSync(file)) {
    throw new UserError(`No ${what} file at ${file}.`, 'Run `outreach init` to write one, then edit it.');
  }
  const text = readFileSync(file, 'utf8');
  return parseYamlText(text, file, schema);
}

export function parseYamlText<S extends z.ZodType>(text: string, file: string, schema: S): z.output<S> {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const lines = doc.errors.map((e) => `${file}:${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`);
    throw new UserError(`${file} is not valid YAML:\n${lines.join('\n')}`);
  }
  const data = doc.toJS() ?? {};
  const res = schema.safeParse(data);
  if (!res.success) {
    const lines = res.error.issues.map(
      (i) =>
        `${file}:${i.code === 'unrecognized_keys' ? lineOf(doc, lc, [...i.path, i.keys[0]!] as (string | number)[], true) : lineOf(doc, lc, i.path as (string | number)[])}: ${describeIssue(i)}`,
    );
    throw new UserError(`${file} has ${lines.length} problem${lines.length > 1 ? 's' : ''}:\n${lines.join('\n')}`);
  }
  return res.data;
}

// ---------------------------------------------------------------------------------------------
// Settings (outreach.yaml): who is sending and under which rules. Later stages add sections here.

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time as HH:MM (24-hour)');
const weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

export const SettingsSchema = z.strictObject({
  sender: z
    .strictObject({
      name: z.string().default(''),
      company: z.string().default(''),
      email: z.string().default(''),
      postal_address: z.string().default(''),
      sending_domain: z.string().default(''),
      website: z.string().default(''),
      timezone: z.string().default('UTC'),
      allowed_link_domains: z.array(z.string()).default([]),
    })
    .prefault({}),
  compliance: z
    .strictObject({
      lawful_basis: z.enum(['none', 'legitimate_interest', 'consent']).default('none'),
      lawful_basis_note: z.string().default(''),
      max_words: z.number().int().positive().default(180),
      max_subject_chars: z.number().int().positive().default(78),
    })
    .prefault({}),
  sending: z
    .strictObject({
      days: z.array(weekday).default(['mon', 'tue', 'wed', 'thu', 'fri']),
      start: hhmm.default('09:00'),
      end: hhmm.default('17:00'),
      recipient_timezone: z.boolean().default(true),
      min_gap_seconds: z.number().nonnegative().default(60),
      max_gap_seconds: z.number().nonnegative().default(180),
      per_domain_per_hour: z.number().int().positive().default(2),
    })
    .prefault({}),
  unsubscribe: z
    .strictObject({
      base_url: z.string().default(''), // public URL where `outreach serve` answers, e.g. https://u.example.com
      mailto: z.string().default(''),
    })
    .prefault({}),
  draft: z
    .strictObject({
      provider: z.enum(['auto', 'anthropic', 'bedrock', 'offline']).default('auto'),
      model: z.string().default(''),
      concurrency: z.number().int().positive().default(4),
    })
    .prefault({}),
  inbox: z
    .strictObject({
      soft_bounce_limit: z.number().int().positive().default(3), // soft bounces of one address before it is suppressed
      keep_attachments: z.boolean().default(false), // store attachments in inbound.raw (default: headers and text only)
      max_raw_kb: z.number().int().positive().default(256), // cap of the stored original per message
      max_parse_mb: z.number().positive().default(4), // larger messages are parsed from their start only
    })
    .prefault({}),
  notify: z
    .strictObject({
      webhook_url: z.string().default(''),
      command: z.string().default(''),
    })
    .prefault({}),
});

export type Settings = z.output<typeof SettingsSchema>;

/** Settings from outreach.yaml, or the defaults when the file does not exist (first runs need no file). */
export function loadSettings(file: string, { required = false } = {}): Settings {
  if (!existsSync(file)) {
    if (required) throw new UserError(`No settings file at ${file}.`, 'Run `outreach init` to write one, then edit it.');
    return SettingsSchema.parse({});
  }
  return loadYamlFile(file, SettingsSchema, 'settings');
}
