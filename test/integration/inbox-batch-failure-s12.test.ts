// A message whose writes fail half-way inside a batch (inbox import / sync, offline) leaves no stored row behind:
// it is reported as failed, and the other messages of the batch are stored. (Since session 12 most messages commit
// in the batch without a savepoint of their own; a failure then removes the message's row again.)
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openDb, type Db } from '../../src/db/open.js';
import { importMail } from '../../src/stages/inbox/index.js';
import { seedSentLeads } from '../helpers/inbox-seed.js';
import { tempDir } from '../helpers/cli.js';

const reply = (n: number, body: string) =>
  `From: Boss ${n} <boss@s${n}.example>\r\nTo: ana@lima-studio.example\r\nSubject: Re: Quick question about S${n}\r\nMessage-ID: <r${n}@s${n}.example>\r\n` +
  `In-Reply-To: <out-${n}@lima-studio.example>\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`;

describe('a message that fails half-way in a batch', () => {
  let tmp: { dir: string; cleanup: () => void };
  let db: Db;
  beforeEach(() => {
    tmp = tempDir('outreach-batchfail-');
    db = openDb(join(tmp.dir, 'o.db'));
    db.close();
    seedSentLeads(join(tmp.dir, 'o.db'), 3);
    db = openDb(join(tmp.dir, 'o.db'));
    mkdirSync(join(tmp.dir, 'mail'));
    writeFileSync(join(tmp.dir, 'mail', '1.eml'), reply(1, 'Sounds great, can you send me the pricing?'));
    writeFileSync(join(tmp.dir, 'mail', '2.eml'), reply(2, 'Not interested, thanks.'));
    writeFileSync(join(tmp.dir, 'mail', '3.eml'), reply(3, 'Please remove me from your list.'));
  });
  afterEach(() => {
    db.close();
    tmp.cleanup();
  });

  it('is reported and not stored; the messages around it are stored with their effects', async () => {
    // The event of lead 2's reply cannot be written (a stand-in for an I/O error after the insert).
    db.sqlite.exec(`CREATE TRIGGER fail_event BEFORE INSERT ON events WHEN NEW.lead_id = 2 BEGIN SELECT RAISE(ABORT, 'injected failure'); END`);
    const s = await importMail(db, join(tmp.dir, 'mail'), { classifier: null, analyzeInWorker: false });
    expect(s.errors).toEqual([expect.stringMatching(/2\.eml: .*injected failure/)]);
    const stored = db.sqlite.prepare(`SELECT message_id, label FROM inbound ORDER BY message_id`).all();
    expect(stored).toEqual([
      { message_id: 'r1@s1.example', label: 'WARM' },
      { message_id: 'r3@s3.example', label: 'UNSUBSCRIBE' },
    ]);
    // The next import, once the failure is gone, stores it with its effects (nothing doubled for the others).
    db.sqlite.exec('DROP TRIGGER fail_event');
    const again = await importMail(db, join(tmp.dir, 'mail'), { classifier: null, analyzeInWorker: false });
    expect(again.errors).toEqual([]);
    expect(again.stored).toBe(1);
    expect(again.duplicates).toBe(2);
    expect(db.sqlite.prepare(`SELECT label FROM inbound WHERE message_id = 'r2@s2.example'`).get()).toEqual({ label: 'COLD' });
    expect(db.sqlite.prepare(`SELECT status FROM enrollments WHERE lead_id = 2`).get()).toEqual({ status: 'stopped' });
  });
});
