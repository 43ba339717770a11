// Seeds a temp database with what the send stage reads: a campaign with steps, leads with contacts,
// enrollments and approved drafts (as the draft stage writes them), and mailboxes.
import { openDb, type Db } from '../../src/db/open.js';
import { UNSUBSCRIBE_URL_MARKER } from '../../src/domain/unsubscribe.js';
import type { SendSettings } from '../../src/stages/send/index.js';

export interface SeedOptions {
  campaign?: string;
  /** Delay in business days of each step (first is ignored). */
  steps?: number[];
  leads: number;
  email?: (i: number) => string;
  country?: (i: number) => string | null;
  html?: boolean;
  /** Approve the drafts of these step positions (default: all). */
  approve?: number[];
}

export interface Seeded {
  campaignId: number;
  stepIds: number[];
  enrollments: { id: number; leadId: number; contactId: number; email: string }[];
}

export function seedCampaign(db: Db, o: SeedOptions): Seeded {
  const q = db.sqlite;
  const name = o.campaign ?? 'spring';
  const campaignId = (q.prepare(`INSERT INTO campaigns (name) VALUES (?) RETURNING id`).get(name) as { id: number }).id;
  const delays = o.steps ?? [0];
  const stepIds = delays.map(
    (d, i) => (q.prepare(`INSERT INTO steps (campaign_id, position, delay_days) VALUES (?, ?, ?) RETURNING id`).get(campaignId, i + 1, d) as { id: number }).id,
  );
  const enrollments: Seeded['enrollments'] = [];
  const tx = q.transaction(() => {
    for (let i = 0; i < o.leads; i++) {
      const email = o.email ? o.email(i) : `owner${i}@shop${i}.example.com`;
      const domain = `${name}-shop${i}.example.com`;
      const existing = q.prepare(`SELECT id FROM leads WHERE domain = ?`).get(domain) as { id: number } | undefined;
      const leadId =
        existing?.id ??
        (q.prepare(`INSERT INTO leads (domain, company, country, stage) VALUES (?, ?, ?, 'drafted') RETURNING id`).get(domain, `Shop ${i}`, o.country ? o.country(i) : 'GB') as {
          id: number;
        }).id;
      const contactId = (q.prepare(`INSERT INTO contacts (lead_id, email, first_name, is_primary) VALUES (?, ?, ?, 1) RETURNING id`).get(leadId, email, `Owner${i}`) as {
        id: number;
      }).id;
      const enrollmentId = (q.prepare(`INSERT INTO enrollments (campaign_id, lead_id, contact_id) VALUES (?, ?, ?) RETURNING id`).get(campaignId, leadId, contactId) as {
        id: number;
      }).id;
      stepIds.forEach((stepId, k) => {
        const approved = !o.approve || o.approve.includes(k + 1);
        q.prepare(
          `INSERT INTO drafts (enrollment_id, step_id, lead_id, contact_id, subject, body_text, body_html, status, provider)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'offline')`,
        ).run(
          enrollmentId,
          stepId,
          leadId,
          contactId,
          k === 0 ? `Quick question for Shop ${i}` : `follow-up ${k + 1}`,
          `Hi Owner${i},\n\nStep ${k + 1} for Shop ${i}.\n\nAna, Lima Studio, 1 Main St, Austin TX\nUnsubscribe: ${UNSUBSCRIBE_URL_MARKER}\n`,
          o.html ? `<p>Hi Owner${i},</p><p>Step ${k + 1} for Shop ${i}.</p><p><a href="${UNSUBSCRIBE_URL_MARKER}">Unsubscribe</a></p>` : null,
          approved ? 'approved' : 'pending',
        );
      });
      enrollments.push({ id: enrollmentId, leadId, contactId, email });
    }
  });
  tx();
  return { campaignId, stepIds, enrollments };
}

export function addTestMailbox(
  db: Db,
  m: { name: string; email: string; host: string; port: number; user?: string | null; passwordEnv?: string | null; imapPort?: number | null; dailyCap?: number; rampStart?: number; rampStep?: number; appendSent?: boolean },
): number {
  return (
    db.sqlite
      .prepare(
        `INSERT INTO mailboxes (name, email, smtp_host, smtp_port, smtp_security, smtp_user, smtp_password_env, imap_host, imap_port, imap_security, imap_user, imap_password_env,
           daily_cap, ramp_start, ramp_step, append_sent)
         VALUES (?, ?, ?, ?, 'none', ?, ?, ?, ?, 'none', ?, ?, ?, ?, ?, ?) RETURNING id`,
      )
      .get(
        m.name, m.email, m.host, m.port, m.user === undefined ? m.email : m.user, m.passwordEnv ?? null,
        m.imapPort ? m.host : null, m.imapPort ?? null, m.imapPort ? (m.user === undefined ? m.email : m.user) : null, m.imapPort ? (m.passwordEnv ?? null) : null,
        m.dailyCap ?? 1000, m.rampStart ?? 0, m.rampStep ?? 0, m.appendSent ? 1 : 0,
      ) as { id: number }
  ).id;
}

export function testSettings(over: Partial<SendSettings['sending']> = {}): SendSettings {
  return {
    sender: { name: 'Ana Lima', email: 'ana@test.local', timezone: 'UTC' },
    sending: {
      days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
      start: '00:00',
      end: '00:00',
      recipient_timezone: false,
      min_gap_seconds: 0,
      max_gap_seconds: 0,
      per_domain_per_hour: 1000,
      ...over,
    },
    unsubscribe: { base_url: 'https://u.example.com', mailto: 'unsubscribe@test.local' },
  };
}

export function openTestDb(path: string): Db {
  return openDb(path);
}

export function messageStates(db: Db): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of db.sqlite.prepare(`SELECT state, COUNT(*) AS n FROM messages GROUP BY state`).all() as { state: string; n: number }[]) out[r.state] = r.n;
  return out;
}

/** An outreach.yaml for CLI send tests: always open, no pacing, this sender address. */
export const sendSettingsYaml = (email: string): string => `sender:
  name: "Ana Lima"
  email: "${email}"
  postal_address: "1 Main St, Austin TX"
  timezone: "UTC"
sending:
  days: [mon, tue, wed, thu, fri, sat, sun]
  start: "00:00"
  end: "00:00"
  recipient_timezone: false
  min_gap_seconds: 0
  max_gap_seconds: 0
  per_domain_per_hour: 100000
unsubscribe:
  base_url: "https://u.example.com"
`;
