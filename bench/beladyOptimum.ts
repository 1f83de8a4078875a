import type { KeyTrace } from '../src/tiers/traceReplay.js';

/**
 * Belady's optimal hit ratio with bypass: on a miss the key is cached only if its next use comes sooner than the
 * farthest next use in the cache (which it then evicts). Offline, O(n log n): a max-heap of next-use positions with
 * lazy deletion of entries made stale by later hits.
 */
export function beladyHitRatio(trace: KeyTrace, capacity: number): number {
  const requests = trace.requests;
  const n = requests.length;
  if (n === 0) return 0;
  // Next use of request i, or n + key when the key never comes back (unique per key, larger than any position).
  const nextUse = new Int32Array(n);
  const seenAt = new Int32Array(trace.distinctKeys).fill(-1);
  for (let i = n - 1; i >= 0; i--) {
    const key = requests[i]!;
    const later = seenAt[key]!;
    nextUse[i] = later === -1 ? n + key : later;
    seenAt[key] = i;
  }
  const cached = new Uint8Array(trace.distinctKeys);
  const currentNext = new Int32Array(trace.distinctKeys);
  const heap = new MaxHeap(capacity * 4 + 16);
  const keyOf = (position: number): number => (position >= n ? position - n : requests[position]!);
  const isLive = (position: number): boolean => {
    const key = keyOf(position);
    return cached[key] === 1 && currentNext[key] === position;
  };
  let size = 0;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const key = requests[i]!;
    const next = nextUse[i]!;
    if (cached[key] === 1) {
      hits++;
      currentNext[key] = next;
      heap.push(next, isLive);
      continue;
    }
    if (next >= n) continue;
    if (size < capacity) {
      size++;
    } else {
      while (!isLive(heap.peek())) heap.pop();
      const farthest = heap.peek();
      if (farthest < next) continue;
      heap.pop();
      cached[keyOf(farthest)] = 0;
    }
    cached[key] = 1;
    currentNext[key] = next;
    heap.push(next, isLive);
  }
  return hits / n;
}

/** A max-heap of integers that drops its stale entries (per `isLive`) when it would otherwise grow. */
class MaxHeap {
  private items: Int32Array;
  private size = 0;

  constructor(private readonly compactAt: number) {
    this.items = new Int32Array(compactAt + 1);
  }

  peek(): number {
    return this.items[0]!;
  }

  push(value: number, isLive: (value: number) => boolean): void {
    if (this.size === this.compactAt) this.compact(isLive);
    if (this.size === this.items.length) {
      const bigger = new Int32Array(this.items.length * 2);
      bigger.set(this.items);
      this.items = bigger;
    }
    const items = this.items;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]! >= value) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = value;
  }

  pop(): void {
    const items = this.items;
    const last = items[--this.size]!;
    if (this.size === 0) return;
    this.siftDown(0, last);
  }

  private siftDown(from: number, value: number): void {
    const items = this.items;
    let i = from;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= this.size) break;
      if (child + 1 < this.size && items[child + 1]! > items[child]!) child++;
      if (items[child]! <= value) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = value;
  }

  /** Keeps only live entries (at most the cache's capacity), then restores heap order bottom-up. */
  private compact(isLive: (value: number) => boolean): void {
    const items = this.items;
    let kept = 0;
    for (let i = 0; i < this.size; i++) if (isLive(items[i]!)) items[kept++] = items[i]!;
    this.size = kept;
    for (let i = (kept >> 1) - 1; i >= 0; i--) this.siftDown(i, items[i]!);
  }
}
