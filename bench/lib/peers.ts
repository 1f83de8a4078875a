// The caches Strata is compared with, each behind the same four calls. Every peer runs with its documented
// defaults unless a label says otherwise.
import KeyvRedis from '@keyv/redis';
import { BentoCache, bentostore, type BentoStore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis';
import { createCache } from 'cache-manager';
import { Cacheable } from 'cacheable';
import { Redis as Redis5 } from 'ioredis';
import { Redis } from 'ioredis-v6';
import Keyv from 'keyv';
import { LRUCache } from 'lru-cache';
import { createStrata, type Strata } from '../../src/index.js';

export interface BenchCache {
  label: string;
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  /** Absent when the peer has no get-or-compute call. */
  getOrSet?(key: string, factory: () => Promise<unknown>): Promise<unknown>;
  close(): Promise<void>;
}

const TTL_MS = 60 * 60 * 1000;
/** Generous for every peer: no suite evicts. */
const MEMORY_BYTES = 256 * 1024 * 1024;
/** BentoCache's memory driver keeps 1,000 items unless told otherwise. */
const MAX_ITEMS = 1_000_000;

export function strataCache(label: string, strata: Strata): BenchCache {
  return {
    label,
    get: (key) => strata.get(key),
    set: (key, value) => strata.set(key, value),
    getOrSet: (key, factory) => strata.getOrSet(key, factory),
    close: () => strata.close(),
  };
}

/** Strata in memory only (no Redis, no disk). */
export function strataMemory(): Strata {
  return createStrata({ l1: { maxBytes: MEMORY_BYTES }, l3: false });
}

/** Strata over Redis, with or without its L1. */
export function strataRedis(url: string, withL1: boolean): Strata {
  return createStrata({ l1: withL1 ? { maxBytes: MEMORY_BYTES } : false, l2: url, l3: false, classes: { default: { tiers: withL1 ? ['l1', 'l2'] : ['l2'] } } });
}

export function lruAsync(): BenchCache {
  const lru = new LRUCache<string, object>({ max: 1_000_000 });
  return {
    label: 'lru-cache (async wrapper)',
    get: async (key) => lru.get(key),
    set: async (key, value) => void lru.set(key, value as object),
    close: async () => lru.clear(),
  };
}

function bento(label: string, cache: BentoCache<{ cache: BentoStore }>): BenchCache {
  return {
    label,
    get: (key) => cache.get({ key }),
    set: async (key, value) => void (await cache.set({ key, value, ttl: TTL_MS })),
    getOrSet: (key, factory) => cache.getOrSet({ key, factory, ttl: TTL_MS }),
    close: () => cache.disconnectAll(),
  };
}

/** BentoCache with only its memory layer; `serialize: false` keeps objects as they are (BentoCache then bounds entries by count). */
export function bentoMemory(serialize: boolean): BenchCache {
  const store = bentostore().useL1Layer(memoryDriver(serialize ? { maxSize: MEMORY_BYTES, maxItems: MAX_ITEMS } : { maxItems: MAX_ITEMS, serialize: false }));
  return bento(serialize ? 'BentoCache memory' : 'BentoCache memory (serialize: false)', new BentoCache({ default: 'cache', stores: { cache: store } }));
}

/** BentoCache over Redis; with L1 it also needs its bus to keep the instances' memory layers coherent. */
export function bentoRedis(url: string, withL1: boolean): BenchCache {
  const connection = new Redis5(url);
  let store = bentostore();
  if (withL1) {
    store = store.useL1Layer(memoryDriver({ maxSize: MEMORY_BYTES, maxItems: MAX_ITEMS })).useBus(redisBusDriver({ connection: { host: connection.options.host!, port: connection.options.port! } }));
  }
  store = store.useL2Layer(redisDriver({ connection }));
  return bento(withL1 ? 'BentoCache memory+Redis+bus' : 'BentoCache Redis', new BentoCache({ default: 'cache', stores: { cache: store } }));
}

function cacheable(label: string, cache: Cacheable, extra: () => Promise<void>): BenchCache {
  return {
    label,
    get: (key) => cache.get(key),
    set: async (key, value) => void (await cache.set(key, value, TTL_MS)),
    getOrSet: (key, factory) => cache.getOrSet(key, factory, { ttl: TTL_MS }),
    close: async () => {
      await cache.disconnect();
      await extra();
    },
  };
}

export function cacheableMemory(): BenchCache {
  return cacheable('cacheable memory', new Cacheable(), async () => undefined);
}

/** cacheable with @keyv/redis: as its secondary behind the in-memory primary, or as the only store. */
export function cacheableRedis(url: string, withL1: boolean): BenchCache {
  const redis = new Keyv({ store: new KeyvRedis(url), useKeyPrefix: false });
  const cache = withL1 ? new Cacheable({ secondary: redis }) : new Cacheable({ primary: redis });
  return cacheable(withL1 ? 'cacheable memory+@keyv/redis' : 'cacheable @keyv/redis', cache, async () => {
    await redis.disconnect();
  });
}

function cacheManager(label: string, stores: Keyv[]): BenchCache {
  const cache = createCache({ stores });
  return {
    label,
    get: (key) => cache.get(key),
    set: async (key, value) => void (await cache.set(key, value, TTL_MS)),
    getOrSet: (key, factory) => cache.wrap(key, factory, TTL_MS),
    close: async () => void (await cache.disconnect()),
  };
}

export function cacheManagerMemory(): BenchCache {
  return cacheManager('cache-manager memory', [new Keyv()]);
}

export function cacheManagerRedis(url: string, withL1: boolean): BenchCache {
  const redis = new Keyv({ store: new KeyvRedis(url), useKeyPrefix: false });
  return cacheManager(withL1 ? 'cache-manager memory+@keyv/redis' : 'cache-manager @keyv/redis', withL1 ? [new Keyv(), redis] : [redis]);
}

/** The L2 floor: one ioredis client (the version Strata uses) storing JSON text. */
export function rawIoredis(url: string): BenchCache {
  // Auto-pipelining, as Strata's own client: the floor differs from Strata only by Strata's work.
  const client = new Redis(url, { enableAutoPipelining: true });
  return {
    label: 'raw ioredis GET',
    get: async (key) => {
      const text = await client.get(key);
      return text === null ? undefined : JSON.parse(text);
    },
    set: async (key, value) => void (await client.set(key, JSON.stringify(value), 'PX', TTL_MS)),
    close: async () => void client.disconnect(),
  };
}
