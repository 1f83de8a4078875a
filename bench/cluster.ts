// Coherence of many instances on a real 3+3 Redis Cluster: N Node processes, each with its own Strata (L1 + L2 +
// replicated log), run a Zipf (s=0.99) workload over 100k keys with 10% writes (8% new values through `set`,
// 2% invalidations through `delete`). A separate Redis server is the source of truth (one version counter per key);
// every read and every acknowledged write is recorded, and a checker compares each read with the truth.
// Reports the shared hit rate after warm-up, stale reads, invalidation propagation p50/p99 across instances, and the
// factory calls of N×100 concurrent getOrSet on one cold key. Writes bench/results/cluster.json (--quick: cluster-quick.json).
//   npx tsx bench/cluster.ts --instances N [--quick] [--json]
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createStrata, type Strata } from '../src/index.js';
import { startLocalTopology, type LocalTopology } from '../src/redis/localTopology.js';
import { checkStaleReads, TIERS } from './lib/staleReads.js';
import { zipfSampler } from './lib/random.js';

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
  ops: number;
  errors: number;
}
type FromWorker =
  | { ready: true }
  | { warmed: true }
  | { run: { reads: number[]; writes: number[]; applied: number[]; loads: number[]; lags: number[]; toRedis: number[]; fromRedis: number[]; eventLoopDelayMs: { p50: number; p99: number; max: number }; hits: number; l1Hits: number; misses: number; factoryCalls: number; l2Errors: number; ops: number; errors: number } }
  | { stampede: number }
  | { probe: number[] };

const now = (): number => performance.timeOrigin + performance.now();

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}


async function worker(): Promise<void> {
  const id = Number(arg('--id'));
  const url = arg('--url') as string;
  const db = new Redis(Number(arg('--db')), '127.0.0.1');
  const concurrency = Number(arg('--concurrency'));
  const cache: Strata = createStrata({ prefix: 'bench', l2: { url, tier: { timeoutMs: 1000 } }, l3: false, sync: { instanceId: `worker-${id}` } });
  await cache.ready();
  const sample = zipfSampler(KEYS, ZIPF_S, 0x9e3779b9 ^ (id * 7919 + 1));
  const lags: number[] = [];
  // What the checker needs to tell the races apart (layouts in bench/lib/staleReads.ts).
  const reads: number[] = [];
  const writes: number[] = [];
  const applied: number[] = [];
  const loads: number[] = [];
  // Where the propagation delay goes: publication → append in Redis (stream id time), append → applied here.
  const toRedis: number[] = [];
  const fromRedis: number[] = [];
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  // Only the probe's own events: the run's backlog may still be arriving when the probe starts.
  const probeLags: number[] = [];
  cache.on('sync:applied', ({ event, lagMs, id: streamId }) => {
    if (event.type === 'keys' && event.keys[0]?.startsWith('probe:') === true) {
      probeLags.push(lagMs);
      return;
    }
    lags.push(lagMs);
    const at = now();
    const appendedAt = Number(streamId.split('-')[0]);
    toRedis.push(appendedAt - (at - lagMs));
    fromRedis.push(at - appendedAt);
    if (event.type !== 'keys' && event.type !== 'set') return;
    const changeAt = 'at' in event && typeof event.at === 'number' ? event.at : Number.NaN;
    for (const key of event.keys) if (key.startsWith('k')) applied.push(Number(key.slice(1)), at, id, changeAt);
  });
  const send = (message: FromWorker) => (process.send as (m: FromWorker) => void)(message);

  const loadVersion = async ({ key }: { key: string }): Promise<number> => {
    const version = Number((await db.get(`v:${key}`)) ?? 0);
    loads.push(Number(key.slice(1)), version, id);
    return version;
  };

  async function drive(ms: number, record: RunReport | undefined): Promise<void> {
    const until = Date.now() + ms;
    const loop = async () => {
      while (Date.now() < until) {
        const rank = sample();
        const key = `k${rank}`;
        try {
          const started = now();
          if (sample.random() < WRITE_SHARE) {
            const version = await db.incr(`v:${key}`);
            const invalidate = sample.random() < INVALIDATE_SHARE;
            if (invalidate) await cache.delete(key);
            else await cache.set(key, version);
            writes.push(rank, version, started, now(), invalidate ? 1 : 0, id);
          } else {
            const answer = await cache.getOrSetWithInfo(key, loadVersion);
            reads.push(rank, answer.value, started, TIERS.indexOf(answer.outcome === 'stale' ? 'stale' : answer.tier), id);
          }
          if (record !== undefined) record.ops++;
        } catch {
          if (record !== undefined) record.errors++;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, loop));
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
        for (const list of [lags, reads, writes, applied, loads, toRedis, fromRedis]) list.length = 0;
        const report: RunReport = { ops: 0, errors: 0 };
        loopDelay.reset();
        loopDelay.enable();
        await drive(message.ms, report);
        loopDelay.disable();
        const after = totals();
        const eventLoopDelayMs = { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 };
        send({ run: { reads, writes, applied, loads, lags, toRedis, fromRedis, eventLoopDelayMs, hits: after.hits - before.hits, l1Hits: after.l1 - before.l1, misses: after.misses - before.misses, factoryCalls: after.factory - before.factory, l2Errors: after.l2Errors - before.l2Errors, ops: report.ops, errors: report.errors } });
      } else if (message.phase === 'probe') {
        probeLags.length = 0;
        if (id === message.publisher) {
          for (let i = 0; i < message.events; i++) {
            await cache.delete(`probe:${i}`);
            await new Promise((r) => setTimeout(r, PROBE_SPACING_MS));
          }
        } else {
          for (let i = 0; i < 400 && probeLags.length < message.events; i++) await new Promise((r) => setTimeout(r, PROBE_SPACING_MS * 5));
        }
        send({ probe: [...probeLags] });
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

function spread(values: number[]): { p50: number; p99: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
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
    const recorded = (pick: (r: (typeof runs)[number]) => number[]) => runs.map((r) => Float64Array.from(pick(r)));
    const check = (windowMs: number) => checkStaleReads(recorded((r) => r.writes), recorded((r) => r.reads), recorded((r) => r.applied), recorded((r) => r.loads), windowMs);
    const afterP99 = check(p99);
    const afterAck = check(0);
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
      propagationMs: {
        underLoad: { events: lags.length, p50, p99, max: lags.at(-1) ?? Number.NaN },
        // The stream id's time has 1 ms resolution: both parts are ±1 ms.
        underLoadParts: { publishToAppend: spread(runs.flatMap((r) => r.toRedis)), appendToApplied: spread(runs.flatMap((r) => r.fromRedis)) }, idle: { events: idleLags.length, expected: PROBE_EVENTS * (instances - 1), p50: percentile(idleLags, 0.5), p99: percentile(idleLags, 0.99), max: idleLags.at(-1) ?? Number.NaN } },
      staleReads: { windowMs: p99, ...afterP99, withoutWindow: afterAck },
      stampede: { instances, callsPerInstance: STAMPEDE_PER_INSTANCE, factoryCalls: stampedeCalls },
      // Each worker's event-loop delay while the workload ran (how long a ready callback waited for its turn): the
      // share of the propagation delay that is waiting for CPU.
      eventLoopDelayMs: { p50OfWorkerP50s: spread(runs.map((r) => r.eventLoopDelayMs.p50)).p50, p50OfWorkerP99s: spread(runs.map((r) => r.eventLoopDelayMs.p99)).p50, maxOfWorkerMax: Math.max(...runs.map((r) => r.eventLoopDelayMs.max)) },
    };
    mkdirSync(join(here, 'results'), { recursive: true });
    // A quick pass must not overwrite the full run's figures.
    const file = quick ? 'cluster-quick.json' : 'cluster.json';
    writeFileSync(join(here, 'results', file), JSON.stringify(results, null, 2) + '\n');
    if (json) console.log(JSON.stringify(results));
    else {
      console.dir(results, { depth: 4 });
      console.log(`wrote bench/results/${file}`);
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
