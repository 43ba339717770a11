// Commits messages in batches: one transaction (and one fsync, synchronous = FULL) per BATCH_MAX messages
// or per second, whichever comes first, instead of one per message. Used by `inbox sync` and `inbox import`
// when they classify offline. Each message inside a batch still runs in its own savepoint (store.ts atomic),
// so one that fails leaves nothing behind and the batch goes on.
import type { Db } from '../../db/open.js';
import type { AnalyzeResult } from './analyzer.js';

export interface BatchOptions {
  /** Most messages per transaction. */
  max: number;
  /** Longest a transaction stays open (ms): the write lock is never held long while waiting on I/O. */
  ms: number;
  /** Runs when a transaction begins. */
  onBegin?: () => void;
  /** Runs inside the transaction, right before COMMIT (sync writes the folder's last UID here). */
  beforeCommit?: () => void;
}

export class CommitBatch {
  private open = false;
  private n = 0;
  private at = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    private readonly o: BatchOptions,
  ) {}

  /** Opens a transaction unless one is open. */
  begin(): void {
    if (this.open) return;
    this.db.sqlite.exec('BEGIN IMMEDIATE');
    this.open = true;
    this.n = 0;
    this.at = Date.now();
    this.o.onBegin?.();
    // A timer runs only between awaits, when every message in the batch is whole.
    this.timer = setTimeout(() => {
      this.timer = null;
      try {
        this.commit();
      } catch {
        // The batch stays open: the next commit (by count, by time, or at the end) tries again and reports what fails.
      }
    }, this.o.ms);
  }

  /** One more message in the batch: commits when the batch is full or old enough. */
  added(): void {
    if (++this.n >= this.o.max || Date.now() - this.at > this.o.ms) this.commit();
  }

  commit(): void {
    this.stopTimer();
    if (!this.open) return;
    this.o.beforeCommit?.();
    this.db.sqlite.exec('COMMIT');
    this.open = false;
  }

  /** Rolls back the open batch, if any; true when there was one to roll back. */
  abort(): boolean {
    this.stopTimer();
    const was = this.open && this.db.sqlite.inTransaction;
    if (was) this.db.sqlite.exec('ROLLBACK');
    this.open = false;
    return was;
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/**
 * Messages in flight between the reader (IMAP or files) and the commits: each is pushed with its analysis (a
 * promise, on the worker thread) and stored in the order it was read, once its analysis is done. At most
 * `window` messages or `windowBytes` bytes wait at once: push() stores the oldest until there is room.
 */
export class InFlight<M> {
  private readonly queue: { meta: M; size: number; result: Promise<AnalyzeResult> }[] = [];
  private bytes = 0;

  constructor(
    /** Stores one analyzed message (inside the open batch); throws only to stop the run. */
    private readonly store: (meta: M, r: AnalyzeResult) => void,
    private readonly window: number,
    private readonly windowBytes: number,
  ) {}

  async push(meta: M, size: number, result: Promise<AnalyzeResult>): Promise<void> {
    this.queue.push({ meta, size, result });
    this.bytes += size;
    while (this.queue.length >= this.window || this.bytes > this.windowBytes) await this.settle();
  }

  /** Stores everything still in flight, in order. */
  async drain(): Promise<void> {
    while (this.queue.length) await this.settle();
  }

  /** Forgets what is in flight (the run stopped; the next one reads those messages again). */
  clear(): void {
    this.queue.length = 0;
    this.bytes = 0;
  }

  private async settle(): Promise<void> {
    const q = this.queue.shift()!;
    const r = await q.result;
    this.bytes -= q.size;
    this.store(q.meta, r);
  }
}
