// Worker thread for `inbox sync`: parses and classifies (offline) the raw messages the main thread
// posts, in batches, and posts each batch's results back in one message (a message between threads
// costs more than parsing a short reply, so they go by the dozen). Pure CPU work: the database stays
// on the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeOffline, type Analyzed } from './analyze.js';
import type { ParseLimits } from './parse.js';

const limits = (workerData as { limits: ParseLimits }).limits;

export type WorkerReply = { id: number; a?: Analyzed; error?: string };

parentPort!.on('message', (batch: { id: number; source: Uint8Array }[]) => {
  void Promise.all(
    batch.map((m) =>
      analyzeOffline(Buffer.from(m.source.buffer, m.source.byteOffset, m.source.byteLength), limits).then(
        (a): WorkerReply => {
          // The classifier's input (all headers, the whole text) is not needed to store the message:
          // not sending it back halves the cost of the copy on both threads.
          a.p.input = null as unknown as Analyzed['p']['input'];
          return { id: m.id, a };
        },
        (err: unknown): WorkerReply => ({ id: m.id, error: (err as Error)?.message ?? String(err) }),
      ),
    ),
  ).then((out) => parentPort!.postMessage(out));
});
