/** The last `size` durations of one kind of call, for percentiles over recent traffic (the dashboard's view). */
export class LatencyWindow {
  private readonly samples: Float64Array;
  private next = 0;
  private count = 0;

  constructor(size = 2048) {
    this.samples = new Float64Array(size);
  }

  record(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.samples.length;
    if (this.count < this.samples.length) this.count++;
  }

  /** Percentiles in ms of the samples held, e.g. `[0.5, 0.99]`; null when empty. */
  percentiles(qs: readonly number[]): number[] | null {
    if (this.count === 0) return null;
    const sorted = this.samples.slice(0, this.count).sort();
    return qs.map((q) => sorted[Math.min(this.count - 1, Math.floor(q * this.count))] as number);
  }

  get size(): number {
    return this.count;
  }
}
