// `outreach campaign ...` through the built binary, like a user or cron runs it.
import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runCli, tempDir, type CliResult } from '../helpers/cli.js';

/** stdout as JSON, or a failure that shows what the command said. */
function json(r: CliResult): any {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
}
import { openDb } from '../../src/db/open.js';
import { seedLeads } from '../fixtures/draft/seed.js';

const t = tempDir();
const DB = join(t.dir, 'c.db');
const env = { OUTREACH_DB: DB, ANTHROPIC_API_KEY: undefined };
const run = (args: string[]) => runCli(args, { cwd: t.dir, env });

beforeAll(() => {
  copyFileSync(resolve(import.meta.dirname, '../fixtures/draft/outreach.yaml'), join(t.dir, 'outreach.yaml'));
  const db = openDb(DB);
  seedLeads(db, 6, (i) => ({ fit: i < 3 ? 80 : 30, tags: i === 0 ? ['vip'] : [] }));
  db.close();
});
afterAll(() => t.cleanup());

describe('outreach campaign', () => {
  it('create with a niche builds the default sequence (A/B first email, two follow-ups) and counts matching leads', async () => {
    const r = await run(['campaign', 'create', 'spring', '--niche', 'jewelry', '--offer', 'email-flows', '--min-fit', '60', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const d = json(r);
    expect(d).toMatchObject({ name: 'spring', status: 'active', niche: 'jewelry', filter: { minFit: 60 }, eligible: 3 });
    expect(d.sequence.map((s: { position: number; delayDays: number }) => [s.position, s.delayDays])).toEqual([[1, 0], [2, 3], [3, 4]]);
    expect(d.sequence[0].variants.map((v: { label: string; template: string }) => `${v.label}:${v.template}`)).toEqual(['A:jewelry-intro', 'B:jewelry-intro-short']);
  });

  it('create with --step specs, weights and delays; a duplicate name and bad specs are refused', async () => {
    const r = await run(['campaign', 'create', 'ab', '--offer', 'free-audit', '--tag', 'vip', '--step', 'jewelry-intro=70,jewelry-intro-short=30', '--step', 'jewelry-followup@2', '--json']);
    expect(r.code).toBe(0);
    const d = json(r);
    expect(d.eligible).toBe(1);
    expect(d.sequence[0].variants.map((v: { weight: number }) => v.weight)).toEqual([70, 30]);
    expect(d.sequence[1].delayDays).toBe(2);
    const dup = await run(['campaign', 'create', 'ab', '--offer', 'x']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/already exists/);
    const bad = await run(['campaign', 'create', 'bad', '--step', 'jewelry-intro@2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/first step/);
    const unknown = await run(['campaign', 'create', 'bad2', '--step', 'nope-template']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No template named "nope-template"/);
    const wrongKind = await run(['campaign', 'create', 'bad3', '--step', 'jewelry-followup']);
    expect(wrongKind.code).toBe(1);
    expect(wrongKind.stderr).toMatch(/is a follow-up, not a first email/);
    expect((await run(['campaign', 'create', 'bad4', '--min-fit', '120'])).code).toBe(2);
  });

  it('create from a YAML file with an inline variant; a missing footer is caught with its line', async () => {
    writeFileSync(
      join(t.dir, 'c.yaml'),
      `offer: "I write product descriptions."\nfilter:\n  min_fit: 10\nsteps:\n  - variants:\n      - template: general-intro\n      - subject: "Hello {{store_name}}"\n        body: |\n          Hi {{first_name|there}},\n\n          {{offer}}\n\n          {{sender_first_name}}\n          -- \n          {{sender_name}}, {{sender_company}}\n          {{sender_postal_address}}\n          Unsubscribe: {{unsubscribe_url}}\n`,
    );
    const r = await run(['campaign', 'create', 'filecamp', '--file', 'c.yaml', '--json']);
    expect(r.stderr).toBe('');
    const d = json(r);
    expect(d.sequence[0].variants.map((v: { label: string; template: string | null }) => [v.label, v.template])).toEqual([['A', 'general-intro'], ['B', null]]);
    writeFileSync(join(t.dir, 'bad.yaml'), `steps:\n  - variants:\n      - subject: "Hi"\n        body: "no footer here"\n  - delay_days: 3\n    colour: red\n    variants: []\n`);
    const b = await run(['campaign', 'create', 'badfile', '--file', 'bad.yaml']);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/bad\.yaml:6: .*colour/);
  });

  it('list, show, pause, resume, templates', async () => {
    const l = json(await run(['campaign', 'list', '--json']));
    expect(l.map((c: { name: string }) => c.name)).toEqual(['spring', 'ab', 'filecamp']);
    const text = (await run(['campaign', 'show', 'spring'])).stdout;
    expect(text).toMatch(/spring\s+\(active\)/);
    expect(text).toMatch(/jewelry-intro-short/);
    expect((await run(['campaign', 'pause', 'spring'])).code).toBe(0);
    expect(json(await run(['campaign', 'show', 'spring', '--json'])).status).toBe('paused');
    const again = await run(['campaign', 'pause', 'spring']);
    expect(again.stderr).toMatch(/already paused/);
    expect((await run(['campaign', 'resume', 'spring'])).code).toBe(0);
    expect((await run(['campaign', 'show', 'nope'])).stderr).toMatch(/No campaign named "nope"/);
    const tpl = json(await run(['campaign', 'templates', '--json']));
    expect(tpl.offers).toContain('email-flows');
    expect(tpl.templates.map((x: { name: string }) => x.name)).toContain('pets-intro');
  });
});
