// Mailbox rows: the sending accounts. Passwords are never here, only the NAME of the environment
// variable that holds each one.
import type { Db } from '../../db/open.js';
import type { Security } from '../../adapters/smtp.js';
import { q } from '../send/statements.js';

export interface MailboxRow {
  id: number;
  name: string;
  email: string;
  from_name: string | null;
  smtp_host: string;
  smtp_port: number;
  smtp_security: Security;
  smtp_user: string | null;
  smtp_password_env: string | null;
  imap_host: string | null;
  imap_port: number | null;
  imap_security: Security;
  imap_user: string | null;
  imap_password_env: string | null;
  sent_folder: string | null;
  append_sent: number;
  daily_cap: number;
  ramp_start: number;
  ramp_step: number;
  ramp_started_at: string | null;
  status: 'active' | 'paused' | 'auth_failed';
  status_reason: string | null;
  created_at: string;
  updated_at: string;
}

export function listMailboxRows(db: Db): MailboxRow[] {
  return q(db, 'SELECT * FROM mailboxes ORDER BY name').all() as MailboxRow[];
}

export function getMailboxByName(db: Db, name: string): MailboxRow | undefined {
  return q(db, 'SELECT * FROM mailboxes WHERE name = ?').get(name) as MailboxRow | undefined;
}

export function getMailboxById(db: Db, id: number): MailboxRow | undefined {
  return q(db, 'SELECT * FROM mailboxes WHERE id = ?').get(id) as MailboxRow | undefined;
}

export function setMailboxStatus(db: Db, id: number, status: MailboxRow['status'], reason: string | null): void {
  q(db, `UPDATE mailboxes SET status = ?, status_reason = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?`)
    .run(status, reason, id);
}

/** Messages counted against today's cap: sent, and those whose fate is open (sending, unknown). */
export function sentSince(db: Db, mailboxId: number, sinceIso: string): number {
  const r = q(db, 
      `SELECT (SELECT COUNT(*) FROM messages WHERE mailbox_id = ? AND state = 'sent' AND sent_at >= ?)
            + (SELECT COUNT(*) FROM messages WHERE +mailbox_id = ? AND state IN ('sending','unknown') AND claimed_at >= ?) AS n`,
    )
    .get(mailboxId, sinceIso, mailboxId, sinceIso) as { n: number };
  return r.n;
}

export function lastSentAt(db: Db, mailboxId: number): string | null {
  // MAX(sent_at) comes straight from the (mailbox_id, sent_at) index; open claims through the state index.
  const r = q(db, 
      `SELECT MAX(COALESCE((SELECT MAX(sent_at) FROM messages WHERE mailbox_id = @id), ''),
                  COALESCE((SELECT MAX(claimed_at) FROM messages WHERE state IN ('sending','unknown') AND +mailbox_id = @id), '')) AS t`,
    )
    .get({ id: mailboxId }) as { t: string };
  return r.t || null;
}
