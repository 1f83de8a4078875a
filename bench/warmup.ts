// Warm-up of a new instance joining a warm cluster (issue #4): its hit rates over its first K requests with and
// without `warm()`, on the Zipf workload the cluster served; and what hot-key sampling costs the L1 hit path.
//
//   cd bench && npx tsx warmup.ts [--quick]     → results/warmup.json (results/warmup-quick.json with --quick)
//
// Two instances serve a Zipf workload through getOrSet (filling Redis) with the default hot-key sampling, and
// publish their hot keys. Then two new instances read the same next K keys with `get`, in lockstep: one cold, one
// after `warm({ top })`. Reads only, so neither changes what Redis holds for the other.
import { LRUCache } from 'lru-cache';
import { do_not_optimize } from 'mitata';
import { createStrata, type Strata } from '../src/index.js';
import { compare, roundOptions } from './lib/compare.js';
import { Cursor, makeKeys, productValue, shuffledOrder } from './lib/keys.js';
import { startRedis } from './lib/redisServer.js';
import { log, newResult, runIfMain, type Suite } from './lib/suite.js';
import { zipfSampler } from './lib/random.js';

const ZIPF_S = 0.99;
const SYNC_BATCH = 1024;


interface FirstReads {
  /** L1 hit rate at each checkpoint. */
  l1: Record<string, number>;
  /** Share of reads answered by L1 or L2. */
  anyTier: number;
  /** Summed time of the reads, ms. */
  ms: number;
}

/**
 * Both instances read `keys` in lockstep (one read each per key, alternating which goes first), so a neighbour's
 * burst on the shared cores lands on both alike. Hit rates at the checkpoints come from `stats()`.
 */
async function firstReads(caches: readonly Strata[], keys: readonly string[], checkpoints: readonly number[]): Promise<FirstReads[]> {
  const runs: FirstReads[] = caches.map(() => ({ l1: {}, anyTier: 0, ms: 0 }));
  for (let i = 0; i < keys.length; i++) {
    for (let turn = 0; turn < caches.length; turn++) {
      const c = (i + turn) % caches.length;
      const started = performance.now();
      await (caches[c] as Strata).get(keys[i] as string);
      (runs[c] as FirstReads).ms += performance.now() - started;
    }
    if (checkpoints.includes(i + 1)) {
      caches.forEach((cache, c) => ((runs[c] as FirstReads).l1[`first ${i + 1}`] = (cache.stats().classes.default?.hits.l1 ?? 0) / (i + 1)));
    }
  }
  caches.forEach((cache, c) => ((runs[c] as FirstReads).anyTier = (cache.stats().classes.default?.hits.total ?? 0) / keys.length));
  return runs;
}

export const warmup: Suite = async ({ quick }) => {
  const result = newResult('warmup', 'A new instance joining a warm cluster: hit rate of its first requests with and without warm-up', quick);
  result.command = `cd bench && npx tsx warmup.ts${quick ? ' --quick' : ''}`;
  const keyCount = quick ? 20_000 : 100_000;
  const clusterRequests = quick ? 40_000 : 200_000;
  const first = quick ? 5_000 : 20_000;
  const top = quick ? 1_000 : 2_000;
  const checkpoints = [100, 1000, first];
  const redis = await startRedis();
  const caches: Strata[] = [];
  const open = (extra: Parameters<typeof createStrata>[0] = {}): Strata => {
    const cache = createStrata({ prefix: 'warmbench', l2: redis.url, l3: false, ...extra });
    caches.push(cache);
    return cache;
  };
  try {
    log(`warmup: ${clusterRequests} requests on 2 instances over ${keyCount} keys (Zipf s=${ZIPF_S})`);
    const cluster = [open(), open()];
    for (const cache of cluster) await cache.ready();
    const draw = zipfSampler(keyCount, ZIPF_S, 0x9e3779b9);
    for (let i = 0; i < clusterRequests; i++) {
      const rank = draw();
      await (cluster[i % 2] as Strata).getOrSet(`item:${rank}`, () => productValue(rank));
    }
    // The instances publish every 30 s; here at once, so the run does not wait.
    for (const cache of cluster) await cache.publishHotKeys();

    const next = Array.from({ length: first }, () => `item:${draw()}`);
    log(`warmup: a cold and a warmed instance read the next ${first} keys`);
    const cold = open({ sync: false });
    const warm = open({ sync: false });
    const report = await warm.warm({ top });
    const [coldRun, warmRun] = (await firstReads([cold, warm], next, checkpoints)) as [FirstReads, FirstReads];

    const spread = (v: number) => ({ median: v, min: v, max: v });
    result.comparisons.push({
      name: `L1 hit rate of a new instance over its first ${first} requests`,
      unit: '%',
      lowerIsBetter: false,
      strata: { label: `warm({ top: ${top} }) first`, value: spread(100 * (warmRun.l1[`first ${first}`] ?? 0)) },
      peers: [{ label: 'no warm-up', value: spread(100 * (coldRun.l1[`first ${first}`] ?? 0)), ratio: spread((warmRun.l1[`first ${first}`] ?? 0) / Math.max(1e-9, coldRun.l1[`first ${first}`] ?? 0)) }],
    });
    for (const [label, run] of [['cold', coldRun], ['warm', warmRun]] as const) {
      for (const [window, rate] of Object.entries(run.l1)) result.figures[`${label}: L1 hit rate, ${window} requests (%)`] = Number((100 * rate).toFixed(2));
      result.figures[`${label}: answered by L1 or L2, first ${first} (%)`] = Number((100 * run.anyTier).toFixed(2));
      result.figures[`${label}: summed time of the first ${first} reads (ms)`] = Math.round(run.ms);
    }
    result.figures['warm-up: keys listed'] = report.total;
    result.figures['warm-up: keys loaded'] = report.loaded;
    result.figures['warm-up: duration (ms)'] = Math.round(report.ms);
    result.figures.keys = keyCount;
    result.figures.clusterRequests = clusterRequests;
    result.figures.zipfS = ZIPF_S;

    log('warmup: L1 hit path with and without hot-key sampling');
    const hitKeys = makeKeys(10_000);
    const order = shuffledOrder(hitKeys, 40_000);
    const sampled = open({ sync: false });
    const unsampled = open({ sync: false, hotKeys: false });
    const lru = new LRUCache<string, object>({ max: 20_000 });
    for (const [i, key] of hitKeys.entries()) {
      const value = productValue(i);
      lru.set(key, value);
      await sampled.set(key, value);
      await unsampled.set(key, value);
    }
    const syncLoop = (label: string, get: (key: string) => unknown) => {
      const cursor = new Cursor(order);
      return {
        label,
        opsPerCall: SYNC_BATCH,
        run: () => {
          for (let i = 0; i < SYNC_BATCH; i++) do_not_optimize(get(cursor.next()));
        },
      };
    };
    const hitPath = await compare('L1 hit getSync with hot-key sampling (one read in 16) vs without, and lru-cache get', 'Strata getSync, sampling on', [
      syncLoop('Strata getSync, sampling on', (key) => sampled.getSync(key)),
      syncLoop('Strata getSync, hotKeys: false', (key) => unsampled.getSync(key)),
      syncLoop('lru-cache get', (key) => lru.get(key)),
    ], { ...roundOptions(quick), rounds: quick ? 11 : 15 });
    result.comparisons.push(hitPath);
    const vsLru = 1 / (hitPath.peers.find((p) => p.label === 'lru-cache get')?.ratio.median ?? NaN);
    const vsOff = 1 / (hitPath.peers.find((p) => p.label === 'Strata getSync, hotKeys: false')?.ratio.median ?? NaN);
    result.targets.push({ name: 'Strata getSync with sampling time ÷ lru-cache get time (median of rounds)', value: vsLru, goal: '≤ 1.5', met: vsLru <= 1.5 });
    result.figures['getSync time, sampling on ÷ off (median of rounds)'] = Number(vsOff.toFixed(3));
    result.notes.push(
      `The cluster: two instances serve ${clusterRequests} getOrSet requests (alternating) over ${keyCount} keys drawn Zipf(s=${ZIPF_S}), with the default sampling (one read in 16), then publish their hot keys. A new instance then reads the next ${first} keys of the same stream with get(), once cold and once after warm({ top: ${top} }). Hit rates come from stats() (warm-up reads are not counted as hits).`,
      'The two new instances read in lockstep (alternating which goes first), so load from neighbours on the shared 2-core machine lands on both alike; the times are still wall clock, the hit rates do not depend on them.',
    );
    return result;
  } finally {
    for (const cache of caches) await cache.close().catch(() => undefined);
    await redis.stop();
  }
};

await runIfMain(import.meta.url, warmup);
