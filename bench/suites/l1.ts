// L1 hits: Strata's in-process tier against lru-cache (the raw floor) and the memory layers of BentoCache,
// cacheable and cache-manager. Every key is present in every cache; all contestants read the same keys.
import { LRUCache } from 'lru-cache';
import { do_not_optimize } from 'mitata';
import { compare, roundOptions, type Contestant } from '../lib/compare.js';
import { Cursor, makeKeys, productValue, shuffledOrder, type ProductValue } from '../lib/keys.js';
import { MemoryTier } from '../../src/index.js';
import { bentoMemory, cacheManagerMemory, cacheableMemory, lruAsync, strataMemory, type BenchCache } from '../lib/peers.js';
import { log, newResult, runIfMain, type Suite } from '../lib/suite.js';

const KEY_COUNT = 10_000;
/** Synchronous gets per measured call: spreads the harness's own overhead over many lookups. */
const SYNC_BATCH = 1024;
/** Awaited calls per measured call. */
const ASYNC_BATCH = 256;

const FACTORY = (): Promise<never> => Promise.reject(new Error('every key is cached: the factory must not run'));

export const l1: Suite = async ({ quick }) => {
  const result = newResult('l1', 'L1 hit: get, await get, getOrSet', quick);
  // These comparisons are cheap to repeat and the ones with targets: more rounds than the default.
  const options = { ...roundOptions(quick), rounds: quick ? 11 : 15 };
  const keys = makeKeys(KEY_COUNT);
  const order = shuffledOrder(keys, KEY_COUNT * 4);

  const strata = strataMemory();
  const lru = new LRUCache<string, ProductValue>({ max: KEY_COUNT * 2 });
  // Strata's L1 store alone (what bench/l1-get.ts measures): shows what the API layer of getSync adds.
  const store = new MemoryTier<ProductValue>({ maxBytes: 64 * 1024 * 1024 }).partition('products');
  const lruWrapped = lruAsync();
  const peers: BenchCache[] = [bentoMemory(true), bentoMemory(false), cacheableMemory(), cacheManagerMemory()];
  for (const [i, key] of keys.entries()) {
    const value = productValue(i);
    await strata.set(key, value);
    lru.set(key, value);
    store.set(key, value, 512);
    await lruWrapped.set(key, value);
    for (const peer of peers) await peer.set(key, value);
  }
  const l1Stats = strata.stats().l1;
  if (store.size !== KEY_COUNT) throw new Error('the MemoryTier must hold every key');
  if (l1Stats?.entries !== KEY_COUNT) throw new Error(`Strata's L1 must hold all ${KEY_COUNT} keys, holds ${l1Stats?.entries}`);

  log('l1: sync get');
  const strataSync = new Cursor(order);
  const lruSync = new Cursor(order);
  const storeSync = new Cursor(order);
  const syncGet = await compare('L1 hit get, synchronous (getSync vs lru-cache get)', 'Strata getSync', [
    {
      label: 'Strata getSync',
      opsPerCall: SYNC_BATCH,
      run: () => {
        for (let i = 0; i < SYNC_BATCH; i++) do_not_optimize(strata.getSync(strataSync.next()));
      },
    },
    {
      label: 'lru-cache get',
      opsPerCall: SYNC_BATCH,
      run: () => {
        for (let i = 0; i < SYNC_BATCH; i++) do_not_optimize(lru.get(lruSync.next()));
      },
    },
    {
      label: 'MemoryTier partition get (Strata L1 store without the API layer)',
      opsPerCall: SYNC_BATCH,
      run: () => {
        for (let i = 0; i < SYNC_BATCH; i++) do_not_optimize(store.get(storeSync.next()));
      },
    },
  ], options);
  result.comparisons.push(syncGet);

  log('l1: await get');
  const asyncContestant = (label: string, get: (key: string) => Promise<unknown>): Contestant => {
    const cursor = new Cursor(order);
    return {
      label,
      opsPerCall: ASYNC_BATCH,
      run: async () => {
        for (let i = 0; i < ASYNC_BATCH; i++) do_not_optimize(await get(cursor.next()));
      },
    };
  };
  const asyncGet = await compare('L1 hit await get', 'Strata await get', [
    asyncContestant('Strata await get', (key) => strata.get(key)),
    asyncContestant(lruWrapped.label, (key) => lruWrapped.get(key)),
    ...peers.map((p) => asyncContestant(`${p.label} get`, (key) => p.get(key))),
  ], options);
  result.comparisons.push(asyncGet);

  log('l1: getOrSet hit');
  const getOrSet = await compare('L1-only getOrSet hit', 'Strata getOrSet', [
    asyncContestant('Strata getOrSet', (key) => strata.getOrSet(key, FACTORY)),
    ...peers.map((p) => asyncContestant(`${p.label} ${p.label.startsWith('cache-manager') ? 'wrap' : 'getOrSet'}`, (key) => p.getOrSet!(key, FACTORY))),
  ], options);
  result.comparisons.push(getOrSet);

  const syncRatio = 1 / syncGet.peers.find((p) => p.label === 'lru-cache get')!.ratio.median;
  result.targets.push({ name: 'Strata getSync time ÷ lru-cache get time (median of rounds)', value: syncRatio, goal: '≤ 1.5', met: syncRatio <= 1.5 });
  const bento = getOrSet.peers.find((p) => p.label === 'BentoCache memory getOrSet')!;
  result.targets.push({ name: 'BentoCache memory getOrSet time ÷ Strata getOrSet time (median of rounds)', value: bento.ratio.median, goal: '≥ 3', met: bento.ratio.median >= 3 });
  result.figures = { keys: KEY_COUNT, syncGetsPerCall: SYNC_BATCH, awaitedCallsPerCall: ASYNC_BATCH, rounds: options.rounds, warmupRounds: options.warmupRounds, minTimeMsPerContestantPerRound: options.minTimeMs };
  result.notes.push(
    'Statistic: contestants take turns call by call within a round (a call = a batch of operations); a round gives each the median time per operation of its calls; the table shows the median and range over rounds. Ratios are taken within a round. mitata.do_not_optimize keeps results alive.',
    'BentoCache is measured with its default memory driver (serialize: true, values stored as JSON text) and with serialize: false.',
  );
  for (const cache of [lruWrapped, ...peers]) await cache.close();
  await strata.close();
  return result;
};

await runIfMain(import.meta.url, l1);
