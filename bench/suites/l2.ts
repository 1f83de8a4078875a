// L2 reads: Strata's Redis tier (L1 off) against raw ioredis with auto-pipelining: throughput with many calls in
// flight, and p50/p99 of sequential calls. When bench/redis-l2.ts (owned by the Redis work) exists, it is the
// source of these figures and this suite runs it instead.
import { do_not_optimize } from 'mitata';
import { compareRounds, roundOrder } from '../lib/compare.js';
import { runExternal } from '../lib/external.js';
import { makeKeys, productValue } from '../lib/keys.js';
import { percentile, sequentialLatencies, throughput } from '../lib/load.js';
import { rawIoredis, strataCache, strataRedis, type BenchCache } from '../lib/peers.js';
import { startRedis } from '../lib/redisServer.js';
import { log, newResult, runIfMain, type Suite } from '../lib/suite.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR } from '../lib/suite.js';

const KEY_COUNT = 2_000;
/** Calls in flight in the throughput measurement. */
const CONCURRENCY = 64;

export const l2: Suite = async ({ quick }) => {
  if (existsSync(join(BENCH_DIR, 'redis-l2.ts'))) {
    return runExternal({ suite: 'l2', title: 'L2 get: Strata vs raw ioredis', script: 'redis-l2.ts', resultFile: 'l2.json' }, quick);
  }
  const result = newResult('l2', 'L2 get: Strata (L1 off) vs raw ioredis auto-pipelined GET', quick);
  const redis = await startRedis();
  try {
    const caches: BenchCache[] = [strataCache('Strata L2 get', strataRedis(redis.url, false)), rawIoredis(redis.url)];
    const keys = makeKeys(KEY_COUNT);
    for (const [c, cache] of caches.entries()) for (const [i, key] of keys.entries()) await cache.set(`c${c}:${key}`, productValue(i));
    const rounds = quick ? 5 : 9;
    const durationMs = quick ? 400 : 1500;
    const sequentialCount = quick ? 1_000 : 5_000;
    const opsPerSecond = new Map<string, number[]>(caches.map((c) => [c.label, []]));
    const p50 = new Map<string, number[]>(caches.map((c) => [c.label, []]));
    const p99 = new Map<string, number[]>(caches.map((c) => [c.label, []]));
    for (let round = -1; round < rounds; round++) {
      for (const cache of roundOrder(caches, Math.max(round, 0))) {
        const c = caches.indexOf(cache);
        const get = (i: number): Promise<unknown> => cache.get(`c${c}:${keys[(i * 31) % KEY_COUNT]}`).then(do_not_optimize);
        const rate = await throughput(get, CONCURRENCY, durationMs);
        const latencies = await sequentialLatencies(get, sequentialCount);
        if (round < 0) continue;
        opsPerSecond.get(cache.label)!.push(rate);
        p50.get(cache.label)!.push(percentile(latencies, 50));
        p99.get(cache.label)!.push(percentile(latencies, 99));
      }
      if (round >= 0) log(`l2: round ${round + 1}/${rounds}`);
    }
    result.comparisons.push(
      compareRounds(`L2 get throughput, ${CONCURRENCY} in flight`, 'ops/s', false, 'Strata L2 get', opsPerSecond),
      compareRounds('L2 get sequential p50', 'µs', true, 'Strata L2 get', p50),
      compareRounds('L2 get sequential p99', 'µs', true, 'Strata L2 get', p99),
    );
    result.figures = { keys: KEY_COUNT, concurrency: CONCURRENCY, throughputMsPerRound: durationMs, sequentialCallsPerRound: sequentialCount, rounds, redis: redis.version };
    result.notes.push('bench/redis-l2.ts was absent, so this suite measured L2 itself.');
    for (const cache of caches) await cache.close();
  } finally {
    await redis.stop();
  }
  return result;
};

await runIfMain(import.meta.url, l2);
