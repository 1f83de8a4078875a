// Coherence of many instances on a real 3+3 Redis Cluster: N Node processes, each with its own Strata (L1 + L2 +
// replicated log), run a Zipf (s=0.99) workload over 100k keys with 10% writes (8% new values through `set`,
// 2% invalidations through `delete`). A separate Redis server is the source of truth (one version counter per key);
// every read and every acknowledged write is recorded, and a checker compares each read with the truth.
// Reports the shared hit rate after warm-up, stale reads, invalidation propagation p50/p99 across instances, and the
// factory calls of N×100 concurrent getOrSet on one cold key. Writes bench/results/cluster.json.
//   npx tsx bench/cluster.ts --instances N [--quick] [--json]
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createStrata, type Strata } from '../src/index.js';
import { startLocalTopology, type LocalTopology } from '../src/redis/localTopology.js';

const KEYS = 100_000;
const ZIPF_S = 0.99;
const WRITE_SHARE = 0.1;
/** Of the writes, the share that invalidates (delete) rather than stores a new value. */
const INVALIDATE_SHARE = 0.2;
const STAMPEDE_PER_INSTANCE = 100;
/** Invalidations published one by one with the workload stopped, to measure propagation without CPU contention. */
const PROBE_EVENTS = 200;
const PROBE_SPACING_MS = 5;

type ToWorker = { phase: 'warm' | 'run'; ms: number } | { phase: 'stampede'; key: string } | { phase: 'probe'; events: number; publisher: number } | { phase: 'exit' };
interface RunReport {
  reads: Float64Array;
  acks: Float64Array;
  lags: number[];
  hits: number;
  misses: number;
  ops: number;
  errors: number;
}
type FromWorker =
  | { ready: true }
  | { warmed: true }
  | { run: { reads: number[]; acks: number[]; lags: number[]; hits: number; l1Hits: number; misses: number; factoryCalls: number; l2Errors: number; ops: number; errors: number } }
  | { stampede: number }
  | { probe: number[] };

const now = (): number => performance.timeOrigin + performance.now();

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

/** Zipf sampler over ranks 0..n-1 from a cumulative table, with a seeded xorshift generator. */
function zipfSampler(n: number, s: number, seed: number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cdf[i] = sum += 1 / Math.pow(i + 1, s);
  for (let i = 0; i < n; i++) (cdf[i] as number) /= sum;
  let x = seed | 0 || 1;
  const random = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  const sample = (): number => {
    const u = random();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return Object.assign(sample, { random });
}

async function worker(): Promise<void> {
  const id = Number(arg('--id'));
  const url = arg('--url') as string;
  const db = new Redis(Number(arg('--db')), '127.0.0.1');
  const concurrency = Number(arg('--concurrency'));
  const cache: Strata = createStrata({ prefix: 'bench', l2: { url, tier: { timeoutMs: 1000 } }, l3: false, sync: { instanceId: `worker-${id}` } });
  await cache.ready();
  const sample = zipfSampler(KEYS, ZIPF_S, 0x9e3779b9 ^ (id * 7919 + 1)) as (() => number) & { random: () => number };
  const lags: number[] = [];
  cache.on('sync:applied', ({ lagMs }) => lags.push(lagMs));
  const send = (message: FromWorker) => (process.send as (m: FromWorker) => void)(message);

  const loadVersion = async ({ key }: { key: string }): Promise<number> => Number((await db.get(`v:${key}`)) ?? 0);

  async function drive(ms: number, record: RunReport | undefined): Promise<void> {
    const until = Date.now() + ms;
    const reads: number[] = [];
    const acks: number[] = [];
    const loop = async () => {
      while (Date.now() < until) {
        const rank = sample();
        const key = `k${rank}`;
        try {
          if (sample.random() < WRITE_SHARE) {
            const version = await db.incr(`v:${key}`);
            if (sample.random() < INVALIDATE_SHARE) await cache.delete(key);
            else await cache.set(key, version);
            acks.push(rank, version, now());
          } else {
            const started = now();
            const version = await cache.getOrSet(key, loadVersion);
            reads.push(rank, version, started);
          }
          if (record !== undefined) record.ops++;
        } catch {
          if (record !== undefined) record.errors++;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, loop));
    if (record !== undefined) {
      record.reads = Float64Array.from(reads);
      record.acks = Float64Array.from(acks);
    }
  }

  const totals = () => {
    const stats = cache.stats().classes.default;
    return { hits: stats?.hits.total ?? 0, l1: stats?.hits.l1 ?? 0, misses: stats?.misses ?? 0, factory: stats?.factory.calls ?? 0, l2Errors: stats?.errors.l2 ?? 0 };
  };

  process.on('message', (message: ToWorker) => {
    void (async () => {
      if (message.phase === 'warm') {
        await drive(message.ms, undefined);
        send({ warmed: true });
      } else if (message.phase === 'run') {
        const before = totals();
        lags.length = 0;
        const report: RunReport = { reads: new Float64Array(), acks: new Float64Array(), lags: [], hits: 0, misses: 0, ops: 0, errors: 0 };
        await drive(message.ms, report);
        const after = totals();
        send({ run: { reads: [...report.reads], acks: [...report.acks], lags: [...lags], hits: after.hits - before.hits, l1Hits: after.l1 - before.l1, misses: after.misses - before.misses, factoryCalls: after.factory - before.factory, l2Errors: after.l2Errors - before.l2Errors, ops: report.ops, errors: report.errors } });
      } else if (message.phase === 'probe') {
        lags.length = 0;
        if (id === message.publisher) {
          for (let i = 0; i < message.events; i++) {
            await cache.delete(`probe:${i}`);
            await new Promise((r) => setTimeout(r, PROBE_SPACING_MS));
          }
        } else {
          for (let i = 0; i < 400 && lags.length < message.events; i++) await new Promise((r) => setTimeout(r, PROBE_SPACING_MS * 5));
        }
        send({ probe: [...lags] });
      } else if (message.phase === 'stampede') {
        const factory = async () => {
          await db.incr('stampede:calls');
          await new Promise((r) => setTimeout(r, 20));
          return 'cold';
        };
        await Promise.all(Array.from({ length: STAMPEDE_PER_INSTANCE }, () => cache.getOrSet(message.key, factory)));
        send({ stampede: STAMPEDE_PER_INSTANCE });
      } else {
        await cache.close();
        db.disconnect();
        process.exit(0);
      }
    })();
  });
  send({ ready: true });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

/**
 * For every read, the newest version acknowledged at least `windowMs` before the read started; the read is stale
 * when it returned an older version.
 */
function countStale(reads: Float64Array[], acks: Float64Array[], windowMs: number): { checked: number; stale: number } {
  const byKey = new Map<number, Array<[time: number, version: number]>>();
  for (const a of acks) {
    for (let i = 0; i < a.length; i += 3) {
      const rank = a[i] as number;
      let list = byKey.get(rank);
      if (list === undefined) byKey.set(rank, (list = []));
      list.push([a[i + 2] as number, a[i + 1] as number]);
    }
  }
  const prefixMax = new Map<number, { times: number[]; best: number[] }>();
  for (const [rank, list] of byKey) {
    list.sort((x, y) => x[0] - y[0]);
    const times: number[] = [];
    const best: number[] = [];
    let max = 0;
    for (const [time, version] of list) {
      max = Math.max(max, version);
      times.push(time);
      best.push(max);
    }
    prefixMax.set(rank, { times, best });
  }
  let checked = 0;
  let stale = 0;
  for (const r of reads) {
    for (let i = 0; i < r.length; i += 3) {
      checked++;
      const history = prefixMax.get(r[i] as number);
      if (history === undefined) continue;
      const cutoff = (r[i + 2] as number) - windowMs;
      let lo = 0;
      let hi = history.times.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((history.times[mid] as number) <= cutoff) lo = mid + 1;
        else hi = mid;
      }
      if (lo > 0 && (history.best[lo - 1] as number) > (r[i + 1] as number)) stale++;
    }
  }
  return { checked, stale };
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const json = process.argv.includes('--json');
  const instances = Number(arg('--instances') ?? (quick ? 3 : 10));
  if (!Number.isInteger(instances) || instances < 2) throw new Error('--instances must be an integer ≥ 2');
  const warmMs = quick ? 8_000 : 30_000;
  const runMs = quick ? 12_000 : 60_000;
  const concurrency = quick ? 4 : 8;
  const log = (line: string) => {
    if (!json) console.error(line);
  };
  const here = dirname(fileURLToPath(import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-cluster-'));
  const children: ChildProcess[] = [];
  let cluster: LocalTopology | undefined;
  let truth: LocalTopology | undefined;
  try {
    log('starting a 3+3 Redis Cluster and a source-of-truth server…');
    [cluster, truth] = await Promise.all([startLocalTopology('cluster', { dir: join(dir, 'cluster') }), startLocalTopology('standalone', { dir: join(dir, 'truth') })]);
    const dbPort = truth.serverPorts[0] as number;
    // The shared tier starts warm: every key at version 0, the truth for a key never written.
    const seeder = createStrata({ prefix: 'bench', l2: cluster.url, l1: false, l3: false, sync: false });
    // Small batches: Strata's setMany writes each entry on its own, and a burst of thousands trips L2's soft timeouts.
    for (let start = 0; start < KEYS; start += 100) {
      await seeder.setMany(Array.from({ length: Math.min(100, KEYS - start) }, (_, i) => ({ key: `k${start + i}`, value: 0 })));
    }
    const seedErrors = seeder.stats().classes.default?.errors.l2 ?? 0;
    if (seedErrors > 0) throw new Error(`seeding L2 failed ${seedErrors} times`);
    await seeder.close();
    const inbox: FromWorker[][] = [];
    const waiters: Array<() => void> = [];
    const nextFrom = async (i: number): Promise<FromWorker> => {
      while ((inbox[i] as FromWorker[]).length === 0) await new Promise<void>((r) => waiters.push(r));
      return (inbox[i] as FromWorker[]).shift() as FromWorker;
    };
    const all = async () => Promise.all(children.map((_, i) => nextFrom(i)));
    for (let i = 0; i < instances; i++) {
      inbox.push([]);
      const child = fork(fileURLToPath(import.meta.url), ['--worker', '--id', String(i), '--url', cluster.url, '--db', String(dbPort), '--concurrency', String(concurrency)], { execArgv: ['--import', 'tsx'] });
      child.on('message', (m: FromWorker) => {
        (inbox[i] as FromWorker[]).push(m);
        for (const w of waiters.splice(0)) w();
      });
      children.push(child);
    }
    await all();
    log(`${instances} instances ready; warming up for ${warmMs / 1000} s…`);
    for (const c of children) c.send({ phase: 'warm', ms: warmMs } satisfies ToWorker);
    await all();
    log(`measuring for ${runMs / 1000} s…`);
    for (const c of children) c.send({ phase: 'run', ms: runMs } satisfies ToWorker);
    const runs = (await all()).map((m) => (m as Extract<FromWorker, { run: unknown }>).run);

    log('propagation with the workload stopped…');
    for (const c of children) c.send({ phase: 'probe', events: PROBE_EVENTS, publisher: 0 } satisfies ToWorker);
    const idleLags = (await all()).flatMap((m) => (m as Extract<FromWorker, { probe: unknown }>).probe).sort((a, b) => a - b);

    log('stampede: concurrent getOrSet of one cold key…');
    const db = new Redis(dbPort, '127.0.0.1');
    await db.set('stampede:calls', 0);
    for (const c of children) c.send({ phase: 'stampede', key: 'cold-stampede-key' } satisfies ToWorker);
    await all();
    const stampedeCalls = Number(await db.get('stampede:calls'));
    db.disconnect();

    const lags = runs.flatMap((r) => r.lags).sort((a, b) => a - b);
    const p50 = percentile(lags, 0.5);
    const p99 = percentile(lags, 0.99);
    const reads = runs.map((r) => Float64Array.from(r.reads));
    const acks = runs.map((r) => Float64Array.from(r.acks));
    const afterP99 = countStale(reads, acks, p99);
    const afterAck = countStale(reads, acks, 0);
    const hits = runs.reduce((s, r) => s + r.hits, 0);
    const misses = runs.reduce((s, r) => s + r.misses, 0);
    const ops = runs.reduce((s, r) => s + r.ops, 0);
    const results = {
      command: `npx tsx bench/cluster.ts --instances ${instances}${quick ? ' --quick' : ''}`,
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version },
      topology: 'Redis Cluster 3 masters + 3 replicas on loopback; L1 + L2 per instance, no L3',
      warmup: `L2 seeded with every key, then ${warmMs / 1000} s of the workload to fill each L1`,
      workload: { instances, keys: KEYS, zipfS: ZIPF_S, writeShare: WRITE_SHARE, invalidateShareOfWrites: INVALIDATE_SHARE, concurrencyPerInstance: concurrency, warmMs, runMs },
      throughput: { ops, opsPerSec: Math.round(ops / (runMs / 1000)), errors: runs.reduce((s, r) => s + r.errors, 0) },
      hitRateAfterWarmup: hits + misses === 0 ? 0 : hits / (hits + misses),
      reads: {
        hits,
        l1Hits: runs.reduce((s, r) => s + r.l1Hits, 0),
        misses,
        factoryCalls: runs.reduce((s, r) => s + r.factoryCalls, 0),
        l2Errors: runs.reduce((s, r) => s + r.l2Errors, 0),
      },
      propagationMs: { underLoad: { events: lags.length, p50, p99, max: lags.at(-1) ?? Number.NaN }, idle: { events: idleLags.length, expected: PROBE_EVENTS * (instances - 1), p50: percentile(idleLags, 0.5), p99: percentile(idleLags, 0.99), max: idleLags.at(-1) ?? Number.NaN } },
      staleReads: {
        windowMs: p99,
        checked: afterP99.checked,
        stale: afterP99.stale,
        rate: afterP99.checked === 0 ? 0 : afterP99.stale / afterP99.checked,
        staleWithoutWindow: afterAck.stale,
      },
      stampede: { instances, callsPerInstance: STAMPEDE_PER_INSTANCE, factoryCalls: stampedeCalls },
    };
    mkdirSync(join(here, 'results'), { recursive: true });
    writeFileSync(join(here, 'results', 'cluster.json'), JSON.stringify(results, null, 2) + '\n');
    if (json) console.log(JSON.stringify(results));
    else {
      console.log(results);
      console.log('wrote bench/results/cluster.json');
    }
  } finally {
    for (const c of children) if (c.connected) c.send({ phase: 'exit' } satisfies ToWorker);
    await new Promise((r) => setTimeout(r, 500));
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await cluster?.stop();
    await truth?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--worker')) await worker();
else await main();
