// Child process of the memory suite (needs --expose-gc): one million distinct 1 KB strings through a cache bounded
// to 256 MB, then the heap after a forced GC. Prints one JSON object on stdout.
// Usage: memoryChild.ts <count> [strata|lru-cache]
import { randomFillSync } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { createStrata } from '../../src/index.js';

const COUNT = Number(process.argv[2] ?? 1_000_000);
const IMPLEMENTATION = process.argv[3] ?? 'strata';
const MAX_BYTES = 256 * 1024 * 1024;
const VALUE_BYTES = 1024;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const settle = (): NodeJS.MemoryUsage => {
  gc();
  gc();
  return process.memoryUsage();
};

/** The cache under test: a set, and what it says it holds. */
interface Bounded {
  set(key: string, value: string): Promise<unknown> | unknown;
  held(): { bytes: number; entries: number; evictions?: number; rejected?: number };
  close(): Promise<void> | void;
}

function strataCache(): Bounded {
  const strata = createStrata({ l1: { maxBytes: MAX_BYTES }, l3: false });
  return {
    set: (key, value) => strata.set(key, value),
    held: () => {
      const l1 = strata.stats().l1!;
      return { bytes: l1.bytes, entries: l1.entries, evictions: l1.evictions, rejected: l1.rejected };
    },
    close: () => strata.close(),
  };
}

/** lru-cache bounded the way its documentation shows: maxSize with a sizeCalculation of the key and value lengths. */
function lruCache(): Bounded {
  const lru = new LRUCache<string, string>({ maxSize: MAX_BYTES, sizeCalculation: (value, key) => value.length + key.length });
  return {
    set: (key, value) => lru.set(key, value),
    held: () => ({ bytes: lru.calculatedSize, entries: lru.size }),
    close: () => lru.clear(),
  };
}

const cache = IMPLEMENTATION === 'lru-cache' ? lruCache() : strataCache();
const baseline = settle();
// Hex of a random buffer whose first bytes hold the index: every value is a distinct, flat 1,024-character string.
const seed = randomFillSync(Buffer.alloc(VALUE_BYTES / 2));
const started = performance.now();
for (let i = 0; i < COUNT; i++) {
  seed.writeUInt32BE(i, 0);
  await cache.set(`doc:${i}`, seed.toString('hex'));
}
const seconds = (performance.now() - started) / 1000;
const after = settle();
const held = cache.held();
const heapGrowth = after.heapUsed - baseline.heapUsed;
console.log(
  JSON.stringify({
    implementation: IMPLEMENTATION,
    values: COUNT,
    valueBytes: VALUE_BYTES,
    l1MaxBytes: MAX_BYTES,
    l1Bytes: held.bytes,
    l1Entries: held.entries,
    ...(held.evictions === undefined ? {} : { l1Evictions: held.evictions }),
    ...(held.rejected === undefined ? {} : { l1Rejected: held.rejected }),
    baselineHeapUsed: baseline.heapUsed,
    heapUsed: after.heapUsed,
    heapGrowth,
    heapGrowthOverBound: heapGrowth / MAX_BYTES,
    externalGrowth: after.external - baseline.external,
    rss: after.rss,
    setsPerSecond: COUNT / seconds,
  }),
);
await cache.close();
