// Draft review from the dashboard goes through the draft stage's own rules (src/stages/draft/review.ts):
// approval re-checks compliance with the current settings and suppression list (a failing draft becomes
// blocked), rejection stops the lead's sequence, an edit is checked again. Same outcome as `outreach draft review`.
import type { Db } from '../../db/open.js';
import { UserError } from '../../errors.js';
import type { DraftEnv } from '../draft/context.js';
import { approveDraft, rejectDraft, editDraft } from '../draft/review.js';
import type { ReviewResult } from './queries.js';

export interface DraftReviewer {
  approve(id: number, note?: string): ReviewResult;
  reject(id: number, note?: string): ReviewResult;
  edit(id: number, subject: string, body: string): ReviewResult;
}

function guard(fn: () => ReviewResult): ReviewResult {
  try {
    return fn();
  } catch (err) {
    if (err instanceof UserError) return { ok: false, reason: err.message };
    throw err;
  }
}

function pendingOnly(db: Db, id: number): ReviewResult | null {
  const row = db.sqlite.prepare('SELECT status FROM drafts WHERE id = ?').get(id) as { status: string } | undefined;
  if (!row) return { ok: false, reason: 'No such draft.' };
  // The dashboard reviews pending (and blocked, after an edit) drafts; a decided draft stays decided.
  if (row.status !== 'pending' && row.status !== 'blocked') return { ok: false, reason: `The draft is ${row.status}, not pending: it was reviewed already.` };
  return null;
}

export function draftStageReviewer(db: Db, env: DraftEnv): DraftReviewer {
  return {
    approve: (id, note) =>
      pendingOnly(db, id) ??
      guard(() => {
        const r = approveDraft(db, env, id, { note: note || undefined });
        return r.approved ? { ok: true, status: 'approved' } : { ok: false, reason: `Blocked by compliance: ${r.failures.map((f) => f.message).join('; ')}` };
      }),
    reject: (id, note) =>
      pendingOnly(db, id) ??
      guard(() => {
        rejectDraft(db, id, { note: note || undefined });
        return { ok: true, status: 'rejected' };
      }),
    edit: (id, subject, body) =>
      pendingOnly(db, id) ??
      guard(() => {
        if (!subject.trim() || subject.length > 300) return { ok: false, reason: 'The subject must be 1 to 300 characters.' };
        if (!body.trim() || body.length > 20_000) return { ok: false, reason: 'The body must be 1 to 20,000 characters.' };
        const r = editDraft(db, env, id, { subject, body });
        return r.failures.length
          ? { ok: false, reason: `Saved, but blocked by compliance: ${r.failures.map((f) => f.message).join('; ')}` }
          : { ok: true, status: 'pending' };
      }),
  };
}
