/**
 * When recently evicted keys were last used: a direct-mapped table of hashes (no keys, no values), so a key that
 * comes back can tell how long it was away — its reuse gap, the inter-reference recency LIRS ranks entries by.
 *
 * Typed arrays only: the table lives outside the JS heap and costs no garbage. A newer eviction that lands on the same
 * cell overwrites an older one; the table has a cell per cache slot and is asked about the most recent fifth of them
 * at most, so few remembered keys are lost that way. Clock values are int32 and compared by wrapping difference:
 * only gaps shorter than 2^31 ticks matter.
 */
export class ReuseHistory {
  private hashes = new Int32Array(0);
  private lastUses = new Int32Array(0);
  private evictedAt = new Int32Array(0);
  private remembered = new Uint8Array(0);
  private mask = 0;

  constructor(slots: number) {
    this.ensureCapacity(slots);
  }

  /** Grows the table to at least `slots` cells (never shrinks; growing forgets everything). */
  ensureCapacity(slots: number): void {
    let size = 16;
    while (size < slots) size *= 2;
    if (size <= this.hashes.length) return;
    this.hashes = new Int32Array(size);
    this.lastUses = new Int32Array(size);
    this.evictedAt = new Int32Array(size);
    this.remembered = new Uint8Array(size);
    this.mask = size - 1;
  }

  /** Remembers that `hash` was last used at `lastUse` and evicted at `now` (both on the caller's clock). */
  record(hash: number, lastUse: number, now: number): void {
    const cell = hash & this.mask;
    this.hashes[cell] = hash;
    this.lastUses[cell] = lastUse;
    this.evictedAt[cell] = now;
    this.remembered[cell] = 1;
  }

  /** The last use of `hash` if it was evicted at most `horizon` ticks before `now` (then forgotten); otherwise undefined. */
  take(hash: number, now: number, horizon: number): number | undefined {
    const cell = hash & this.mask;
    if (this.remembered[cell] === 0 || this.hashes[cell] !== hash) return undefined;
    const age = (now - this.evictedAt[cell]!) | 0;
    if (age < 0 || age > horizon) return undefined;
    this.remembered[cell] = 0;
    return this.lastUses[cell];
  }
}
