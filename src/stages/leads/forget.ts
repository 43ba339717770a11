// GDPR erasure: removes a person's (or a whole store's) data everywhere, raw mail included, and keeps only
// a keyed hash in the suppression list so they are never imported or mailed again.
import type { Db } from '../../db/open.js';
import { tx } from '../../db/open.js';
import { normalizeDomain, normalizeEmail } from '../../domain/normalize.js';
import { addSuppression, erasureHash } from '../../db/suppressions.js';
import { CONTACT_EMAIL_IS, contactEmailKey } from '../../db/contacts.js';
import { UserError } from '../../errors.js';

export interface ForgetResult {
  target: string;
  kind: 'email' | 'domain';
  leadsDeleted: number;
  contactsDeleted: number;
  inboundDeleted: number;
  messagesAnonymized: number;
  draftsDeleted: number;
  factsDeleted: number;
  eventsDeleted: number;
  suppressionsHashed: number;
}

const FORGOTTEN = 'forgotten';

export function forget(db: Db, target: string): ForgetResult {
  const isEmail = target.includes('@');
  const q = db.sqlite;
  const res: ForgetResult = {
    target,
    kind: isEmail ? 'email' : 'domain',
    leadsDeleted: 0,
    contactsDeleted: 0,
    inboundDeleted: 0,
    messagesAnonymized: 0,
    draftsDeleted: 0,
    factsDeleted: 0,
    eventsDeleted: 0,
    suppressionsHashed: 0,
  };
  // Overwrite deleted content on disk rather than leaving it in free pages.
  q.pragma('secure_delete = ON');
  try {
    if (isEmail) {
      const e = normalizeEmail(target);
      if (!e.ok) throw new UserError(`Cannot forget "${target}": ${e.reason}`);
      const email = e.value.email;
      const like = `%${email.replace(/[\\%_]/g, (m) => '\\' + m)}%`;
      tx(db, () => {
        const contactIds = (q.prepare(`SELECT id, lead_id FROM contacts WHERE ${CONTACT_EMAIL_IS}`).all(...contactEmailKey(email)) as { id: number; lead_id: number }[]);
        for (const c of contactIds) {
          res.draftsDeleted += q.prepare('DELETE FROM drafts WHERE contact_id = ?').run(c.id).changes;
          q.prepare(`UPDATE enrollments SET status = 'stopped', stop_reason = 'forgotten', contact_id = NULL WHERE contact_id = ?`).run(c.id);
        }
        res.contactsDeleted = q.prepare(`DELETE FROM contacts WHERE ${CONTACT_EMAIL_IS}`).run(...contactEmailKey(email)).changes;
        res.inboundDeleted = q.prepare(`DELETE FROM inbound WHERE lower(from_email) = ? OR lower(to_email) = ?`).run(email, email).changes;
        res.messagesAnonymized = q
          .prepare(`UPDATE messages SET to_email = ?, subject = NULL, smtp_response = NULL, last_error = NULL WHERE lower(to_email) = ?`)
          .run(FORGOTTEN, email).changes;
        res.factsDeleted = q.prepare(`DELETE FROM facts WHERE value LIKE ? ESCAPE '\\'`).run(like).changes;
        res.eventsDeleted = q.prepare(`DELETE FROM events WHERE data LIKE ? ESCAPE '\\'`).run(like).changes;
        res.suppressionsHashed = q.prepare(`DELETE FROM suppressions WHERE kind = 'email' AND value = ?`).run(email).changes;
        addSuppression(db, { kind: 'email_hash', value: erasureHash(db, email), reason: 'forgotten', source: 'cli' });
        q.prepare(`INSERT INTO events (lead_id, type, data) VALUES (NULL, 'forgotten', ?)`).run(JSON.stringify({ kind: 'email' }));
      });
    } else {
      const d = normalizeDomain(target);
      if (!d.ok) throw new UserError(`Cannot forget "${target}": ${d.reason}`);
      const domain = d.value.domain;
      const host = domain.replace(/:\d+$/, '');
      const atDomain = `%@${host.replace(/[\\%_]/g, (m) => '\\' + m)}`;
      tx(db, () => {
        const lead = q.prepare('SELECT id FROM leads WHERE domain = ?').get(domain) as { id: number } | undefined;
        const emails = (q.prepare(`SELECT DISTINCT email FROM contacts WHERE lead_id = ? OR email LIKE ? ESCAPE '\\'`).all(lead?.id ?? -1, atDomain) as { email: string }[]).map((r) => r.email);
        if (lead) {
          res.inboundDeleted += q.prepare('DELETE FROM inbound WHERE lead_id = ?').run(lead.id).changes;
          res.messagesAnonymized += q
            .prepare(`UPDATE messages SET to_email = ?, subject = NULL, smtp_response = NULL, last_error = NULL, lead_id = NULL, contact_id = NULL WHERE lead_id = ?`)
            .run(FORGOTTEN, lead.id).changes;
          res.contactsDeleted += q.prepare('SELECT count(*) FROM contacts WHERE lead_id = ?').pluck().get(lead.id) as number;
          res.factsDeleted += q.prepare('SELECT count(*) FROM facts WHERE lead_id = ?').pluck().get(lead.id) as number;
          res.draftsDeleted += q.prepare('SELECT count(*) FROM drafts WHERE lead_id = ?').pluck().get(lead.id) as number;
          res.eventsDeleted += q.prepare('SELECT count(*) FROM events WHERE lead_id = ?').pluck().get(lead.id) as number;
          // Cascades: contacts, facts, scores, tags, enrollments, assignments, drafts, events.
          res.leadsDeleted = q.prepare('DELETE FROM leads WHERE id = ?').run(lead.id).changes;
        }
        res.contactsDeleted += q.prepare(`DELETE FROM contacts WHERE email LIKE ? ESCAPE '\\'`).run(atDomain).changes;
        res.inboundDeleted += q.prepare(`DELETE FROM inbound WHERE lower(from_email) LIKE ? ESCAPE '\\'`).run(atDomain).changes;
        res.messagesAnonymized += q.prepare(`UPDATE messages SET to_email = ?, subject = NULL WHERE lower(to_email) LIKE ? ESCAPE '\\'`).run(FORGOTTEN, atDomain).changes;
        for (const email of emails) {
          res.suppressionsHashed += q.prepare(`DELETE FROM suppressions WHERE kind = 'email' AND value = ?`).run(email).changes;
          addSuppression(db, { kind: 'email_hash', value: erasureHash(db, email), reason: 'forgotten', source: 'cli' });
        }
        res.suppressionsHashed += q.prepare(`DELETE FROM suppressions WHERE kind = 'domain' AND value = ?`).run(host).changes;
        addSuppression(db, { kind: 'domain_hash', value: erasureHash(db, host), reason: 'forgotten', source: 'cli' });
        if (host !== domain) addSuppression(db, { kind: 'domain_hash', value: erasureHash(db, domain), reason: 'forgotten', source: 'cli' });
        q.prepare(`INSERT INTO events (lead_id, type, data) VALUES (NULL, 'forgotten', ?)`).run(JSON.stringify({ kind: 'domain' }));
      });
    }
    // Push the erased pages out of the write-ahead log too.
    q.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    q.pragma('secure_delete = OFF');
  }
  return res;
}
