import { EventEmitter } from 'node:events';
import type { Strata } from '../core/strata.js';

export interface KeyvStoreOptions {
  /** The data class the store's entries belong to (tiers, default TTL, compression). */
  class?: string;
  /** Close the cache when Keyv disconnects the store; off by default, as the cache is usually shared. */
  closeOnDisconnect?: boolean;
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * A Keyv storage adapter backed by a Strata cache, so `cache-manager`, `cacheable` and any Keyv user get the three
 * tiers and the cross-instance invalidation without changing their code:
 * `new Keyv({ store: new StrataKeyvStore(createStrata({ l2: process.env.REDIS_URL })) })`.
 * Keyv prefixes keys with its namespace (`keyv:foo`); `clear()` deletes only that namespace's keys.
 * A set without a TTL takes the data class's TTL (a cache entry always expires).
 */
export class StrataKeyvStore extends EventEmitter {
  /** Keyv reads its options from here. */
  readonly opts: KeyvStoreOptions & { dialect: 'strata' };
  /** Set by Keyv to its namespace. */
  namespace: string | undefined;
  private readonly call: { class?: string };

  constructor(
    private readonly cache: Strata,
    options: KeyvStoreOptions = {},
  ) {
    super();
    this.opts = { ...options, dialect: 'strata' };
    this.call = options.class === undefined ? {} : { class: options.class };
  }

  async get<V>(key: string): Promise<V | undefined> {
    return this.cache.get<V>(key, this.call);
  }

  async getMany<V>(keys: string[]): Promise<Array<V | undefined>> {
    return this.cache.getMany<V>(keys, this.call);
  }

  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    await this.cache.set(key, value, typeof ttl === 'number' && ttl > 0 ? { ...this.call, ttl } : this.call);
    return true;
  }

  async setMany(values: Array<{ key: string; value: unknown; ttl?: number }>): Promise<void> {
    await this.cache.setMany(
      values.map(({ key, value, ttl }) => (typeof ttl === 'number' && ttl > 0 ? { key, value, ttl } : { key, value })),
      this.call,
    );
  }

  async has(key: string): Promise<boolean> {
    return this.cache.has(key, this.call);
  }

  async hasMany(keys: string[]): Promise<boolean[]> {
    return (await this.cache.getMany(keys, this.call)).map((v) => v !== undefined);
  }

  /** Resolves to whether the key held a value, as Keyv expects. */
  async delete(key: string): Promise<boolean> {
    const existed = await this.cache.has(key, this.call);
    await this.cache.delete(key, this.call);
    return existed;
  }

  /** Resolves to whether every key held a value. */
  async deleteMany(keys: string[]): Promise<boolean> {
    const existing = await this.hasMany(keys);
    await this.cache.deleteMany(keys, this.call);
    return existing.length > 0 && existing.every(Boolean);
  }

  async clear(): Promise<void> {
    if (this.namespace === undefined || this.namespace === '') await this.cache.clear();
    else await this.cache.deletePattern(`${escapeGlob(this.namespace)}:*`, this.call);
  }

  async disconnect(): Promise<void> {
    if (this.opts.closeOnDisconnect === true) await this.cache.close();
  }
}
