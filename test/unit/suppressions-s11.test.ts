// A plus-address reaches the mailbox without its tag: when `ann@d.com` unsubscribed, bounced or was forgotten,
// `send` (and draft, campaign, enrich: all ask findSuppression) never mails `ann+news@d.com` either. The other way
// round stays as it was: a tagged address that unsubscribed says nothing about the untagged one.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { join } from 'node:path';
import { openDb, type Db } from '../../src/db/open.js';
import { addSuppression, erasureHash, findSuppression } from '../../src/db/suppressions.js';
import { tempDir } from '../helpers/cli.js';

let t: ReturnType<typeof tempDir>;
let db: Db;
beforeEach(() => {
  t = tempDir();
  db = openDb(join(t.dir, 'o.db'));
});
afterEach(() => {
  db.close();
  t.cleanup();
});

describe('findSuppression and plus-addresses', () => {
  it('the untagged mailbox suppressed: its tagged addresses are suppressed, any case', () => {
    addSuppression(db, { kind: 'email', value: 'ann@d.com', reason: 'unsubscribed' });
    expect(findSuppression(db, 'ann+news@d.com')).toMatchObject({ reason: 'unsubscribed' });
    expect(findSuppression(db, 'Ann+Promo@D.com')).toMatchObject({ reason: 'unsubscribed' });
    expect(findSuppression(db, 'ann@d.com')).toMatchObject({ reason: 'unsubscribed' });
    expect(findSuppression(db, 'anna+news@d.com')).toBeNull();
    expect(findSuppression(db, 'ann+news@other.com')).toBeNull();
  });

  it('a forgotten mailbox (hash only): its tagged addresses are suppressed too', () => {
    addSuppression(db, { kind: 'email_hash', value: erasureHash(db, 'bob@d.com'), reason: 'forgotten' });
    expect(findSuppression(db, 'bob+x@d.com')).not.toBeNull();
  });

  it('a tagged address suppressed says nothing about the untagged one; a + in first place is no tag', () => {
    addSuppression(db, { kind: 'email', value: 'cat+shop@d.com', reason: 'unsubscribed' });
    expect(findSuppression(db, 'cat+shop@d.com')).not.toBeNull();
    expect(findSuppression(db, 'cat@d.com')).toBeNull();
    addSuppression(db, { kind: 'email', value: '@d.com', reason: 'manual' });
    expect(findSuppression(db, '+x@d.com')).toBeNull();
  });
});
