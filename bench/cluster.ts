// Coherence of many instances on a real 3+3 Redis Cluster: N Node processes, each with its own Strata (L1 + L2 +
// replicated log), run a Zipf (s=0.99) workload over 100k keys with 10% writes (8% new values through `set`,
// 2% invalidations through `delete`). A separate Redis server is the source of truth (one version counter per key);
// every read and every acknowledged write is recorded, and a checker compares each read with the truth.
// Reports the shared hit rate after warm-up, stale reads, invalidation propagation p50/p99 across instances, and the
// factory calls of N×100 concurrent getOrSet on one cold key. Writes bench/results/cluster.json (--quick: cluster-quick.json).
//   npx tsx bench/cluster.ts --instances N [--quick] [--json]
// Paced (open-loop) sweep: each instance issues ops at a fixed rate instead of as fast as it can; per rate (and
// `closed` for a closed-loop point in the same sweep): propagation p50/p99/max and its parts, event-loop delay, CPU of
// the instance processes, /proc/loadavg, stale reads. Writes bench/results/cluster-paced.json.
//   npx tsx bench/cluster.ts --instances N [--quick] --rate R1,R2,…[,closed] [--seconds S per point] [--json]
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createStrata, type Strata } from '../src/index.js';
import { startLocalTopology, type LocalTopology } from '../src/redis/localTopology.js';
import { streamIdTime } from '../src/sync/streamId.js';
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

/** A measured phase: closed loop (`rate` undefined: `concurrency` loops, each issuing its next op when the last one ends) or paced. */
type ToWorker = { phase: 'warm'; ms: number } | { phase: 'run'; ms: number; rate?: number } | { phase: 'stampede'; key: string } | { phase: 'probe'; events: number; publisher: number } | { phase: 'exit' };
interface RunReport {
  ops: number;
  errors: number;
  /** Paced: ops not issued because `MAX_OUTSTANDING` were still running (the instance could not keep up). */
  skipped: number;
}
interface RunResult {
  reads: number[];
  writes: number[];
  applied: number[];
  loads: number[];
  lags: number[];
  toRedis: number[];
  toRead: number[];
  toApplied: number[];
  /** Each op's time from when it was due (paced) or started (closed loop) to its end, ms. */
  latencies: number[];
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** CPU time of this process (user + system) during the run, ms, and the run's wall time. */
  cpuMs: number;
  elapsedMs: number;
  hits: number;
  l1Hits: number;
  misses: number;
  factoryCalls: number;
  l2Errors: number;
  ops: number;
  errors: number;
  skipped: number;
}
type FromWorker = { ready: true } | { warmed: true } | { run: RunResult } | { stampede: number } | { probe: number[] };

/** Paced mode: beyond this many ops still running on an instance, a due op is skipped (and counted) rather than queued without bound. */
const MAX_OUTSTANDING = 256;
/** Sampling interval of the event-loop delay histogram, ms. */
const LOOP_DELAY_RESOLUTION_MS = 5;
/** After a run, events published during it are still counted for this long (the tail of the propagation delay). */
const SETTLE_MS = 1_000;

const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

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
  // Where the propagation delay goes: publication → append in Redis (stream id time) → the XREAD reply handled here
  // → applied here.
  const toRedis: number[] = [];
  const toRead: number[] = [];
  const toApplied: number[] = [];
  const latencies: number[] = [];
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  // Events are recorded from a run's start until its report; only those published while it lasted count in the
  // propagation figures (the previous phase's backlog may still be arriving at its start).
  let recording = false;
  let window = { from: 0, to: 0 };
  // Only the probe's own events: the run's backlog may still be arriving when the probe starts.
  const probeLags: number[] = [];
  cache.on('sync:applied', ({ event, lagMs, id: streamId, readAt }) => {
    if (event.type === 'keys' && event.keys[0]?.startsWith('probe:') === true) {
      probeLags.push(lagMs);
      return;
    }
    if (!recording) return;
    const at = now();
    const publishedAt = at - lagMs;
    if (publishedAt >= window.from && publishedAt <= window.to) {
      lags.push(lagMs);
      const appendedAt = streamIdTime(streamId);
      toRedis.push(appendedAt - publishedAt);
      toRead.push(readAt - appendedAt);
      toApplied.push(at - readAt);
    }
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

  /** One op of the workload; `due` is when it should have started (its latency counts from there). */
  async function one(due: number, record: RunReport | undefined): Promise<void> {
    const rank = sample();
    const key = `k${rank}`;
    try {
      const started = now();
      if (sample.random() < WRITE_SHARE) {
        const version = await db.incr(`v:${key}`);
        const invalidate = sample.random() < INVALIDATE_SHARE;
        if (invalidate) await cache.delete(key);
        else await cache.set(key, version);
        if (record !== undefined) writes.push(rank, version, started, now(), invalidate ? 1 : 0, id);
      } else {
        const answer = await cache.getOrSetWithInfo(key, loadVersion);
        if (record !== undefined) reads.push(rank, answer.value, started, TIERS.indexOf(answer.outcome === 'stale' ? 'stale' : answer.tier), id);
      }
      if (record !== undefined) {
        latencies.push(now() - due);
        record.ops++;
      }
    } catch {
      if (record !== undefined) record.errors++;
    }
  }

  /** Closed loop: `concurrency` loops, each starting its next op as soon as the last one ends (saturates the instance). */
  async function drive(ms: number, record: RunReport | undefined): Promise<void> {
    const until = Date.now() + ms;
    const loop = async () => {
      while (Date.now() < until) await one(now(), record);
    };
    await Promise.all(Array.from({ length: concurrency }, loop));
  }

  /**
   * Open loop: op i is due at start + i / rate, whether or not the earlier ones have ended (a late timer issues every
   * op that fell due meanwhile). Ends when the last op issued has ended.
   */
  async function pace(ms: number, rate: number, record: RunReport): Promise<void> {
    const start = now();
    const total = Math.floor((ms / 1000) * rate);
    const running = new Set<Promise<void>>();
    for (let issued = 0; issued < total; ) {
      const due = Math.min(total, Math.floor(((now() - start) / 1000) * rate) + 1);
      for (; issued < due; issued++) {
        if (running.size >= MAX_OUTSTANDING) {
          record.skipped++;
          continue;
        }
        const op = one(start + (issued * 1000) / rate, record);
        running.add(op);
        void op.finally(() => running.delete(op));
      }
      if (issued < total) await sleep(Math.max(0, start + (issued * 1000) / rate - now()));
    }
    await Promise.all(running);
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
        for (const list of [lags, reads, writes, applied, loads, toRedis, toRead, toApplied, latencies]) list.length = 0;
        const report: RunReport = { ops: 0, errors: 0, skipped: 0 };
        window = { from: now(), to: Number.POSITIVE_INFINITY };
        recording = true;
        const cpuBefore = process.cpuUsage();
        const startedAt = now();
        loopDelay.reset();
        loopDelay.enable();
        if (message.rate === undefined) await drive(message.ms, report);
        else await pace(message.ms, message.rate, report);
        loopDelay.disable();
        const cpu = process.cpuUsage(cpuBefore);
        const elapsedMs = now() - startedAt;
        const after = totals();
        window = { from: window.from, to: now() };
        await sleep(SETTLE_MS);
        recording = false;
        // The histogram records the whole sampling interval: the delay is what exceeds it.
        const late = (ns: number) => Math.max(0, ns / 1e6 - LOOP_DELAY_RESOLUTION_MS);
        const eventLoopDelayMs = { p50: late(loopDelay.percentile(50)), p99: late(loopDelay.percentile(99)), max: late(loopDelay.max) };
        send({ run: { reads, writes, applied, loads, lags, toRedis, toRead, toApplied, latencies, eventLoopDelayMs, cpuMs: (cpu.user + cpu.system) / 1000, elapsedMs, hits: after.hits - before.hits, l1Hits: after.l1 - before.l1, misses: after.misses - before.misses, factoryCalls: after.factory - before.factory, l2Errors: after.l2Errors - before.l2Errors, ...report } });
      } else if (message.phase === 'probe') {
        probeLags.length = 0;
        if (id === message.publisher) {
          // The others reset their lists when this phase's message reaches them: give it time to.
          await sleep(200);
          for (let i = 0; i < message.events; i++) {
            await cache.delete(`probe:${i}`);
            await sleep(PROBE_SPACING_MS);
          }
        } else {
          for (let i = 0; i < 400 && probeLags.length < message.events; i++) await sleep(PROBE_SPACING_MS * 5);
        }
        send({ probe: [...probeLags] });
      } else if (message.phase === 'stampede') {
        const factory = async () => {
          await db.incr('stampede:calls');
          await sleep(20);
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

/** `--rate 50,200,closed`: ops/s per instance for each paced point, `closed` for a closed-loop point in the same sweep. */
function parseRates(value: string | undefined): Array<number | 'closed'> | undefined {
  if (value === undefined) return undefined;
  return value.split(',').map((part) => {
    if (part === 'closed') return 'closed';
    const rate = Number(part);
    if (!(rate > 0)) throw new Error(`--rate takes ops/s per instance (or 'closed'), comma-separated; got '${part}'`);
    return rate;
  });
}

/** The machine's state at a point's edges: load average, and CPU time of every process (`/proc/stat`, in ticks). */
interface MachineState {
  loadavg: string;
  busy: number;
  total: number;
  at: number;
}

function machineNow(): MachineState {
  const loadavg = readFileSync('/proc/loadavg', 'utf8').trim();
  const cpu = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((s, v) => s + v, 0);
  // idle + iowait
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  return { loadavg, busy: total - idle, total, at: Date.now() };
}

type Point = ReturnType<typeof summarizeRun>;

/** One measured phase of every instance, summed up: throughput, op latency, propagation and its parts, CPU, stale reads. */
function summarizeRun(runs: RunResult[], runMs: number, before: MachineState, after: MachineState) {
  const sum = (pick: (r: RunResult) => number) => runs.reduce((s, r) => s + pick(r), 0);
  const lags = runs.flatMap((r) => r.lags).sort((a, b) => a - b);
  const p99 = percentile(lags, 0.99);
  const recorded = (pick: (r: RunResult) => number[]) => runs.map((r) => Float64Array.from(pick(r)));
  const check = (windowMs: number) => checkStaleReads(recorded((r) => r.writes), recorded((r) => r.reads), recorded((r) => r.applied), recorded((r) => r.loads), windowMs);
  const hits = sum((r) => r.hits);
  const misses = sum((r) => r.misses);
  const ops = sum((r) => r.ops);
  const cpuShares = runs.map((r) => r.cpuMs / r.elapsedMs);
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  return {
    throughput: { ops, opsPerSec: Math.round(ops / (runMs / 1000)), errors: sum((r) => r.errors), skipped: sum((r) => r.skipped) },
    hitRate: hits + misses === 0 ? 0 : hits / (hits + misses),
    reads: { hits, l1Hits: sum((r) => r.l1Hits), misses, factoryCalls: sum((r) => r.factoryCalls), l2Errors: sum((r) => r.l2Errors) },
    opLatencyMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies.at(-1) ?? Number.NaN },
    propagationMs: { events: lags.length, p50: percentile(lags, 0.5), p99, max: lags.at(-1) ?? Number.NaN },
    // The stream id's time has 1 ms resolution: the parts on either side of it are ±1 ms. appendToApplied = appendToRead + readToApplied.
    propagationParts: {
      publishToAppend: spread(runs.flatMap((r) => r.toRedis)),
      appendToApplied: spread(runs.flatMap((r) => r.toRead.map((v, i) => v + (r.toApplied[i] as number)))),
      appendToRead: spread(runs.flatMap((r) => r.toRead)),
      readToApplied: spread(runs.flatMap((r) => r.toApplied)),
    },
    staleReads: { windowMs: p99, ...check(p99), withoutWindow: check(0) },
    eventLoopDelayMs: { p50OfWorkerP50s: spread(runs.map((r) => r.eventLoopDelayMs.p50)).p50, p50OfWorkerP99s: spread(runs.map((r) => r.eventLoopDelayMs.p99)).p50, maxOfWorkerP99s: Math.max(...runs.map((r) => r.eventLoopDelayMs.p99)), maxOfWorkerMax: Math.max(...runs.map((r) => r.eventLoopDelayMs.max)) },
    cpu: {
      instancesCores: cpuShares.reduce((s, v) => s + v, 0),
      perInstance: { mean: cpuShares.reduce((s, v) => s + v, 0) / cpuShares.length, max: Math.max(...cpuShares) },
      // Includes the settle time after the run (the instances mostly idle then).
      machineBusy: after.total === before.total ? Number.NaN : (after.busy - before.busy) / (after.total - before.total),
    },
    loadavg: { before: before.loadavg, after: after.loadavg },
  };
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const json = process.argv.includes('--json');
  const instances = Number(arg('--instances') ?? (quick ? 3 : 10));
  if (!Number.isInteger(instances) || instances < 2) throw new Error('--instances must be an integer ≥ 2');
  const warmMs = quick ? 8_000 : 30_000;
  const concurrency = quick ? 4 : 8;
  const rates = parseRates(arg('--rate'));
  const seconds = arg('--seconds');
  if (seconds !== undefined && !(Number(seconds) > 0)) throw new Error('--seconds must be a positive number');
  const runMs = seconds === undefined ? (quick ? 12_000 : 60_000) : Number(seconds) * 1000;
  const log = (line: string) => {
    if (!json) console.error(line);
  };
  const write = (file: string, results: object) => {
    mkdirSync(join(here, 'results'), { recursive: true });
    writeFileSync(join(here, 'results', file), JSON.stringify(results, null, 2) + '\n');
    if (json) console.log(JSON.stringify(results));
    else {
      console.dir(results, { depth: 4 });
      console.log(`wrote bench/results/${file}`);
    }
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
    const probe = async () => {
      for (const c of children) c.send({ phase: 'probe', events: PROBE_EVENTS, publisher: 0 } satisfies ToWorker);
      const lags = (await all()).flatMap((m) => (m as Extract<FromWorker, { probe: unknown }>).probe).sort((a, b) => a - b);
      return { events: lags.length, expected: PROBE_EVENTS * (instances - 1), p50: percentile(lags, 0.5), p99: percentile(lags, 0.99), max: lags.at(-1) ?? Number.NaN };
    };
    log(`${instances} instances ready; warming up for ${warmMs / 1000} s…`);
    for (const c of children) c.send({ phase: 'warm', ms: warmMs } satisfies ToWorker);
    await all();
    const measure = async (rate: number | undefined): Promise<Point> => {
      const before = machineNow();
      for (const c of children) c.send({ phase: 'run', ms: runMs, ...(rate === undefined ? {} : { rate }) } satisfies ToWorker);
      const runs = (await all()).map((m) => (m as Extract<FromWorker, { run: unknown }>).run);
      return summarizeRun(runs, runMs, before, machineNow());
    };
    if (rates !== undefined) {
      const points: Array<{ mode: string; ratePerInstance: number | null } & Point> = [];
      for (const rate of rates) {
        log(`${rate === 'closed' ? `closed loop, ${concurrency} loops per instance` : `${rate} ops/s per instance`}: measuring for ${runMs / 1000} s (+${SETTLE_MS / 1000} s for late events)…`);
        const point = await measure(rate === 'closed' ? undefined : rate);
        log(`  propagation p50/p99/max ${point.propagationMs.p50.toFixed(1)} / ${point.propagationMs.p99.toFixed(1)} / ${point.propagationMs.max.toFixed(1)} ms, event-loop delay p99 ${point.eventLoopDelayMs.p50OfWorkerP99s.toFixed(1)} ms, instances' CPU ${point.cpu.instancesCores.toFixed(2)} cores, machine busy ${(point.cpu.machineBusy * 100).toFixed(0)}%, loadavg ${point.loadavg.after}`);
        points.push({ mode: rate === 'closed' ? 'closed-loop' : 'paced', ratePerInstance: rate === 'closed' ? null : rate, ...point });
      }
      log('propagation with the workload stopped…');
      const idle = await probe();
      const results = {
        command: `npx tsx bench/cluster.ts --instances ${instances}${quick ? ' --quick' : ''} --rate ${rates.join(',')}${arg('--seconds') === undefined ? '' : ` --seconds ${arg('--seconds')}`}`,
        date: new Date().toISOString(),
        machine: { cpus: cpus().length, node: process.version },
        topology: 'Redis Cluster 3 masters + 3 replicas on loopback; L1 + L2 per instance, no L3',
        warmup: `L2 seeded with every key, then ${warmMs / 1000} s of the closed-loop workload to fill each L1`,
        workload: { instances, keys: KEYS, zipfS: ZIPF_S, writeShare: WRITE_SHARE, invalidateShareOfWrites: INVALIDATE_SHARE, runMsPerPoint: runMs, settleMs: SETTLE_MS, maxOutstandingPerInstance: MAX_OUTSTANDING, closedLoopConcurrencyPerInstance: concurrency },
        notes: [
          'paced: each instance issues ops at a fixed rate (open loop), whatever the earlier ops still do; opLatencyMs counts from when an op was due',
          'propagation: events published during the point, applied up to settleMs after it; parts from the stream id time (1 ms resolution)',
          "cpu.instancesCores: the instance processes' CPU time (process.cpuUsage) over the point's wall time, summed; cpu.machineBusy: /proc/stat, every process on the machine (Redis, other jobs)",
        ],
        idlePropagationMs: idle,
        points,
      };
      write('cluster-paced.json', results);
      return;
    }
    log(`measuring for ${runMs / 1000} s…`);
    const run = await measure(undefined);

    log('propagation with the workload stopped…');
    const idle = await probe();

    log('stampede: concurrent getOrSet of one cold key…');
    const db = new Redis(dbPort, '127.0.0.1');
    await db.set('stampede:calls', 0);
    for (const c of children) c.send({ phase: 'stampede', key: 'cold-stampede-key' } satisfies ToWorker);
    await all();
    const stampedeCalls = Number(await db.get('stampede:calls'));
    db.disconnect();

    const results = {
      command: `npx tsx bench/cluster.ts --instances ${instances}${quick ? ' --quick' : ''}`,
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version },
      topology: 'Redis Cluster 3 masters + 3 replicas on loopback; L1 + L2 per instance, no L3',
      warmup: `L2 seeded with every key, then ${warmMs / 1000} s of the workload to fill each L1`,
      workload: { instances, keys: KEYS, zipfS: ZIPF_S, writeShare: WRITE_SHARE, invalidateShareOfWrites: INVALIDATE_SHARE, concurrencyPerInstance: concurrency, warmMs, runMs },
      throughput: run.throughput,
      hitRateAfterWarmup: run.hitRate,
      reads: run.reads,
      propagationMs: { underLoad: run.propagationMs, underLoadParts: run.propagationParts, idle },
      staleReads: run.staleReads,
      stampede: { instances, callsPerInstance: STAMPEDE_PER_INSTANCE, factoryCalls: stampedeCalls },
      // Each worker's event-loop delay while the workload ran (how long a ready callback waited for its turn): the
      // share of the propagation delay that is waiting for CPU.
      eventLoopDelayMs: run.eventLoopDelayMs,
      opLatencyMs: run.opLatencyMs,
      cpu: run.cpu,
      loadavg: run.loadavg,
    };
    // A quick pass must not overwrite the full run's figures.
    write(quick ? 'cluster-quick.json' : 'cluster.json', results);
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
