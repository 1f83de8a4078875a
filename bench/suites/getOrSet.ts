// getOrSet with both tiers configured (memory + Redis): the hit (answered from memory) and the miss (the factory
// runs and the value is written to memory and Redis), Strata against BentoCache (with its bus), cacheable and
// cache-manager, each over the same redis-server.
import { do_not_optimize } from 'mitata';
import { compare, roundOptions, type Contestant } from '../lib/compare.js';
import { Cursor, makeKeys, productValue, shuffledOrder } from '../lib/keys.js';
import { bentoRedis, cacheManagerRedis, cacheableRedis, strataCache, strataRedis, type BenchCache } from '../lib/peers.js';
import { startRedis } from '../lib/redisServer.js';
import { log, newResult, runIfMain, type Suite } from '../lib/suite.js';

const KEY_COUNT = 5_000;
const HIT_BATCH = 256;
const MISS_BATCH = 16;

export const getOrSet: Suite = async ({ quick }) => {
  const result = newResult('getOrSet', 'getOrSet with memory + Redis tiers: hit and miss', quick);
  const redis = await startRedis();
  try {
    const caches: BenchCache[] = [strataCache('Strata', strataRedis(redis.url, true)), bentoRedis(redis.url, true), cacheableRedis(redis.url, true), cacheManagerRedis(redis.url, true)];
    const keys = makeKeys(KEY_COUNT);
    const order = shuffledOrder(keys, KEY_COUNT * 4);
    log('getOrSet: filling');
    for (const [c, cache] of caches.entries()) {
      for (const [i, key] of keys.entries()) await cache.getOrSet!(`c${c}:${key}`, async () => productValue(i));
    }
    const options = roundOptions(quick);
    const mustNotRun = (): Promise<never> => Promise.reject(new Error('every key is cached: the factory must not run'));
    const hits: Contestant[] = caches.map((cache, c) => {
      const cursor = new Cursor(order.map((k) => `c${c}:${k}`));
      return {
        label: cache.label,
        opsPerCall: HIT_BATCH,
        run: async () => {
          for (let i = 0; i < HIT_BATCH; i++) do_not_optimize(await cache.getOrSet!(cursor.next(), mustNotRun));
        },
      };
    });
    log('getOrSet: hits');
    result.comparisons.push(await compare('getOrSet hit (memory + Redis configured)', 'Strata', hits, options));
    let fresh = 0;
    const misses: Contestant[] = caches.map((cache, c) => ({
      label: cache.label,
      opsPerCall: MISS_BATCH,
      run: async () => {
        for (let i = 0; i < MISS_BATCH; i++) {
          const id = fresh++;
          do_not_optimize(await cache.getOrSet!(`c${c}:miss:${id}`, async () => productValue(id)));
        }
      },
    }));
    log('getOrSet: misses');
    result.comparisons.push(await compare('getOrSet miss: factory + write to memory and Redis', 'Strata', misses, options));
    result.figures = { keys: KEY_COUNT, hitCallsPerMeasuredCall: HIT_BATCH, missCallsPerMeasuredCall: MISS_BATCH, rounds: options.rounds, redis: redis.version };
    result.notes.push('BentoCache runs with memory + Redis + its Redis bus (its documented multi-instance setup); cacheable with @keyv/redis as secondary; cache-manager with [memory, @keyv/redis] stores.');
    for (const cache of caches) await cache.close();
  } finally {
    await redis.stop();
  }
  return result;
};

await runIfMain(import.meta.url, getOrSet);
