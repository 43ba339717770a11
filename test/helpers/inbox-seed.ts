// A database as `inbox import` tests need it: leads s1.example … sN.example, each with the contact boss@sN.example,
// an active enrollment in campaign 1 and one sent message <out-N@lima-studio.example> ("Quick question about SN").
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { Database } from '../../src/db/driver.js';
import { runCli, tempDir } from './cli.js';

export function seedSentLeads(path: string, leads: number): void {
  const d = new Database(path);
  d.exec(`INSERT INTO campaigns (name) VALUES ('c')`);
  const lead = d.prepare(`INSERT INTO leads (domain, stage) VALUES (?, 'contacted')`);
  const contact = d.prepare(`INSERT INTO contacts (lead_id, email) VALUES (?, ?)`);
  const enr = d.prepare(`INSERT INTO enrollments (campaign_id, lead_id, contact_id, status, thread_message_id) VALUES (1, ?, ?, 'active', ?)`);
  const msg = d.prepare(
    `INSERT INTO messages (enrollment_id, lead_id, contact_id, campaign_id, to_email, from_email, subject, message_id, state, sent_at)
     VALUES (?, ?, ?, 1, ?, 'ana@lima-studio.example', ?, ?, 'sent', '2026-11-25T09:00:00.000Z')`,
  );
  d.transaction(() => {
    for (let n = 1; n <= leads; n++) {
      lead.run(`s${n}.example`);
      contact.run(n, `boss@s${n}.example`);
      enr.run(n, n, `out-${n}@lima-studio.example`);
      msg.run(n, n, n, `boss@s${n}.example`, `Quick question about S${n}`, `out-${n}@lima-studio.example`);
    }
  })();
  d.close();
}

/**
 * A new database (migrated, seedSentLeads) in a temp folder, then `outreach inbox import` of a copy of the fixture
 * folder into it (the built CLI, no model, no notifier). Returns the folder, the open database and the import's --json.
 */
export async function importIntoSeeded(fixtures: string, leads: number, prefix: string): Promise<{ tmp: { dir: string; cleanup: () => void }; db: Database; result: unknown }> {
  const tmp = tempDir(prefix);
  const env = { OUTREACH_DB: join(tmp.dir, 'o.db'), OUTREACH_SETTINGS: join(tmp.dir, 'none.yaml'), ANTHROPIC_API_KEY: '', AWS_BEARER_TOKEN_BEDROCK: '', OUTREACH_NOTIFY_WEBHOOK_URL: '', OUTREACH_NOTIFY_COMMAND: '' };
  const m = await runCli(['db', 'migrate'], { env, cwd: tmp.dir });
  if (m.code !== 0) throw new Error(`db migrate: ${m.stderr}`);
  seedSentLeads(env.OUTREACH_DB, leads);
  cpSync(fixtures, join(tmp.dir, 'mail'), { recursive: true });
  const r = await runCli(['inbox', 'import', join(tmp.dir, 'mail'), '--json'], { env, cwd: tmp.dir });
  if (r.code !== 0) throw new Error(`inbox import exited ${r.code}: ${r.stderr}`);
  return { tmp, db: new Database(env.OUTREACH_DB), result: JSON.parse(r.stdout) as unknown };
}
