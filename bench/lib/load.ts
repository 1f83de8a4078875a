// Throughput under concurrency and latency percentiles of sequential calls: the L2 suites' two measurements.
import { spreadOf } from './compare.js';

/** Operations per second with `concurrency` calls in flight, run for about `durationMs`. */
export async function throughput(op: (i: number) => Promise<unknown>, concurrency: number, durationMs: number): Promise<number> {
  let done = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) await op(done++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done / ((performance.now() - start) / 1000);
}

/** Latencies in microseconds of `count` calls made one after another. */
export async function sequentialLatencies(op: (i: number) => Promise<unknown>, count: number): Promise<number[]> {
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await op(i);
    out[i] = (performance.now() - t0) * 1000;
  }
  return out;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export { spreadOf };
