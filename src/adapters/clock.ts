// Time and waiting come in through this adapter, so tests control sending windows, follow-up delays
// and the random spacing between messages without sleeping for real.
export interface Clock {
  now(): Date;
  /** Waits ms milliseconds (or until the signal aborts; then resolves early). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** A number in [0, 1) for random spacing (Math.random in production, seeded in tests). */
  random(): number;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (ms <= 0 || signal?.aborted) return resolve();
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
  random: () => Math.random(),
};

/** A clock that only moves when told to (sleep advances it instantly). For tests. */
export class ManualClock implements Clock {
  private t: number;
  private seed: number;
  readonly sleeps: number[] = [];
  constructor(start: Date | string, seed = 42) {
    this.t = new Date(start).getTime();
    this.seed = seed;
  }
  now(): Date {
    return new Date(this.t);
  }
  set(d: Date | string): void {
    this.t = new Date(d).getTime();
  }
  advance(ms: number): void {
    this.t += ms;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    if (ms > 0) this.t += ms;
  }
  random(): number {
    // mulberry32: deterministic spacing in tests
    let x = (this.seed = (this.seed + 0x6d2b79f5) | 0);
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  }
}
