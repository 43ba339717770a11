// Worker thread for `inbox sync`: parses and classifies (offline) the raw messages the main thread
// posts, in batches, and posts each batch's results back in one message (a message between threads
// costs more than parsing a short reply, so they go by the dozen). Pure CPU work: the database stays
// on the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeOffline, type Analyzed } from './analyze.js';
import type { ParseLimits } from './parse.js';

const limits = (workerData as { limits: ParseLimits }).limits;

/**
 * One message's answer. `a` has no `raw` and no classifier input: `rawIsSource` says the message keeps its whole
 * source as raw (the main thread has those bytes already); otherwise its raw is in the batch's `raws`, same index.
 */
export type WorkerReply = { id: number; a?: Analyzed; error?: string; rawIsSource?: boolean };

/**
 * A batch's answers as one JSON string, plus the raws not equal to their source. The main thread's share of
 * the hand-over is parsing this string: about a quarter of what deserializing the same objects costs it
 * (structured clone, measured on the inbox bench's messages: ~13-19 us a message against ~3-5). JSON keeps
 * everything the analysis holds but the Date of `p.date` (revived by the main thread) and properties whose
 * value is undefined (read as absent either way).
 */
export interface WorkerBatchReply {
  json: string;
  raws: (Uint8Array | null)[];
}

parentPort!.on('message', (batch: { id: number; source: Uint8Array }[]) => {
  void Promise.all(
    batch.map((m) => {
      const source = Buffer.from(m.source.buffer, m.source.byteOffset, m.source.byteLength);
      return analyzeOffline(source, limits).then(
        (a): { reply: WorkerReply; raw: Uint8Array | null } => {
          // The classifier's input (all headers, the whole text) is not needed to store the message:
          // not sending it back halves the cost of the copy on both threads.
          a.p.input = null as unknown as Analyzed['p']['input'];
          const raw = a.p.raw;
          a.p.raw = null as unknown as Buffer;
          // Most messages are kept whole (raw is the very buffer parsed): the main thread reattaches its own copy.
          if (raw === source) return { reply: { id: m.id, a, rawIsSource: true }, raw: null };
          return { reply: { id: m.id, a }, raw };
        },
        (err: unknown) => ({ reply: { id: m.id, error: (err as Error)?.message ?? String(err) }, raw: null }),
      );
    }),
  ).then((out) => {
    const reply: WorkerBatchReply = { json: JSON.stringify(out.map((o) => o.reply)), raws: out.map((o) => o.raw) };
    parentPort!.postMessage(reply);
  });
});
