// The lead's timeline: one row per thing that happened to it, written by every stage.
import type { Db } from './open.js';
import { cached } from './statements.js';

export interface EventInput {
  leadId: number | null;
  type: string;
  data?: unknown;
  campaignId?: number | null;
  messageId?: number | null;
  runId?: number | null;
  at?: string;
}

const INSERT = `INSERT INTO events (lead_id, type, at, campaign_id, message_id, data, run_id)
       VALUES (?, ?, COALESCE(?, strftime('%Y-%m-%dT%H:%M:%fZ','now')), ?, ?, ?, ?)`;

// Prepared once per connection: stages write an event per message in hot loops (inbox sync, send).
export function addEvent(db: Db, e: EventInput): void {
  cached(db, INSERT).run(e.leadId, e.type, e.at ?? null, e.campaignId ?? null, e.messageId ?? null, e.data === undefined ? null : JSON.stringify(e.data), e.runId ?? null);
}
