// Stampede: 1,000 concurrent getOrSet on one cold key. Counts factory calls (1 means the peer coalesces) and
// times how long all 1,000 callers take to get their answer, for Strata and every peer with a getOrSet.
import { compareRounds, roundOrder } from '../lib/compare.js';
import { productValue } from '../lib/keys.js';
import { bentoRedis, cacheManagerRedis, cacheableRedis, strataCache, strataRedis, type BenchCache } from '../lib/peers.js';
import { startRedis } from '../lib/redisServer.js';
import { log, newResult, runIfMain, type Suite } from '../lib/suite.js';

const CALLERS = 1_000;
/** How long the factory takes: a cheap backend call. */
const FACTORY_MS = 20;

export const stampede: Suite = async ({ quick }) => {
  const result = newResult('stampede', 'Stampede: 1,000 concurrent getOrSet on one cold key', quick);
  const redis = await startRedis();
  try {
    const caches: BenchCache[] = [strataCache('Strata', strataRedis(redis.url, true)), bentoRedis(redis.url, true), cacheableRedis(redis.url, true), cacheManagerRedis(redis.url, true)];
    const rounds = quick ? 5 : 11;
    const ms = new Map<string, number[]>(caches.map((c) => [c.label, []]));
    const calls = new Map<string, number[]>(caches.map((c) => [c.label, []]));
    // One unmeasured round warms every code path (and Redis connections) up.
    for (let round = -1; round < rounds; round++) {
      for (const cache of roundOrder(caches, Math.max(round, 0))) {
        let factoryCalls = 0;
        const key = `stampede:${round}:${cache.label}`;
        const factory = async (): Promise<unknown> => {
          factoryCalls++;
          await new Promise((r) => setTimeout(r, FACTORY_MS));
          return productValue(round);
        };
        const t0 = performance.now();
        const answers = await Promise.all(Array.from({ length: CALLERS }, () => cache.getOrSet!(key, factory)));
        const elapsed = performance.now() - t0;
        if (answers.some((a) => (a as { id?: number } | undefined)?.id !== round)) throw new Error(`${cache.label}: a caller got a wrong answer`);
        if (round >= 0) {
          ms.get(cache.label)!.push(elapsed);
          calls.get(cache.label)!.push(factoryCalls);
        }
      }
      if (round >= 0) log(`stampede: round ${round + 1}/${rounds}`);
    }
    const details: Record<string, string> = {};
    for (const [label, counts] of calls) {
      const lo = Math.min(...counts);
      const hi = Math.max(...counts);
      details[label] = `factory calls per stampede: ${lo === hi ? lo : `${lo}–${hi}`}`;
      result.figures[`factoryCalls:${label}`] = hi;
    }
    result.comparisons.push(compareRounds(`time until all ${CALLERS} callers are answered (factory ${FACTORY_MS} ms)`, 'ms', true, 'Strata', ms, details));
    const strataCalls = Math.max(...calls.get('Strata')!);
    result.targets.push({ name: 'Strata factory calls per stampede (worst round)', value: strataCalls, goal: '= 1', met: strataCalls === 1 });
    result.figures.callers = CALLERS;
    result.figures.factoryMs = FACTORY_MS;
    result.figures.rounds = rounds;
    for (const cache of caches) await cache.close();
  } finally {
    await redis.stop();
  }
  return result;
};

await runIfMain(import.meta.url, stampede);
