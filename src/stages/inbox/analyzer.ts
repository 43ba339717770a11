// Runs analyzeOffline (parse + offline classification) on a worker thread, so `inbox sync` reads IMAP
// and commits on the main thread while the other core parses and classifies. Results come back as
// promises that never reject. If the worker cannot start or dies, the work (including what was in
// flight) is done on this thread instead: a message is never lost to a worker problem.
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { analyzeOffline, type Analyzed } from './analyze.js';
import type { ParseLimits } from './parse.js';

import type { WorkerReply } from './analyze-worker.js';

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

export class Analyzer {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private outbox: { id: number; source: Uint8Array }[] = [];
  private flushQueued = false;

  constructor(
    private readonly limits: ParseLimits,
    useWorker = true,
  ) {
    const file = useWorker ? workerFile() : null;
    if (!file) return;
    try {
      const w = new Worker(file, { workerData: { limits } });
      w.on('message', (replies: WorkerReply[]) => {
        for (const m of replies) {
          const p = this.pending.get(m.id);
          if (!p) continue;
          this.pending.delete(m.id);
          if (m.a) {
            const raw = m.a.p.raw as unknown as Uint8Array; // a structured clone: back to a Buffer
            m.a.p.raw = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
            p.resolve({ ok: true, a: m.a });
          } else p.resolve({ ok: false, error: m.error ?? 'analysis failed' });
        }
      });
      w.on('error', () => this.fallBack());
      w.on('exit', () => this.fallBack());
      this.worker = w;
    } catch {
      this.worker = null;
    }
  }

  /** Whether the work goes to a worker thread (false: this thread). */
  get threaded(): boolean {
    return this.worker !== null;
  }

  analyze(source: Buffer): Promise<AnalyzeResult> {
    if (!this.worker) return local(source, this.limits);
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
    if (!this.worker) return; // fallBack() answers everything pending
    try {
      this.worker.postMessage(batch);
    } catch {
      this.fallBack();
    }
  }

  /** The worker is gone: everything it had not answered is analyzed here. */
  private fallBack(): void {
    this.worker = null;
    this.outbox = [];
    const left = [...this.pending.values()];
    this.pending.clear();
    for (const p of left) void local(p.source, this.limits).then(p.resolve);
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.outbox = [];
    // Anything still pending is answered here before the worker goes.
    const left = [...this.pending.values()];
    this.pending.clear();
    for (const p of left) void local(p.source, this.limits).then(p.resolve);
    if (w) {
      w.removeAllListeners('exit');
      w.removeAllListeners('error');
      w.on('error', () => undefined);
      await w.terminate();
    }
  }
}
