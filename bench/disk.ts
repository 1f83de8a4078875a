// Measures the L3 disk tier (LMDB): write and read rates, reopen time with persisted counters against a full recount
// and after an unclean shutdown,
// pruning, deleting by pattern, and file size against the counted bytes. Writes bench/results/disk.json.
//   npx tsx bench/disk.ts [--quick]
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { open } from 'lmdb';
import { DiskTier } from '../src/tiers/disk.js';

const quick = process.argv.includes('--quick');
const count = quick ? 20_000 : 100_000;
const valueBytes = 1024;
const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'strata-disk-bench-'));
const path = join(dir, 'l3');

const elapsed = async (fn: () => Promise<unknown> | unknown): Promise<number> => {
  const start = performance.now();
  await fn();
  return performance.now() - start;
};
const perSec = (n: number, ms: number): number => Math.round((n * 1000) / ms);
const key = (i: number): string => `strata:default:llm_responses:question-${i}`;
const value = (i: number): Uint8Array => new Uint8Array(valueBytes).fill(i % 251);
const HOUR = 3_600_000;

try {
  let tier = await DiskTier.open({ path, maxBytes: 4 * 1024 ** 3 });
  const now = Date.now();

  const singleCount = Math.min(10_000, count);
  const singleMs = await elapsed(async () => {
    for (let i = 0; i < singleCount; i++) await tier.set(key(i), value(i), now + HOUR + i);
  });
  const batchMs = await elapsed(async () => {
    for (let start = singleCount; start < count; start += 1000) {
      const items = [];
      for (let i = start; i < Math.min(count, start + 1000); i++) items.push({ key: key(i), bytes: value(i), hardExpiresAt: now + HOUR + i });
      await tier.setMany(items);
    }
  });
  const reads = count;
  const readMs = await elapsed(async () => {
    for (let i = 0; i < reads; i++) await tier.get(key((i * 7919) % count));
  });
  const statsAfterWrites = tier.stats();
  await tier.close();

  const reopenMs = await elapsed(async () => {
    tier = await DiskTier.open({ path, maxBytes: 4 * 1024 ** 3 });
  });
  await tier.close();

  // As after a crash: without the clean-shutdown marker, open first walks the environment in a child process.
  rmSync(join(path, 'clean-shutdown'));
  const uncleanReopenMs = await elapsed(async () => {
    tier = await DiskTier.open({ path, maxBytes: 4 * 1024 ** 3 });
  });
  await tier.close();

  // What open would cost without persisted counters: one pass over every record.
  const raw = open({ path, maxDbs: 4 });
  const entries = raw.openDB<Buffer, Buffer>({ name: 'entries', encoding: 'binary', keyEncoding: 'binary' });
  let recounted = 0;
  const recountMs = await elapsed(() => {
    for (const { key: k, value: v } of entries.getRange()) recounted += k.length + v.length;
  });
  await raw.close();

  tier = await DiskTier.open({ path, maxBytes: 4 * 1024 ** 3 });
  const fileBytes = statSync(join(path, 'data.mdb')).size;
  const patternMs = await elapsed(() => tier.deletePattern('strata:default:llm_responses:question-1*'));
  const afterPattern = tier.stats().entries;
  const expiring = Math.floor(count / 2);
  const expiresAt = Date.now() + 5000;
  const expiringItems = Array.from({ length: expiring }, (_, i) => ({ key: `exp:${i}`, bytes: value(i), hardExpiresAt: expiresAt }));
  for (let start = 0; start < expiring; start += 1000) await tier.setMany(expiringItems.slice(start, start + 1000));
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now() + 10)));
  let pruned = 0;
  const pruneMs = await elapsed(async () => {
    pruned = await tier.prune();
  });
  await tier.close();

  const results = {
    command: `npx tsx bench/disk.ts${quick ? ' --quick' : ''}`,
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    entries: count,
    valueBytes,
    setPerSec: perSec(singleCount, singleMs),
    setManyEntriesPerSec: perSec(count - singleCount, batchMs),
    getPerSec: perSec(reads, readMs),
    countedBytes: statsAfterWrites.bytes,
    dataFileBytes: fileBytes,
    reopenMsWithPersistedCounters: Math.round(reopenMs * 10) / 10,
    reopenMsAfterUncleanShutdown: Math.round(uncleanReopenMs),
    recountMsFullScan: Math.round(recountMs),
    recountMatchesCounter: recounted === statsAfterWrites.bytes,
    deletePatternMs: Math.round(patternMs),
    deletePatternRemoved: count - afterPattern,
    pruneMs: Math.round(pruneMs),
    pruned,
  };
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'disk.json'), JSON.stringify(results, null, 2) + '\n');
  console.log(results);
  console.log('wrote bench/results/disk.json');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
