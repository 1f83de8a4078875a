// set with memory + Redis tiers: every contestant writes through to the same redis-server; raw ioredis SET of the
// JSON text is the floor.
import { compare, roundOptions, type Contestant } from '../lib/compare.js';
import { Cursor, makeKeys, productValue } from '../lib/keys.js';
import { bentoRedis, cacheManagerRedis, cacheableRedis, rawIoredis, strataCache, strataRedis, type BenchCache } from '../lib/peers.js';
import { startRedis } from '../lib/redisServer.js';
import { log, newResult, runIfMain, type Suite } from '../lib/suite.js';

const KEY_COUNT = 2_000;
const BATCH = 16;

export const set: Suite = async ({ quick }) => {
  const result = newResult('set', 'set: write to memory and Redis', quick);
  const redis = await startRedis();
  try {
    const caches: BenchCache[] = [
      strataCache('Strata', strataRedis(redis.url, true)),
      bentoRedis(redis.url, true),
      cacheableRedis(redis.url, true),
      cacheManagerRedis(redis.url, true),
      { ...rawIoredis(redis.url), label: 'raw ioredis SET' },
    ];
    const keys = makeKeys(KEY_COUNT);
    const values = keys.map((_, i) => productValue(i));
    const contestants: Contestant[] = caches.map((cache, c) => {
      const cursor = new Cursor(keys.map((k) => `c${c}:${k}`));
      let n = 0;
      return {
        label: cache.label,
        opsPerCall: BATCH,
        run: async () => {
          for (let i = 0; i < BATCH; i++) await cache.set(cursor.next(), values[n++ % KEY_COUNT]);
        },
      };
    });
    log('set: measuring');
    const options = roundOptions(quick);
    result.comparisons.push(await compare('set (memory + Redis), sequential', 'Strata', contestants, options));
    result.figures = { keys: KEY_COUNT, setsPerMeasuredCall: BATCH, rounds: options.rounds, redis: redis.version };
    for (const cache of caches) await cache.close();
  } finally {
    await redis.stop();
  }
  return result;
};

await runIfMain(import.meta.url, set);
