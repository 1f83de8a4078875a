// L1 miss, L2 hit: every read goes to Redis. Strata with its L1 off against BentoCache's Redis layer,
// cacheable and cache-manager over @keyv/redis, and raw ioredis GET + JSON.parse (the floor).
import { do_not_optimize } from 'mitata';
import { compare, roundOptions, type Contestant } from '../lib/compare.js';
import { Cursor, makeKeys, productValue, shuffledOrder } from '../lib/keys.js';
import { bentoRedis, cacheManagerRedis, cacheableRedis, rawIoredis, strataCache, strataRedis, type BenchCache } from '../lib/peers.js';
import { startRedis } from '../lib/redisServer.js';
import { log, newResult, runIfMain, type Suite } from '../lib/suite.js';

const KEY_COUNT = 2_000;
/** Awaited gets per measured call. */
const BATCH = 32;

export const tiered: Suite = async ({ quick }) => {
  const result = newResult('tiered', 'Tiered get: L1 miss, L2 (Redis) hit', quick);
  const redis = await startRedis();
  try {
    const caches: BenchCache[] = [
      strataCache('Strata get (L1 off)', strataRedis(redis.url, false)),
      bentoRedis(redis.url, false),
      cacheableRedis(redis.url, false),
      cacheManagerRedis(redis.url, false),
      rawIoredis(redis.url),
    ];
    const keys = makeKeys(KEY_COUNT);
    const order = shuffledOrder(keys, KEY_COUNT * 4);
    log('tiered: filling Redis');
    for (const [c, cache] of caches.entries()) {
      for (const [i, key] of keys.entries()) await cache.set(`c${c}:${key}`, productValue(i));
      const probe = await cache.get(`c${c}:${keys[0]}`);
      if (probe === undefined) throw new Error(`${cache.label} does not read back what it wrote`);
    }
    const contestants: Contestant[] = caches.map((cache, c) => {
      const cursor = new Cursor(order.map((k) => `c${c}:${k}`));
      return {
        label: cache.label,
        opsPerCall: BATCH,
        run: async () => {
          for (let i = 0; i < BATCH; i++) do_not_optimize(await cache.get(cursor.next()));
        },
      };
    });
    log('tiered: measuring');
    const options = roundOptions(quick);
    result.comparisons.push(await compare('L2 hit get, sequential (one await at a time)', 'Strata get (L1 off)', contestants, options));
    result.figures = { keys: KEY_COUNT, awaitedGetsPerCall: BATCH, rounds: options.rounds, redis: redis.version, valueBytesJson: JSON.stringify(productValue(1)).length };
    result.notes.push('Each contestant writes its own keys (distinct prefixes) to the same redis-server; values are ~300-byte records.');
    for (const cache of caches) await cache.close();
  } finally {
    await redis.stop();
  }
  return result;
};

await runIfMain(import.meta.url, tiered);
