import type { EmbeddingStore } from '../semantic/embeddingStore.js';
import type { BackingCache } from './backingCache.js';

export interface StrataEmbeddingStoreOptions {
  /** The data class the vectors are stored in (default `embeddings`: L1 + L2 + L3, 24 h). */
  class?: string;
}

/**
 * An `EmbeddingStore` over the cache's tiers: a vector computed by one instance is found by every other through L2
 * and survives a restart in L3. The codec writes a `Float32Array` as its raw bytes, so a vector costs 4 bytes per
 * dimension and decodes without parsing.
 */
export class StrataEmbeddingStore implements EmbeddingStore {
  private readonly options: { class: string };

  constructor(
    private readonly cache: BackingCache,
    options: StrataEmbeddingStoreOptions = {},
  ) {
    this.options = { class: options.class ?? 'embeddings' };
  }

  get(key: string): Promise<Float32Array | undefined> {
    // The L1 copy answers without touching the asynchronous path of the tiers.
    const hot = this.cache.getSync<unknown>(key, this.options);
    if (hot instanceof Float32Array) return Promise.resolve(hot);
    return this.cache.get<unknown>(key, this.options).then((v) => (v instanceof Float32Array ? v : undefined));
  }

  set(key: string, vector: Float32Array): Promise<void> {
    return this.cache.set(key, vector, this.options);
  }
}
