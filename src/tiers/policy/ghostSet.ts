/**
 * The hashes of the most recently dropped entries (no values), oldest forgotten first: a "ghost" list as in ARC.
 * A key that comes back while its ghost is still here was dropped too early, which tells the policy which of its
 * two spaces (window or main) should have been larger.
 */
export class GhostSet {
  private readonly sequenceByHash = new Map<number, number>();
  private hashes = new Int32Array(16);
  private sequences = new Float64Array(16);
  private head = 0;
  private count = 0;
  private sequence = 0;

  /** Number of hashes still remembered. */
  get size(): number {
    return this.sequenceByHash.size;
  }

  /** Remembers `hash`, then forgets the oldest hashes beyond `limit`. */
  add(hash: number, limit: number): void {
    if (this.count === this.hashes.length) this.grow();
    const at = (this.head + this.count) % this.hashes.length;
    this.hashes[at] = hash;
    this.sequences[at] = ++this.sequence;
    this.sequenceByHash.set(hash, this.sequence);
    this.count++;
    while (this.count > limit) this.dropOldest();
  }

  /** Forgets `hash`; true if it was remembered. */
  delete(hash: number): boolean {
    return this.sequenceByHash.delete(hash);
  }

  private dropOldest(): void {
    const hash = this.hashes[this.head]!;
    // The ring may hold stale copies of a hash that was deleted or added again later; only the latest counts.
    if (this.sequenceByHash.get(hash) === this.sequences[this.head]) this.sequenceByHash.delete(hash);
    this.head = (this.head + 1) % this.hashes.length;
    this.count--;
  }

  private grow(): void {
    const length = this.hashes.length;
    const hashes = new Int32Array(length * 2);
    const sequences = new Float64Array(length * 2);
    for (let i = 0; i < this.count; i++) {
      hashes[i] = this.hashes[(this.head + i) % length]!;
      sequences[i] = this.sequences[(this.head + i) % length]!;
    }
    this.hashes = hashes;
    this.sequences = sequences;
    this.head = 0;
  }
}
