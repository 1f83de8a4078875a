// Failover: SIGKILL a Redis master under a steady load and measure, per kill, how long until Strata's writes to the
// killed master's data succeed again, how many errors reached Strata's callers, and how many writes acknowledged
// with replication confirmed are missing afterwards. A raw ioredis client (built with Strata's own connection
// options, so the same slot refresh and retry settings) writes beside Strata under the same kill.
//
//   npx tsx bench/failover.ts [--topology cluster|sentinel|both] [--kills n] [--quick] [--json]
//
// Writes results/failover.json (failover-<topology>.json for one topology; -quick with --quick).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import calculateSlot from 'cluster-key-slot';
import { decodeEntry } from '../src/codec/envelope.js';
import { createRedisClient, createStrata, RedisTier, type RedisConnection, type Strata } from '../src/index.js';
import { buildIoredisClient } from '../src/redis/connection.js';
import { resolveRedisConfig } from '../src/redis/redisConfig.js';
import { adminClient, adminCommand, LOCAL_SENTINEL_MASTER, startLocalTopology, waitForClusterHealthy, type LocalTopology } from '../src/redis/localTopology.js';
import { compareRounds, spreadOf } from './lib/compare.js';
import { log, newResult, RESULTS_DIR } from './lib/suite.js';
import type { SuiteResult } from './report/types.js';

export type FailoverTopology = 'cluster' | 'sentinel';

export interface FailoverOptions {
  /** Which local topologies to start and kill masters in, in this order. */
  topologies: readonly FailoverTopology[];
  /** Masters killed per topology (the killed node is restarted and rejoins before the next kill). */
  kills: number;
  /** Shorter warm-up and observation window per kill (results go to the -quick file). */
  quick: boolean;
}

/** What one client saw during one kill. */
export interface ClientRun {
  /** From the kill until the first write of the killed master's keys that succeeded (undefined: none in the window). */
  recoveryMs: number | undefined;
  /** Writes of the killed master's keys from the kill until recovery. */
  outage: { ok: number; failed: number };
  /** Writes of the killed master's keys in the observation window after recovery: a failure here is a relapse. */
  afterRecovery: { ok: number; failed: number };
  /** Errors thrown at the caller (for Strata: by get, getOrSet, set, setWithInfo). */
  callerErrors: number;
  /** Writes acknowledged with replication confirmed. */
  acknowledged: number;
  /** Acknowledged writes missing from Redis (or holding another value) once the failover settled. */
  lost: number;
}

/** Strata reads of keys on the masters that were not killed (Cluster only), through an L2-only class. */
export interface HealthyShardReads {
  /** Reads started after the kill and done before Strata's writes to the killed shard recovered. */
  outage: ReadTally;
  /** Reads before the kill: the same reads with every shard up. */
  beforeKill: ReadTally;
}

/** Reads in a window: how many L2 answered, and how long the others took (a refused read takes no time, a timed-out one the soft timeout). */
export interface ReadTally {
  answered: number;
  total: number;
  unansweredMs: number;
}

export interface KillRun {
  topology: FailoverTopology;
  /** From the kill until the replica reported itself master (ROLE), polled every `PROMOTION_POLL_MS`. */
  promotedMs: number | undefined;
  /** From the kill until Strata's Cluster connection had its slot map on the promoted replica (`onRecovery`); Cluster only. */
  strataSawTakeoverMs: number | undefined;
  /** From the kill until that connection saw every other master serve again (they answer CLUSTERDOWN until gossip tells them). */
  strataSawSettledMs: number | undefined;
  strata: ClientRun;
  raw: ClientRun;
  /** Cluster only: whether the shards that were not killed kept answering Strata from L2. */
  healthyShardReads?: HealthyShardReads;
}

/** The failure detection settings of the local topologies (src/redis/localTopology.ts). */
const DETECTION_MS: Record<FailoverTopology, { ms: number; setting: string }> = {
  cluster: { ms: 2000, setting: 'cluster-node-timeout' },
  sentinel: { ms: 1000, setting: 'down-after-milliseconds' },
};
/** The acceptance bound: writes succeed again within the detection setting plus this. */
const BOUND_EXTRA_MS = 2000;
const PREFIX = 'fo';
const STRATA_LABEL = 'Strata';
const RAW_LABEL = 'ioredis (raw client, Strata connection options)';
/** Pause between two operations of one load loop: a steady load that leaves the shared cores to Redis. */
const PAUSE_MS = 4;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Times of the writes of the killed master's data, to find when writes came back for good. */
class WriteLog {
  private readonly events: Array<{ start: number; end: number; ok: boolean }> = [];
  callerErrors = 0;
  acknowledged = new Map<string, string>();

  record(start: number, ok: boolean): void {
    this.events.push({ start, end: performance.now(), ok });
  }

  /** When the first write started after `killedAt` succeeded (performance.now), if one did. */
  recoveredAt(killedAt: number): number | undefined {
    let first: number | undefined;
    for (const e of this.events) if (e.ok && e.start >= killedAt && (first === undefined || e.end < first)) first = e.end;
    return first;
  }

  /** Recovery figures relative to `killedAt`. */
  summary(killedAt: number): Pick<ClientRun, 'recoveryMs' | 'outage' | 'afterRecovery'> {
    const recoveredAt = this.recoveredAt(killedAt) ?? Infinity;
    const tally = (events: typeof this.events) => ({ ok: events.filter((e) => e.ok).length, failed: events.filter((e) => !e.ok).length });
    return {
      recoveryMs: recoveredAt === Infinity ? undefined : Math.round(recoveredAt - killedAt),
      outage: tally(this.events.filter((e) => e.start >= killedAt && e.end < recoveredAt)),
      afterRecovery: tally(this.events.filter((e) => e.end > recoveredAt)),
    };
  }
}

interface Victim {
  name: string;
  port: number;
  /** Its replicas: one of them is promoted. */
  replicaPorts: number[];
  /** Whether a full Redis key lives on the victim (always true with Sentinel). */
  owns: (fullKey: string) => boolean;
}

/** CLUSTER SLOTS: start, end, then the master's [host, port, id] (replicas follow). */
type SlotsReply = Array<[number, number, [string, number, ...unknown[]]]>;

async function clusterVictim(topology: LocalTopology, round: number): Promise<Victim> {
  const alive = topology.nodes.filter((n) => n.pid > 0 && n.kind === 'server');
  const slots = (await adminCommand(alive[0]!.port, 'CLUSTER', 'SLOTS')) as SlotsReply;
  const masters = [...new Set(slots.map((r) => Number(r[2][1])))].sort((a, b) => a - b);
  const port = masters[round % masters.length]!;
  const owned = slots.filter((r) => Number(r[2][1]) === port).map((r) => [r[0], r[1]] as const);
  return {
    name: topology.nodes.find((n) => n.port === port)!.name,
    port,
    replicaPorts: await replicasOf(port),
    owns: (key) => {
      const slot = calculateSlot(key);
      return owned.some(([start, end]) => start <= slot && slot <= end);
    },
  };
}

/** The replicas a master streams to, from its ROLE reply. */
async function replicasOf(port: number): Promise<number[]> {
  const role = (await adminCommand(port, 'ROLE')) as [string, number, Array<[string, string, string]>];
  return role[2].map((r) => Number(r[1]));
}

/** The ports among these that serve as replicas now (a node restarted a moment ago may still call itself master). */
async function replicasAmong(ports: readonly number[]): Promise<number[]> {
  const roles = await Promise.all(ports.map((p) => adminCommand(p, 'ROLE').catch(() => undefined)));
  return ports.filter((_, i) => Array.isArray(roles[i]) && (roles[i] as unknown[])[0] === 'slave');
}

async function sentinelMasterPort(topology: LocalTopology): Promise<number> {
  const reply = (await adminCommand(topology.sentinelPorts[0]!, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', LOCAL_SENTINEL_MASTER)) as string[];
  return Number(reply[1]);
}

async function sentinelVictim(topology: LocalTopology): Promise<Victim> {
  const port = await sentinelMasterPort(topology);
  return {
    name: topology.nodes.find((n) => n.port === port)!.name,
    port,
    // Any replica Sentinel knows may be promoted, linked to this master right now or not.
    replicaPorts: await replicasAmong(topology.serverPorts.filter((p) => p !== port)),
    owns: () => true,
  };
}

/** How often the replicas are asked for their ROLE after the kill: the promotion time is this precise. */
const PROMOTION_POLL_MS = 10;

/**
 * Resolves to the time (performance.now) a replica of the victim first answers ROLE as master: every replica is asked
 * every `PROMOTION_POLL_MS` on a connection kept open (a connection per ask cost a few ms each), opened again when it
 * was closed (Sentinel disconnects the clients of the replica it promotes).
 */
async function watchPromotion(victim: Victim, stop: () => boolean): Promise<number | undefined> {
  const clients = victim.replicaPorts.map((port) => adminClient(port));
  const ask = async (i: number) => {
    if (clients[i]!.status === 'end') clients[i] = adminClient(victim.replicaPorts[i]!);
    const client = clients[i]!;
    if (client.status === 'wait') await client.connect();
    return client.call('ROLE');
  };
  try {
    while (!stop()) {
      const roles = await Promise.all(clients.map((_, i) => ask(i).catch(() => undefined)));
      if (roles.some((role) => Array.isArray(role) && role[0] === 'master')) return performance.now();
      await sleep(PROMOTION_POLL_MS);
    }
    return undefined;
  } finally {
    for (const c of clients) c.disconnect();
  }
}

/** Keys whose full Redis key the victim owns: `${base}${n}` for increasing n. */
function* ownedKeys(victim: Victim, fullPrefix: string, base: string): Generator<string> {
  for (let n = 0; ; n++) if (victim.owns(`${fullPrefix}${base}${n}`)) yield `${base}${n}`;
}

/**
 * Writes the victim's keys one after another while the run lasts, recording each write's start and whether the store
 * took it (`write` resolves true); a write that throws is a caller error as well as a failed write.
 */
async function timedWrites(keys: Generator<string>, writes: WriteLog, running: () => boolean, write: (key: string) => Promise<boolean>): Promise<void> {
  while (running()) {
    const key = keys.next().value as string;
    const start = performance.now();
    try {
      writes.record(start, await write(key));
    } catch {
      writes.callerErrors++;
      writes.record(start, false);
    }
    await sleep(PAUSE_MS);
  }
}

/** A class with no L1, so every read of it is an L2 read (the healthy-shard reads). */
const L2_ONLY_CLASS = 'l2_only';
/** Keys read on the shards that were not killed. */
const HEALTHY_KEYS = 200;

/**
 * Strata with its defaults (only L3 off: the disk plays no part in a Redis failover), plus an L2-only class for the
 * healthy-shard reads. The L2 tier is built here, as `createStrata` builds it from a URL, to hear when its connection
 * saw a replica take over (`onRecovery`).
 */
function strataOn(url: string): { cache: Strata; connection: RedisConnection } {
  const connection = createRedisClient(url);
  const classes = { [L2_ONLY_CLASS]: { tiers: ['l2' as const], ttl: '1h' } };
  return { cache: createStrata({ prefix: PREFIX, l2: new RedisTier(connection), l3: false, classes }), connection };
}

/** When each healthy-shard read started and whether L2 answered it (an L2-only class: undefined means L2 did not). */
class ReadLog {
  readonly events: Array<{ start: number; end: number; answered: boolean }> = [];

  /** Reads started at or after `from` and done before `to`. */
  tally(from: number, to: number): ReadTally {
    const within = this.events.filter((e) => e.start >= from && e.end < to);
    const unanswered = within.filter((e) => !e.answered);
    return { answered: within.length - unanswered.length, total: within.length, unansweredMs: Math.round(unanswered.reduce((s, e) => s + e.end - e.start, 0)) };
  }
}

/**
 * Writes `HEALTHY_KEYS` keys that the victim does not own, then reads them round robin while the run lasts: the
 * share L2 answers during the outage is what a failed shard costs the others.
 */
async function healthyShardReads(cache: Strata, victim: Victim, reads: ReadLog, running: () => boolean): Promise<void> {
  const keys: string[] = [];
  for (let n = 0; keys.length < HEALTHY_KEYS; n++) if (!victim.owns(`${PREFIX}:default:${L2_ONLY_CLASS}:h:${n}`)) keys.push(`h:${n}`);
  await Promise.all(keys.map((key) => cache.set(key, { key }, { class: L2_ONLY_CLASS })));
  for (let n = 0; running(); n++) {
    const start = performance.now();
    let answered = false;
    try {
      answered = (await cache.get(keys[n % keys.length] as string, { class: L2_ONLY_CLASS })) !== undefined;
    } catch {
      // A caller error: counted by the other loops' figures, here only as not answered.
    }
    reads.events.push({ start, end: performance.now(), answered });
    await sleep(PAUSE_MS);
  }
}

async function strataLoad(cache: Strata, victim: Victim, writes: WriteLog, reads: ReadLog | undefined, running: () => boolean): Promise<void> {
  const plain = ownedKeys(victim, `${PREFIX}:default:products:`, 'p:');
  const plainLoop = () => timedWrites(plain, writes, running, async (key) => (await cache.setWithInfo(key, { key }, { class: 'products' })).tiers.includes('l2'));
  const replicatedLoop = async () => {
    for (let n = 0; running(); n++) {
      const key = `a:${n}`;
      try {
        const info = await cache.setWithInfo(key, { n }, { class: 'llm_responses' });
        if (info.replicated === true) writes.acknowledged.set(`${PREFIX}:default:llm_responses:${key}`, String(n));
      } catch {
        writes.callerErrors++;
      }
      await sleep(PAUSE_MS);
    }
  };
  const readLoop = async () => {
    for (let n = 0; running(); n++) {
      try {
        await cache.get(`a:${Math.floor(Math.random() * (n + 1))}`, { class: 'llm_responses' });
        await cache.getOrSet(`g:${n % 500}`, () => ({ n }), { class: 'products' });
        await cache.set(`s:${n % 500}`, { n }, { class: 'search_results' });
      } catch {
        writes.callerErrors++;
      }
      await sleep(PAUSE_MS);
    }
  };
  await Promise.all([plainLoop(), plainLoop(), replicatedLoop(), readLoop(), reads === undefined ? undefined : healthyShardReads(cache, victim, reads, running)]);
}

async function rawLoad(client: ReturnType<typeof buildIoredisClient>, victim: Victim, writes: WriteLog, running: () => boolean): Promise<void> {
  const plain = ownedKeys(victim, '', 'raw:p:');
  const plainLoop = () =>
    timedWrites(plain, writes, running, async (key) => {
      await client.set(key, 'v');
      return true;
    });
  const replicatedLoop = async () => {
    for (let n = 0; running(); n++) {
      const key = `raw:a:${n}`;
      try {
        // WAIT in the same pipeline runs on the node that took the SET, as in Strata's L2 tier.
        const replies = await client.pipeline().set(key, String(n)).wait(1, 500).exec();
        const failed = replies === null || replies.some(([err]) => err !== null);
        if (failed) writes.callerErrors++;
        else if (Number(replies[1]![1]) >= 1) writes.acknowledged.set(key, String(n));
      } catch {
        writes.callerErrors++;
      }
      await sleep(PAUSE_MS);
    }
  };
  await Promise.all([plainLoop(), plainLoop(), replicatedLoop()]);
}

/** Reads every acknowledged key back from Redis on a fresh connection; counts the missing and the changed ones. */
async function countLost(url: string, strata: Map<string, string>, raw: Map<string, string>): Promise<{ strata: number; raw: number }> {
  const reader = createRedisClient(url);
  try {
    const read = async (key: string) => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await reader.client.getBuffer(key);
        } catch (err) {
          if (attempt >= 20) throw err;
          await sleep(100);
        }
      }
    };
    let strataLost = 0;
    await Promise.all(
      [...strata].map(async ([key, n]) => {
        const bytes = await read(key);
        const value = bytes === null ? undefined : (decodeEntry(bytes).value as { n?: number } | undefined);
        if (String(value?.n) !== n) strataLost++;
      }),
    );
    let rawLost = 0;
    await Promise.all(
      [...raw].map(async ([key, n]) => {
        const bytes = await read(key);
        if (bytes?.toString() !== n) rawLost++;
      }),
    );
    return { strata: strataLost, raw: rawLost };
  } finally {
    await reader.close();
  }
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`failover bench: ${what} did not happen within ${timeoutMs} ms`);
}

/** Restarts the killed node and waits until it serves as a replica again, so the next kill starts from a whole topology. */
async function rejoin(topology: LocalTopology, kind: FailoverTopology, victim: Victim): Promise<void> {
  await topology.restart(victim.name);
  if (kind === 'cluster') {
    await waitForClusterHealthy(topology.serverPorts);
    return;
  }
  await waitUntil(
    'the old master rejoining as a connected replica',
    async () => {
      const info = String(await adminCommand(victim.port, 'INFO', 'replication'));
      return /role:slave/.test(info) && /master_link_status:up/.test(info);
    },
    30_000,
  );
}

/** One kill under load; with `rejoin`, the killed node is restarted and rejoins before it returns. */
async function killOnce(topology: LocalTopology, kind: FailoverTopology, round: number, quick: boolean, rejoinAfter: boolean): Promise<KillRun> {
  const victim = kind === 'cluster' ? await clusterVictim(topology, round) : await sentinelVictim(topology);
  const { cache, connection } = strataOn(topology.url);
  let takeoverAt: number | undefined;
  let settledAt: number | undefined;
  connection.onRecovery((recovery) => {
    if (recovery.kind !== 'failover') return;
    if (takeoverAt === undefined) takeoverAt = performance.now();
    if (recovery.settled && settledAt === undefined) settledAt = performance.now();
  });
  const raw = buildIoredisClient(resolveRedisConfig(topology.url));
  raw.on('error', () => undefined);
  const strataWrites = new WriteLog();
  const rawWrites = new WriteLog();
  const healthyReads = kind === 'cluster' ? new ReadLog() : undefined;
  let running = true;
  const startedAt = performance.now();
  const loads = Promise.all([strataLoad(cache, victim, strataWrites, healthyReads, () => running), rawLoad(raw, victim, rawWrites, () => running)]);
  await sleep(quick ? 700 : 1500);
  await topology.kill(victim.name);
  const killedAt = performance.now();
  let watching = true;
  const promotion = watchPromotion(victim, () => !watching);
  const observeMs = quick ? 1000 : 2000;
  const deadline = killedAt + 20_000;
  const observed = (writes: WriteLog) => performance.now() - (writes.recoveredAt(killedAt) ?? Infinity) >= observeMs;
  while (performance.now() < deadline && !(observed(strataWrites) && observed(rawWrites))) await sleep(50);
  running = false;
  await loads;
  watching = false;
  const promotedAt = await promotion;
  await cache.close();
  raw.disconnect();
  const lost = await countLost(topology.url, strataWrites.acknowledged, rawWrites.acknowledged);
  const run: KillRun = {
    topology: kind,
    promotedMs: promotedAt === undefined ? undefined : Math.round(promotedAt - killedAt),
    strataSawTakeoverMs: takeoverAt === undefined ? undefined : Math.round(takeoverAt - killedAt),
    strataSawSettledMs: settledAt === undefined ? undefined : Math.round(settledAt - killedAt),
    strata: { ...strataWrites.summary(killedAt), callerErrors: strataWrites.callerErrors, acknowledged: strataWrites.acknowledged.size, lost: lost.strata },
    raw: { ...rawWrites.summary(killedAt), callerErrors: rawWrites.callerErrors, acknowledged: rawWrites.acknowledged.size, lost: lost.raw },
  };
  if (healthyReads !== undefined) {
    run.healthyShardReads = {
      outage: healthyReads.tally(killedAt, strataWrites.recoveredAt(killedAt) ?? Infinity),
      beforeKill: healthyReads.tally(startedAt, killedAt),
    };
  }
  const healthy = run.healthyShardReads;
  log(
    `failover ${kind} kill ${round + 1}: promoted ${run.promotedMs} ms; ${kind === 'cluster' ? `Strata saw the takeover ${run.strataSawTakeoverMs} ms (settled ${run.strataSawSettledMs} ms), ` : ''}Strata writes back ${run.strata.recoveryMs} ms, caller errors ${run.strata.callerErrors}, ` +
      `lost ${run.strata.lost}/${run.strata.acknowledged}, relapses ${run.strata.afterRecovery.failed}/${run.strata.afterRecovery.ok + run.strata.afterRecovery.failed}; ` +
      `${healthy === undefined ? '' : `healthy-shard L2 reads answered during the outage ${healthy.outage.answered}/${healthy.outage.total} (unanswered ones took ${healthy.outage.unansweredMs} ms); `}raw ioredis back ${run.raw.recoveryMs} ms, errors ${run.raw.callerErrors}, lost ${run.raw.lost}/${run.raw.acknowledged}`,
  );
  if (rejoinAfter) await rejoin(topology, kind, victim);
  return run;
}

/** Runs `kills` master kills on each topology, each on a freshly started local topology. */
export async function measureFailover(options: FailoverOptions): Promise<KillRun[]> {
  const runs: KillRun[] = [];
  for (const kind of options.topologies) {
    const dir = mkdtempSync(join(tmpdir(), `strata-failover-${kind}-`));
    const topology = await startLocalTopology(kind, { dir, sentinelReplicas: 2 });
    try {
      for (let round = 0; round < options.kills; round++) runs.push(await killOnce(topology, kind, round, options.quick, round < options.kills - 1));
    } finally {
      await topology.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return runs;
}

const median = (values: number[]) => spreadOf(values).median;

/** The suite result: recovery per kill compared with the raw client, the acceptance targets, and every kill's figures. */
export function failoverResult(runs: readonly KillRun[], options: FailoverOptions): SuiteResult {
  const result = newResult('failover', 'Failover: a Redis master SIGKILLed under load (Cluster 3+3, Sentinel 1+2)', options.quick);
  result.command = `npx tsx bench/failover.ts --topology ${options.topologies.length === 2 ? 'both' : options.topologies[0]} --kills ${options.kills}${options.quick ? ' --quick' : ''}`;
  for (const kind of options.topologies) {
    const mine = runs.filter((r) => r.topology === kind);
    if (mine.length === 0) continue;
    const { ms, setting } = DETECTION_MS[kind];
    const bound = ms + BOUND_EXTRA_MS;
    // A kill after which writes never came back within the 20 s window counts as Infinity (null in the JSON).
    const recovery = (client: 'strata' | 'raw') => mine.map((r) => r[client].recoveryMs ?? Infinity);
    const perKill = new Map([
      [STRATA_LABEL, recovery('strata')],
      [RAW_LABEL, recovery('raw')],
    ]);
    const promoted = mine.map((r) => r.promotedMs).filter((v): v is number => v !== undefined);
    result.comparisons.push(
      compareRounds(`${kind}: write recovery after a master SIGKILL (${setting} ${ms} ms), one value per kill`, 'ms', true, STRATA_LABEL, perKill, {
        [STRATA_LABEL]: `replica promoted after ${promoted.join(', ')} ms; lag behind the promotion ${mine.map((r) => (r.strata.recoveryMs ?? NaN) - (r.promotedMs ?? NaN)).join(', ')} ms`,
        [RAW_LABEL]: `errors thrown at the caller per kill: ${mine.map((r) => r.raw.callerErrors).join(', ')}`,
      }),
    );
    const worst = Math.max(...recovery('strata'));
    const callerErrors = mine.reduce((s, r) => s + r.strata.callerErrors, 0);
    const lost = mine.reduce((s, r) => s + r.strata.lost, 0);
    result.targets.push({ name: `${kind}: Strata writes back after a master kill, worst of ${mine.length} (ms)`, value: worst, goal: `≤ ${bound} (${setting} + ${BOUND_EXTRA_MS})`, met: worst <= bound });
    result.targets.push({ name: `${kind}: errors reaching Strata's callers (get, getOrSet, set)`, value: callerErrors, goal: '= 0', met: callerErrors === 0 });
    result.targets.push({ name: `${kind}: acknowledged replicated writes lost`, value: lost, goal: '= 0', met: lost === 0 });
    result.figures[`${kind}:kills`] = mine.length;
    result.figures[`${kind}:recoveryMedianMs`] = median(recovery('strata'));
    result.figures[`${kind}:recoveryMaxMs`] = worst;
    result.figures[`${kind}:promotedMedianMs`] = promoted.length === 0 ? 'never' : median(promoted);
    result.figures[`${kind}:promotedMaxMs`] = promoted.length === 0 ? 'never' : Math.max(...promoted);
    const lags = mine.filter((r) => r.promotedMs !== undefined && r.strata.recoveryMs !== undefined).map((r) => (r.strata.recoveryMs as number) - (r.promotedMs as number));
    if (lags.length > 0) {
      result.figures[`${kind}:lagBehindPromotionMedianMs`] = median(lags);
      result.figures[`${kind}:lagBehindPromotionMaxMs`] = Math.max(...lags);
    }
    result.figures[`${kind}:writesFailedAfterRecovery`] = mine.reduce((s, r) => s + r.strata.afterRecovery.failed, 0);
    result.figures[`${kind}:writesAfterRecovery`] = mine.reduce((s, r) => s + r.strata.afterRecovery.failed + r.strata.afterRecovery.ok, 0);
    result.figures[`${kind}:callerErrors`] = callerErrors;
    result.figures[`${kind}:acknowledgedWrites`] = mine.reduce((s, r) => s + r.strata.acknowledged, 0);
    result.figures[`${kind}:lostWrites`] = lost;
    const healthy = mine.map((r) => r.healthyShardReads).filter((h): h is HealthyShardReads => h !== undefined);
    if (healthy.length > 0) {
      const answered = healthy.reduce((s, h) => s + h.outage.answered, 0);
      const total = healthy.reduce((s, h) => s + h.outage.total, 0);
      result.figures[`${kind}:healthyShardReadsDuringOutage`] = total;
      result.figures[`${kind}:healthyShardReadsAnsweredDuringOutage`] = answered;
      result.figures[`${kind}:healthyShardReadsAnsweredShare`] = total === 0 ? 'none' : Math.round((answered / total) * 1000) / 1000;
      result.figures[`${kind}:healthyShardReadsUnansweredMs`] = healthy.reduce((s, h) => s + h.outage.unansweredMs, 0);
      result.figures[`${kind}:healthyShardReadsAnsweredSharePerKill`] = healthy.map((h) => (h.outage.total === 0 ? 'none' : (h.outage.answered / h.outage.total).toFixed(3))).join(', ');
    }
    result.figures[`${kind}:raw:recoveryMedianMs`] = median(recovery('raw'));
    result.figures[`${kind}:raw:callerErrors`] = mine.reduce((s, r) => s + r.raw.callerErrors, 0);
    result.figures[`${kind}:raw:lostWrites`] = mine.reduce((s, r) => s + r.raw.lost, 0);
  }
  result.raw = { kills: runs };
  result.notes.push(
    `Recovery: from the SIGKILL until the first write of the killed master's keys (started after the kill) that reached Redis: for Strata, setWithInfo lists l2. Promotion: when a replica first answered ROLE as master (polled every ${PROMOTION_POLL_MS} ms); the bound counts from the kill, so Redis's own promotion time is part of it. Writes failed after recovery are counted over the next 2 s (1 s with --quick).`,
    'Cluster, per kill: "Strata saw the takeover" is when Strata\'s connection had its slot map on the promoted replica (its failover watch asks the failed master\'s replicas for CLUSTER SLOTS every 20 ms and loads the map from the one that took over); "settled" is when every other master served again (until gossip tells them of the promotion they answer CLUSTERDOWN, tens of ms). The L2 breaker is probed at both. After the takeover, replicated writes to the promoted shard skip WAIT (no replica to acknowledge until the old master rejoins), so they no longer hold its connection.',
    `Healthy-shard reads (Cluster): ${HEALTHY_KEYS} keys on the masters that were not killed, written before the kill and read round robin through a class without L1, so a read is answered only if L2 answered it; the share is over the reads started after the kill and done before Strata's writes to the killed shard came back (the outage). The reads are sequential: a refused read returns at once, one that waits for a timeout takes up to 500 ms, so the time the unanswered reads took is reported beside the count. Before per-master breakers, the killed shard's failures opened the one L2 breaker and these reads were refused with it.`,
    'Lost writes: every key written with replication confirmed (Strata: setWithInfo replicated; raw: WAIT 1 ≥ 1) is read back from Redis on a fresh connection after the load stops; missing or different values count.',
    'Peers: the raw ioredis client is built by buildIoredisClient, so it has the same slot refresh, retry and reconnect settings as Strata (but not the failover watch, the ended-client revival or the breaker of createRedisClient and the L2 tier); errors thrown at it are what a caller without Strata would see. BentoCache, cacheable and cache-manager are not run here: none takes a Cluster or Sentinel connection in the form this bench drives (their Redis drivers take one ioredis/keyv instance; their failover behaviour would be ioredis\'s, shown by the raw client).',
    'The machine is shared (2 cores, other engineers running work): the figures spread; the median and the worst kill are both reported.',
  );
  return result;
}

function resultFile(options: FailoverOptions): string {
  const which = options.topologies.length === 2 ? '' : `-${options.topologies[0]}`;
  return join(RESULTS_DIR, `failover${which}${options.quick ? '-quick' : ''}.json`);
}

/** Command line: parses the flags, runs, writes the results file and prints one JSON object with --json. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      topology: { type: 'string', default: 'both' },
      kills: { type: 'string' },
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const topology = values.topology;
  if (topology !== 'cluster' && topology !== 'sentinel' && topology !== 'both') throw new Error(`--topology must be cluster, sentinel or both (got '${topology}')`);
  const kills = values.kills === undefined ? (values.quick ? 1 : 5) : Number(values.kills);
  if (!Number.isInteger(kills) || kills < 1 || kills > 20) throw new Error('--kills must be an integer from 1 to 20');
  const options: FailoverOptions = { topologies: topology === 'both' ? ['cluster', 'sentinel'] : [topology], kills, quick: values.quick };
  const result = failoverResult(await measureFailover(options), options);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = resultFile(options);
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else log(`failover → ${path}`);
  process.exit(0);
}

// The full path, not the name: suites/failover.ts has the same name and imports this module.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
