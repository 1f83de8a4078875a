/**
 * The most frequent keys of a stream in bounded memory: Space-Saving (Metwally, Agrawal, El Abbadi, 2005).
 *
 * It keeps `capacity` counters. A key already counted is incremented; a new key takes over the smallest counter and
 * inherits its count (the overestimate is kept as the key's error). Any key seen more than `total / capacity`
 * times is guaranteed to hold a counter, which is what a warm-up needs: the head of a skewed distribution.
 *
 * Counters sit in a binary min-heap (parallel arrays, a Map from key to heap index), so an update is O(log capacity)
 * and nothing is allocated per update once the heap is full.
 */
export class HeavyHitters {
  private readonly keys: string[] = [];
  private readonly counts: Float64Array;
  private readonly errors: Float64Array;
  private readonly index = new Map<string, number>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.counts = new Float64Array(capacity);
    this.errors = new Float64Array(capacity);
  }

  /** Keys holding a counter. */
  get size(): number {
    return this.keys.length;
  }

  /** Counts `weight` occurrences of `key`. */
  offer(key: string, weight = 1): void {
    const at = this.index.get(key);
    if (at !== undefined) {
      this.counts[at] = this.counts[at]! + weight;
      this.siftDown(at);
      return;
    }
    const size = this.keys.length;
    if (size < this.capacity) {
      this.keys.push(key);
      this.counts[size] = weight;
      this.errors[size] = 0;
      this.index.set(key, size);
      this.siftUp(size);
      return;
    }
    // The least counted key gives its counter away; its count becomes the newcomer's possible overestimate.
    const floor = this.counts[0]!;
    this.index.delete(this.keys[0]!);
    this.keys[0] = key;
    this.counts[0] = floor + weight;
    this.errors[0] = floor;
    this.index.set(key, 0);
    this.siftDown(0);
  }

  /** The `n` most counted keys, most counted first, with their estimated counts and overestimates. */
  top(n: number): Array<{ key: string; count: number; error: number }> {
    const order = this.keys.map((_, i) => i).sort((a, b) => this.counts[b]! - this.counts[a]!);
    return order.slice(0, Math.max(0, n)).map((i) => ({ key: this.keys[i]!, count: this.counts[i]!, error: this.errors[i]! }));
  }

  /**
   * Multiplies every count by `factor` (0..1), so popularity fades and today's keys can displace yesterday's.
   * Scaling every count alike keeps the heap order; counts that fall below `dropBelow` are forgotten.
   */
  decay(factor: number, dropBelow = 0): void {
    for (let i = 0; i < this.keys.length; i++) {
      this.counts[i] = this.counts[i]! * factor;
      this.errors[i] = this.errors[i]! * factor;
    }
    if (dropBelow <= 0 || this.keys.length === 0 || this.counts[0]! >= dropBelow) return;
    const kept = this.top(this.keys.length).filter((e) => e.count >= dropBelow);
    this.clear();
    for (const e of kept.reverse()) {
      this.offer(e.key, e.count);
      this.errors[this.index.get(e.key)!] = e.error;
    }
  }

  clear(): void {
    this.keys.length = 0;
    this.index.clear();
  }

  private siftUp(at: number): void {
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (this.counts[parent]! <= this.counts[at]!) return;
      this.swap(at, parent);
      at = parent;
    }
  }

  private siftDown(at: number): void {
    const size = this.keys.length;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= size) return;
      const right = left + 1;
      const child = right < size && this.counts[right]! < this.counts[left]! ? right : left;
      if (this.counts[at]! <= this.counts[child]!) return;
      this.swap(at, child);
      at = child;
    }
  }

  private swap(a: number, b: number): void {
    const key = this.keys[a]!;
    this.keys[a] = this.keys[b]!;
    this.keys[b] = key;
    const count = this.counts[a]!;
    this.counts[a] = this.counts[b]!;
    this.counts[b] = count;
    const error = this.errors[a]!;
    this.errors[a] = this.errors[b]!;
    this.errors[b] = error;
    this.index.set(this.keys[a]!, a);
    this.index.set(this.keys[b]!, b);
  }
}
