// Child process of the memory suite (needs --expose-gc): one million distinct 1 KB strings through an L1 of
// 256 MB, then the heap after a forced GC. Prints one JSON object on stdout.
import { randomFillSync } from 'node:crypto';
import { createStrata } from '../../src/index.js';

const COUNT = Number(process.argv[2] ?? 1_000_000);
const MAX_BYTES = 256 * 1024 * 1024;
const VALUE_BYTES = 1024;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const settle = (): NodeJS.MemoryUsage => {
  gc();
  gc();
  return process.memoryUsage();
};

const strata = createStrata({ l1: { maxBytes: MAX_BYTES }, l3: false });
const baseline = settle();
// Hex of a random buffer whose first bytes hold the index: every value is a distinct, flat 1,024-character string.
const seed = randomFillSync(Buffer.alloc(VALUE_BYTES / 2));
const started = performance.now();
for (let i = 0; i < COUNT; i++) {
  seed.writeUInt32BE(i, 0);
  await strata.set(`doc:${i}`, seed.toString('hex'));
}
const seconds = (performance.now() - started) / 1000;
const after = settle();
const l1 = strata.stats().l1!;
const heapGrowth = after.heapUsed - baseline.heapUsed;
console.log(
  JSON.stringify({
    values: COUNT,
    valueBytes: VALUE_BYTES,
    l1MaxBytes: MAX_BYTES,
    l1Bytes: l1.bytes,
    l1Entries: l1.entries,
    l1Evictions: l1.evictions,
    l1Rejected: l1.rejected,
    baselineHeapUsed: baseline.heapUsed,
    heapUsed: after.heapUsed,
    heapGrowth,
    heapGrowthOverBound: heapGrowth / MAX_BYTES,
    externalGrowth: after.external - baseline.external,
    rss: after.rss,
    setsPerSecond: COUNT / seconds,
  }),
);
await strata.close();
