/**
 * Where computed embeddings are kept, keyed by model + normalised text. The core engine supplies one backed by its
 * tiers (float32 in L1 + L2 + L3); `MemoryEmbeddingStore` is the in-process default.
 */
export interface EmbeddingStore {
  get(key: string): Promise<Float32Array | undefined>;
  set(key: string, vector: Float32Array): Promise<void>;
}

/** A bounded least-recently-used in-memory `EmbeddingStore`. */
export class MemoryEmbeddingStore implements EmbeddingStore {
  private readonly maxEntries: number;
  private readonly map = new Map<string, Float32Array>();

  /** @param maxEntries most vectors kept (default 10 000, about 20 MB at 512 dimensions). */
  constructor(maxEntries = 10_000) {
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): Promise<Float32Array | undefined> {
    const v = this.map.get(key);
    if (v !== undefined) {
      // Map iteration order is insertion order: re-inserting moves the key to the most recent end.
      this.map.delete(key);
      this.map.set(key, v);
    }
    return Promise.resolve(v);
  }

  set(key: string, vector: Float32Array): Promise<void> {
    this.map.delete(key);
    this.map.set(key, vector);
    while (this.map.size > this.maxEntries) this.map.delete(this.map.keys().next().value!);
    return Promise.resolve();
  }
}
