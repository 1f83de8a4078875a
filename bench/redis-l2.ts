// L2 read cost: raw ioredis (auto-pipelined getBuffer) against RedisTier.get and against Strata.get with L1 off (the
// whole read path: tier stack, envelope decode) on the same local server, the same value sizes, in the same run.
// Strata sends the reads of one tick as one MGET (RedisTier `coalesceReads`); two more contestants separate what that
// buys from the cost of Strata's own layers: Strata with coalescing off (one GET per read, as the raw client), and a
// raw client coalescing the same way (the limit for the MGET path).
// Each round rotates the order of the three, and a ratio is taken within a round (a neighbour's burst on the shared
// cores lands on all of them alike); the file gives the median and range of those ratios. Writes bench/results/l2.json.
//   npx tsx bench/redis-l2.ts [--quick]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
// The raw floor is the ioredis major Strata itself runs on (bench/README.md): `ioredis` here is BentoCache's v5.
import { Redis } from 'ioredis-v6';
import { createStrata } from '../src/index.js';
import { createRedisClient } from '../src/redis/connection.js';
import { adminCommand, startLocalTopology } from '../src/redis/localTopology.js';
import { RedisTier } from '../src/tiers/redis.js';

const quick = process.argv.includes('--quick');
const sizes = quick ? [1024] : [128, 1024, 16_384];
const keyCount = 1000;
const concurrency = 64;
// Short alternating slices so both sides see the same background load on a shared machine.
const throughputMs = quick ? 250 : 500;
/** A round's time per contestant is cut into this many slices, taken in turns, so a burst of other work is shared. */
const slices = 5;
const rounds = quick ? 7 : 11;
const sequentialOps = quick ? 1000 : 5000;

type Get = (key: string) => Promise<unknown>;

/** Raw ioredis with the reads of a tick sent as one MGET, the way RedisTier coalesces them: the floor for that path. */
function coalescedGet(client: Redis): Get {
  let queued: Array<{ key: string; resolve: (value: Buffer | null) => void; reject: (error: unknown) => void }> = [];
  const flush = () => {
    const batch = queued;
    queued = [];
    if (batch.length === 1) {
      const only = batch[0]!;
      client.getBuffer(only.key).then(only.resolve, only.reject);
      return;
    }
    client.mgetBuffer(batch.map((read) => read.key)).then(
      (values) => batch.forEach((read, i) => read.resolve(values[i] ?? null)),
      (error: unknown) => batch.forEach((read) => read.reject(error)),
    );
  };
  return (key) =>
    new Promise((resolve, reject) => {
      if (queued.length === 0) process.nextTick(flush);
      queued.push({ key, resolve, reject });
    });
}

async function throughput(get: Get, keys: string[], ms = throughputMs): Promise<number> {
  let ops = 0;
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = w; performance.now() < end; i += concurrency) {
        await get(keys[i % keys.length] as string);
        ops++;
      }
    }),
  );
  return (ops * 1000) / ms;
}

/** p50 and p99 of sequential calls (one await at a time), the contestants taking turns every `SEQUENTIAL_CHUNK` calls. */
const SEQUENTIAL_CHUNK = 50;
async function sequential(gets: Get[], keys: string[]): Promise<Array<{ p50Ms: number; p99Ms: number }>> {
  const samples = gets.map(() => new Float64Array(sequentialOps));
  for (let done = 0; done < sequentialOps; done += SEQUENTIAL_CHUNK) {
    for (const [c, get] of gets.entries()) {
      for (let i = done; i < Math.min(done + SEQUENTIAL_CHUNK, sequentialOps); i++) {
        const start = performance.now();
        await get(keys[i % keyCount] as string);
        samples[c]![i] = performance.now() - start;
      }
    }
  }
  return samples.map((s) => {
    s.sort();
    const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
    return { p50Ms: at(0.5), p99Ms: at(0.99) };
  });
}

function spread(xs: number[]): { median: number; min: number; max: number } {
  const sorted = [...xs].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)] as number, min: sorted[0] as number, max: sorted[sorted.length - 1] as number };
}

const dir = mkdtempSync(join(tmpdir(), 'strata-bench-l2-'));
const topology = await startLocalTopology('standalone', { dir });
const port = topology.serverPorts[0] as number;
const raw = new Redis({ host: '127.0.0.1', port, enableAutoPipelining: true });
const tier = new RedisTier(createRedisClient({ url: topology.url, healthCheckIntervalMs: 0 }));
// Strata as an application runs it against Redis (replicated log and lock on), its L1 off so every get reads L2.
const strata = createStrata({ prefix: 'bench-strata', l1: false, l2: topology.url, l3: false, classes: { default: { tiers: ['l2'] } } });
const strataPerKey = createStrata({
  prefix: 'bench-strata',
  l1: false,
  l2: { url: topology.url, tier: { coalesceReads: false } },
  l3: false,
  classes: { default: { tiers: ['l2'] } },
});
try {
  await strata.ready();
  await strataPerKey.ready();
  const serverInfo = String(await adminCommand(port, 'INFO', 'server'));
  const results = [];
  for (const size of sizes) {
    const keys = Array.from({ length: keyCount }, (_, i) => `bench:${size}:${i}`);
    await tier.setMany(keys.map((key) => ({ key, bytes: Buffer.alloc(size, 7), hardExpiresAt: Date.now() + 600_000 })));
    for (const key of keys) await strata.set(key, Buffer.alloc(size, 7));
    // Both Strata caches read the same entries (same prefix and namespace).
    const names = ['raw', 'tier', 'strata', 'strataPerKeyGet', 'rawCoalesced'] as const;
    const rawCoalesced = coalescedGet(raw);
    const gets: Get[] = [(key) => raw.getBuffer(key), (key) => tier.get(key), (key) => strata.get(key), (key) => strataPerKey.get(key), rawCoalesced];
    for (const get of gets) await throughput(get, keys);
    const ops: number[][] = names.map(() => []);
    for (let r = 0; r < rounds; r++) {
      const sums = gets.map(() => 0);
      for (let slice = 0; slice < slices; slice++) {
        for (let k = 0; k < gets.length; k++) {
          const c = (k + r + slice) % gets.length;
          sums[c]! += await throughput(gets[c]!, keys, throughputMs / slices);
        }
      }
      sums.forEach((sum, c) => ops[c]!.push(sum / slices));
    }
    const latency = await sequential(gets, keys);
    const ratios = (c: number) => spread(ops[c]!.map((v, r) => v / ops[0]![r]!));
    const row = {
      valueBytes: size,
      raw: { opsPerSec: Math.round(spread(ops[0]!).median), ...latency[0]! },
      tier: { opsPerSec: Math.round(spread(ops[1]!).median), ...latency[1]! },
      strata: { opsPerSec: Math.round(spread(ops[2]!).median), ...latency[2]! },
      strataPerKeyGet: { opsPerSec: Math.round(spread(ops[3]!).median), ...latency[3]! },
      rawCoalesced: { opsPerSec: Math.round(spread(ops[4]!).median), ...latency[4]! },
      /** Strata.get (L1 off) throughput ÷ raw, median of the rounds' ratios. */
      throughputRatio: ratios(2).median,
      throughputRatioRange: [ratios(2).min, ratios(2).max],
      tierThroughputRatio: ratios(1).median,
      tierThroughputRatioRange: [ratios(1).min, ratios(1).max],
      /** Strata with one GET per read ÷ raw: what Strata's layers cost without coalescing. */
      perKeyGetThroughputRatio: ratios(3).median,
      perKeyGetThroughputRatioRange: [ratios(3).min, ratios(3).max],
      /** Strata ÷ the raw client coalescing the same way: Strata's layers on the MGET path. */
      vsRawCoalescedRatio: spread(ops[2]!.map((v, r) => v / ops[4]![r]!)).median,
      p99Ratio: latency[2]!.p99Ms / latency[0]!.p99Ms,
      tierP99Ratio: latency[1]!.p99Ms / latency[0]!.p99Ms,
      perKeyGetP99Ratio: latency[3]!.p99Ms / latency[0]!.p99Ms,
    };
    results.push(row);
    console.log(JSON.stringify(row));
  }
  const report = {
    benchmark: 'l2-get',
    command: `npx tsx bench/redis-l2.ts${quick ? ' --quick' : ''}`,
    date: new Date().toISOString(),
    node: process.version,
    redis: /redis_version:(\S+)/.exec(serverInfo)?.[1],
    settings: { keyCount, concurrency, throughputMs, slices, rounds, sequentialOps, sequentialChunk: SEQUENTIAL_CHUNK },
    // Other work on the machine skews both sides; the load average says how much to trust a run.
    loadAverage1m: loadavg()[0],
    results,
  };
  mkdirSync(join('bench', 'results'), { recursive: true });
  writeFileSync(join('bench', 'results', 'l2.json'), `${JSON.stringify(report, null, 2)}\n`);
} finally {
  raw.disconnect();
  await strata.close();
  await strataPerKey.close();
  await tier.close();
  await topology.stop();
  rmSync(dir, { recursive: true, force: true });
}
