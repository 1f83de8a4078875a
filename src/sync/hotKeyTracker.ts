import { HeavyHitters } from './heavyHitters.js';

/**
 * Sampled reads, counted per owner (a namespace + class) in a `HeavyHitters` each. `record` runs on the reader's
 * time, so it only appends to a fixed ring; `drain` (on a timer, off the request path) does the counting. When reads
 * outpace the drain, the ring drops the surplus samples: the sample rate falls, the estimate of the head does not.
 */
export class HotKeyTracker<Owner extends object> {
  private readonly ringKeys: string[];
  private readonly ringOwners: Array<Owner | undefined>;
  private length = 0;
  private readonly sketches = new Map<Owner, HeavyHitters>();
  /** Samples counted so far. */
  counted = 0;
  /** Samples dropped because the ring was full. */
  dropped = 0;

  constructor(
    /** Keys counted per owner. */
    private readonly capacity: number,
    /** Samples held between two drains. */
    ringSize: number,
  ) {
    this.ringKeys = new Array<string>(ringSize).fill('');
    this.ringOwners = new Array<Owner | undefined>(ringSize).fill(undefined);
  }

  record(owner: Owner, key: string): void {
    const at = this.length;
    if (at === this.ringKeys.length) {
      this.dropped++;
      return;
    }
    this.ringKeys[at] = key;
    this.ringOwners[at] = owner;
    this.length = at + 1;
  }

  /** Counts the queued samples. */
  drain(): void {
    for (let i = 0; i < this.length; i++) {
      const owner = this.ringOwners[i] as Owner;
      let sketch = this.sketches.get(owner);
      if (sketch === undefined) {
        sketch = new HeavyHitters(this.capacity);
        this.sketches.set(owner, sketch);
      }
      sketch.offer(this.ringKeys[i] as string);
      this.ringOwners[i] = undefined;
    }
    this.counted += this.length;
    this.length = 0;
  }

  /** The most sampled keys of an owner, most sampled first. */
  top(owner: Owner, n: number): Array<{ key: string; count: number }> {
    this.drain();
    return this.sketches.get(owner)?.top(n) ?? [];
  }

  /** Fades every count (see `HeavyHitters.decay`); counts under half a sample are forgotten. */
  decay(factor: number): void {
    for (const [owner, sketch] of this.sketches) {
      sketch.decay(factor, 0.5);
      if (sketch.size === 0) this.sketches.delete(owner);
    }
  }
}
