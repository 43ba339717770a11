// Runs analyzeOffline (parse + offline classification) on a worker thread, so `inbox sync` reads IMAP
// and commits on the main thread while the other core parses and classifies. Results come back as
// promises that never reject. If the worker cannot start or dies, the work (including what was in
// flight) is done on this thread instead: a message is never lost to a worker problem.
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { analyzeOffline, type Analyzed } from './analyze.js';
import type { ParseLimits } from './parse.js';

import type { WorkerBatchReply, WorkerReply } from './analyze-worker.js';

/** Messages per post to the worker (a post costs about as much as parsing a short reply). */
const BATCH = 128;

export type AnalyzeResult = { ok: true; a: Analyzed } | { ok: false; error: string };

interface Pending {
  source: Buffer;
  resolve: (r: AnalyzeResult) => void;
}

/** The compiled worker next to this module (under tests, which run the .ts sources, the built one in dist/). */
function workerFile(): string | null {
  const here = import.meta.url;
  const url = here.endsWith('.ts') ? new URL('../../../dist/stages/inbox/analyze-worker.js', here) : new URL('./analyze-worker.js', here);
  const path = fileURLToPath(url);
  return existsSync(path) ? path : null;
}

function local(source: Buffer, limits: ParseLimits): Promise<AnalyzeResult> {
  return analyzeOffline(source, limits).then(
    (a) => ({ ok: true as const, a }),
    (err: unknown) => ({ ok: false as const, error: (err as Error)?.message ?? String(err) }),
  );
}

/** Ends a worker that is no longer used: its exit or a late error no longer reaches the Analyzer. */
function stop(w: Worker): Promise<number> {
  w.removeAllListeners('exit');
  w.removeAllListeners('error');
  w.on('error', () => undefined);
  return w.terminate();
}

/**
 * How many worker threads parse and classify: one per core beyond the one the main thread (IMAP, SQLite) needs, at
 * least one, at most 4 (past that the main thread's commits set the pace). On a 2-core machine: one.
 */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

export class Analyzer {
  private workers: Worker[] = [];
  /** The worker the next batch goes to (round robin: results are matched by id, so their order does not matter). */
  private next = 0;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private outbox: { id: number; source: Uint8Array }[] = [];
  private flushQueued = false;

  constructor(
    private readonly limits: ParseLimits,
    useWorker = true,
    workers = defaultWorkers(),
  ) {
    const file = useWorker ? workerFile() : null;
    if (!file) return;
    try {
      for (let i = 0; i < Math.max(1, workers); i++) {
        const w = new Worker(file, { workerData: { limits } });
        w.on('message', (batch: WorkerBatchReply) => this.answer(batch));
        // One worker gone (it failed to start, crashed, ran out of memory): all of the work falls back to this thread.
        w.on('error', () => this.fallBack());
        w.on('exit', () => this.fallBack());
        this.workers.push(w);
      }
    } catch {
      this.fallBack();
    }
  }

  private answer(batch: WorkerBatchReply): void {
    const replies = JSON.parse(batch.json) as WorkerReply[];
    for (let i = 0; i < replies.length; i++) {
      const m = replies[i]!;
      const p = this.pending.get(m.id);
      if (!p) continue;
      this.pending.delete(m.id);
      if (m.a) {
        const date = m.a.p.date as unknown as string | null; // JSON: back to a Date
        m.a.p.date = date === null || date === undefined ? null : new Date(date);
        if (m.rawIsSource) m.a.p.raw = p.source; // the same bytes the worker parsed (it got a copy of them)
        else {
          const raw = batch.raws[i]!; // a structured clone: back to a Buffer
          m.a.p.raw = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
        }
        p.resolve({ ok: true, a: m.a });
      } else p.resolve({ ok: false, error: m.error ?? 'analysis failed' });
    }
  }

  /** Whether the work goes to a worker thread (false: this thread). */
  get threaded(): boolean {
    return this.workers.length > 0;
  }

  /** How many worker threads do the work (0: this thread). */
  get threads(): number {
    return this.workers.length;
  }

  analyze(source: Buffer): Promise<AnalyzeResult> {
    if (!this.workers.length) return local(source, this.limits);
    const id = this.nextId++;
    return new Promise<AnalyzeResult>((resolve) => {
      this.pending.set(id, { source, resolve });
      // The worker gets its own copy of the bytes (never the IMAP buffer), sent with the next batch.
      this.outbox.push({ id, source: new Uint8Array(source) });
      if (this.outbox.length >= BATCH) this.flush();
      else if (!this.flushQueued) {
        this.flushQueued = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushQueued = false;
    if (!this.outbox.length) return;
    const batch = this.outbox;
    this.outbox = [];
    if (!this.workers.length) return; // fallBack() answers everything pending
    try {
      const worker = this.workers[this.next++ % this.workers.length]!;
      // Each source is a fresh copy (analyze()): its memory moves to the worker instead of being copied again.
      worker.postMessage(batch, batch.map((m) => m.source.buffer as ArrayBuffer));
    } catch {
      this.fallBack();
    }
  }

  /** The worker is gone: everything it had not answered is analyzed here. */
  private fallBack(): void {
    for (const w of this.workers) void stop(w);
    this.workers = [];
    this.outbox = [];
    const left = [...this.pending.values()];
    this.pending.clear();
    for (const p of left) void local(p.source, this.limits).then(p.resolve);
  }

  async close(): Promise<void> {
    const gone = this.workers;
    this.workers = [];
    this.outbox = [];
    // Anything still pending is answered here before the worker goes.
    const left = [...this.pending.values()];
    this.pending.clear();
    for (const p of left) void local(p.source, this.limits).then(p.resolve);
    await Promise.all(gone.map(stop));
  }
}
