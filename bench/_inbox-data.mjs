// The inbox benches' data (bench/inbox.mjs over Dovecot, bench/inbox-stages.mjs in-process): N messages, mostly
// replies threaded to what we sent 3,000 leads (5% bounces, 15% out-of-office, the rest human replies in several
// languages with a quoted original), and a database seeded with those leads, contacts, enrollments and sent messages.
import { join } from 'node:path';

export const LEADS = 3000;
export const USER = 'alice@test.local';

const REPLIES = [
  'Thanks for reaching out. We are interested - what does it cost for a store our size?',
  "Not interested, thanks. We already work with an agency and we're happy with them.",
  'Can you send me more details? If it looks relevant I will loop in our head of growth.',
  'Please remove me from your list.',
  'Klingt interessant. Können wir nächste Woche kurz telefonieren?',
  "Non merci, nous avons déjà un prestataire.",
  'Ahora mismo no, escríbeme más adelante.',
  'Who are you and how did you get my email?',
];
const QUOTE = `\r\n\r\nOn Mon, Mar 2, 2026 at 9:00 AM Sam Baker <${USER}> wrote:\r\n` + Array.from({ length: 12 }, (_, i) => `> Line ${i} of our original email about abandoned carts and how we help stores like yours.`).join('\r\n') + '\r\n> Not interested? Unsubscribe: https://u.bench.test/u/abc\r\n';

export function message(i) {
  const lead = (i % LEADS) + 1;
  const date = 'Mon, 02 Mar 2026 10:00:00 +0000';
  const kind = i % 20;
  if (kind === 0) {
    return `From: Mail Delivery System <MAILER-DAEMON@mx.bench.example>\r\nTo: ${USER}\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bounce-${i}@mx.bench.example>\r\nDate: ${date}\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="B${i}"\r\n\r\n--B${i}\r\nContent-Type: text/plain\r\n\r\nThis is the mail system at host mx.bench.example.\r\nI'm sorry to have to inform you that your message could not be delivered.\r\n\r\n--B${i}\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.bench.example\r\n\r\nFinal-Recipient: rfc822; owner${lead}@shop${lead}.bench.example\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n--B${i}\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: ${USER}\r\nTo: owner${lead}@shop${lead}.bench.example\r\nMessage-ID: <out-${lead}@bench.test>\r\nSubject: Quick question\r\n\r\n--B${i}--\r\n`;
  }
  const headers = `From: Owner ${lead} <owner${lead}@shop${lead}.bench.example>\r\nTo: ${USER}\r\nSubject: ${kind < 3 ? 'Automatic reply: Quick question' : 'Re: Quick question'}\r\nMessage-ID: <reply-${i}@shop${lead}.bench.example>\r\nIn-Reply-To: <out-${lead}@bench.test>\r\nReferences: <out-${lead}@bench.test>\r\nDate: ${date}\r\n${kind < 3 ? 'Auto-Submitted: auto-replied\r\n' : ''}Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n`;
  const body = kind < 3 ? 'I am out of the office until 16 March with limited access to email.' : REPLIES[i % REPLIES.length];
  return headers + body + '\r\n\r\nBest,\r\nOwner ' + lead + QUOTE;
}

/** A new database at dbPath with the bench's mailbox (IMAP on imapPort), campaign, leads and what we sent them. */
export function seed(root, dbPath, imapPort) {
  return import(join(root, 'dist/db/open.js')).then(({ openDb, tx }) => {
    const db = openDb(dbPath);
    const q = db.sqlite;
    tx(db, () => {
      q.prepare(`INSERT INTO mailboxes (name, email, smtp_host, imap_host, imap_port, imap_security, imap_user, imap_password_env) VALUES ('bench', ?, '127.0.0.1', '127.0.0.1', ?, 'none', ?, 'BENCH_PW')`).run(USER, imapPort, USER);
      q.prepare(`INSERT INTO campaigns (name) VALUES ('bench')`).run();
      for (let n = 1; n <= LEADS; n++) {
        q.prepare(`INSERT INTO leads (domain, stage) VALUES (?, 'contacted')`).run(`shop${n}.bench.example`);
        q.prepare(`INSERT INTO contacts (lead_id, email) VALUES (?, ?)`).run(n, `owner${n}@shop${n}.bench.example`);
        q.prepare(`INSERT INTO enrollments (campaign_id, lead_id, contact_id, mailbox_id, thread_message_id) VALUES (1, ?, ?, 1, ?)`).run(n, n, `out-${n}@bench.test`);
        q.prepare(`INSERT INTO messages (enrollment_id, lead_id, contact_id, campaign_id, mailbox_id, to_email, subject, message_id, state) VALUES (?, ?, ?, 1, 1, ?, 'Quick question', ?, 'sent')`).run(n, n, n, `owner${n}@shop${n}.bench.example`, `out-${n}@bench.test`);
      }
    });
    db.close();
  });
}

