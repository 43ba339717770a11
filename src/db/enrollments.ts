// Enrollment state shared by the stages that read it: the inbox pauses a sequence on an out-of-office reply,
// and both the inbox and `send` resume the pauses that are due (a user who only runs `send`, or whose sync is
// failing, still gets the sequence going again on the day after the return date).
import type { Db } from './open.js';
import { cached } from './statements.js';
import { addEvent } from './events.js';

const DUE = `SELECT id, lead_id, campaign_id FROM enrollments
  WHERE status = 'paused' AND stop_reason = 'out_of_office' AND paused_until IS NOT NULL AND paused_until <= ?`;
const RESUME = `UPDATE enrollments SET status = 'active', stop_reason = NULL, paused_until = NULL,
  updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ? AND status = 'paused'`;

/** Out-of-office pauses whose end has come are active again (an event on each lead's timeline). Call inside a write transaction. */
export function resumeDuePauses(db: Db, now: Date): number {
  const rows = cached(db, DUE).all(now.toISOString()) as { id: number; lead_id: number; campaign_id: number }[];
  let n = 0;
  for (const r of rows) {
    if (!cached(db, RESUME).run(r.id).changes) continue;
    addEvent(db, { leadId: r.lead_id, type: 'resumed', campaignId: r.campaign_id, data: { reason: 'back from out of office' } });
    n++;
  }
  return n;
}
