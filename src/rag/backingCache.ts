import type { InvalidationEvent } from '../sync/events.js';

/** Options of a write into the backing cache. */
export interface BackingWriteOptions {
  /** The data class (tiers and TTL). */
  class?: string;
  /** Tags (`product:42`) that `invalidateTags` drops the entry by. */
  tags?: readonly string[];
}

/**
 * The part of a `Strata` cache the RAG layer uses. rag/ sits below core/ in the layout, so it names what it needs
 * instead of importing the facade; a `Strata` instance satisfies this interface as it is.
 */
export interface BackingCache {
  /** The namespace: part of every semantic partition. */
  readonly name: string;
  getSync<V>(key: string, options?: { class?: string }): V | undefined;
  get<V>(key: string, options?: { class?: string }): Promise<V | undefined>;
  set<V>(key: string, value: V, options?: BackingWriteOptions): Promise<void>;
  getOrSetWithInfo<V>(key: string, factory: (context: { setTags(tags: readonly string[]): void; setTtl(ttl: number): void }) => Promise<V>, options?: BackingWriteOptions): Promise<{ value: V; outcome: 'hit' | 'stale' | 'miss' }>;
  delete(key: string, options?: { class?: string }): Promise<void>;
  invalidateTags(tags: readonly string[]): Promise<void>;
  on(event: 'invalidate', listener: (event: InvalidationEvent) => void): unknown;
  off(event: 'invalidate', listener: (event: InvalidationEvent) => void): unknown;
}
