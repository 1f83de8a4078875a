import { Redis } from 'ioredis';
import { ErrorCode, StrataError } from '../errors.js';
import { withTimeout } from '../resilience/timeout.js';
import type { RedisConnection } from './connection.js';
import type { RedisMode } from './redisConfig.js';

export type NodeRole = 'master' | 'replica';

/** A data node as the topology describes it. */
export interface RedisNodeInfo {
  /** `host:port`. */
  address: string;
  role: NodeRole;
  /** The master's address, for a replica. */
  masterAddress: string | undefined;
  /** The cluster marks it failed (`fail` / `fail?` flags); always false outside a cluster. */
  flaggedFailing: boolean;
}

export interface NodeStats extends RedisNodeInfo {
  reachable: boolean;
  /** Keys over every database; undefined when unreachable. */
  keys: number | undefined;
  /** `instantaneous_ops_per_sec`. */
  opsPerSec: number | undefined;
  /** `used_memory` in bytes. */
  usedMemory: number | undefined;
  /** `maxmemory` in bytes; 0 = no limit. */
  maxMemory: number | undefined;
}

export interface ClusterStats {
  mode: RedisMode;
  /** `cluster_state` in a cluster; outside one, `ok` when the master answers, else `fail`. */
  state: 'ok' | 'fail';
  /** Slots served by a healthy master (`cluster_slots_ok`); null outside a cluster. */
  slotsCovered: number | null;
  /** Keys over the reachable masters. */
  keys: number;
  /** Operations per second over the reachable nodes. */
  opsPerSec: number;
  /** `used_memory` over the reachable nodes, bytes. */
  usedMemory: number;
  nodes: NodeStats[];
}

export interface NodeHealth extends RedisNodeInfo {
  reachable: boolean;
  /** PING round trip in ms; undefined when unreachable. */
  latencyMs: number | undefined;
  error: string | undefined;
}

export interface ReplicationLag {
  replica: string;
  master: string;
  /** The replica's link as its master reports it (`online`, `wait_bgsave`…). */
  state: string;
  /** `master_repl_offset` minus the replica's acknowledged offset, in bytes. */
  offsetLag: number;
  /** Seconds since the replica last acknowledged (`lag` in INFO replication). */
  lagSeconds: number | undefined;
}

export interface MemoryForecast {
  address: string;
  usedMemory: number;
  /** 0 = no `maxmemory`. */
  maxMemory: number;
  /** Growth of `used_memory` over the sampled window (least squares), bytes per second. */
  bytesPerSecond: number;
  /** Time until `used_memory` reaches `maxmemory` at that growth; null with no limit, no growth or one sample. */
  msUntilFull: number | null;
}

export interface RedisMonitorOptions {
  /** Per-node timeout of every monitoring command. */
  timeoutMs?: number;
  /** `used_memory` samples kept per node for the forecast. */
  maxSamples?: number;
}

type Info = Map<string, string>;

function parseInfo(text: string): Info {
  const info: Info = new Map();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) info.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return info;
}

/** `a=1,b=2` (INFO's nested values) into a map. */
function parsePairs(text: string): Map<string, string> {
  return new Map(text.split(',').map((pair) => pair.split('=', 2) as [string, string]));
}

function numberOf(info: Info, field: string): number | undefined {
  const value = info.get(field);
  return value === undefined ? undefined : Number(value);
}

function keysOf(info: Info): number {
  let keys = 0;
  for (const [field, value] of info) if (/^db\d+$/.test(field)) keys += Number(parsePairs(value).get('keys') ?? 0);
  return keys;
}

/** Least-squares slope of (t ms, bytes) samples, in bytes per ms. */
function slope(samples: ReadonlyArray<{ t: number; bytes: number }>): number {
  const n = samples.length;
  const meanT = samples.reduce((s, p) => s + p.t, 0) / n;
  const meanB = samples.reduce((s, p) => s + p.bytes, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of samples) {
    num += (p.t - meanT) * (p.bytes - meanB);
    den += (p.t - meanT) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/**
 * Health and capacity of the Redis behind a connection, for the server's API and the dashboard:
 * cluster stats, node health, replication lag and a memory forecast. It finds the nodes itself (CLUSTER NODES,
 * Sentinel, INFO replication) and talks to each over its own short-timeout connection, so a dead node shows as
 * unreachable instead of stalling the report.
 */
export class RedisMonitor {
  private readonly connection: RedisConnection;
  private readonly timeoutMs: number;
  private readonly maxSamples: number;
  private readonly clients = new Map<string, { client: Redis; ready: Promise<void> }>();
  private readonly samples = new Map<string, Array<{ t: number; bytes: number }>>();

  constructor(connection: RedisConnection, options: RedisMonitorOptions = {}) {
    this.connection = connection;
    this.timeoutMs = options.timeoutMs ?? 1000;
    this.maxSamples = options.maxSamples ?? 60;
  }

  /** The data nodes: masters and replicas. */
  async nodes(): Promise<RedisNodeInfo[]> {
    const { mode } = this.connection;
    if (mode === 'cluster') return this.clusterNodes();
    const master = mode === 'sentinel' ? await this.sentinelMaster() : this.addressOf(this.connection.config.nodes[0]);
    const nodes: RedisNodeInfo[] = [{ address: master, role: 'master', masterAddress: undefined, flaggedFailing: false }];
    const replication = await this.info(master, 'replication').catch(() => undefined);
    for (const [field, value] of replication ?? []) {
      if (!/^slave\d+$/.test(field)) continue;
      const pairs = parsePairs(value);
      nodes.push({ address: `${pairs.get('ip')}:${pairs.get('port')}`, role: 'replica', masterAddress: master, flaggedFailing: false });
    }
    return nodes;
  }

  async clusterStats(): Promise<ClusterStats> {
    const nodes = await this.nodes();
    const stats = await Promise.all(
      nodes.map(async (node): Promise<NodeStats> => {
        const info = await this.info(node.address).catch(() => undefined);
        if (info === undefined) {
          return { ...node, reachable: false, keys: undefined, opsPerSec: undefined, usedMemory: undefined, maxMemory: undefined };
        }
        return {
          ...node,
          reachable: true,
          keys: keysOf(info),
          opsPerSec: numberOf(info, 'instantaneous_ops_per_sec'),
          usedMemory: numberOf(info, 'used_memory'),
          maxMemory: numberOf(info, 'maxmemory'),
        };
      }),
    );
    const reachable = stats.filter((s) => s.reachable);
    let state: 'ok' | 'fail' = reachable.some((s) => s.role === 'master') ? 'ok' : 'fail';
    let slotsCovered: number | null = null;
    if (this.connection.mode === 'cluster') {
      const answering = reachable.find((s) => !s.flaggedFailing);
      const info = answering === undefined ? undefined : parseInfo(String(await this.command(answering.address, 'CLUSTER', 'INFO')));
      state = info?.get('cluster_state') === 'ok' ? 'ok' : 'fail';
      slotsCovered = info === undefined ? 0 : (numberOf(info, 'cluster_slots_ok') ?? 0);
    }
    return {
      mode: this.connection.mode,
      state,
      slotsCovered,
      keys: reachable.filter((s) => s.role === 'master').reduce((sum, s) => sum + (s.keys ?? 0), 0),
      opsPerSec: reachable.reduce((sum, s) => sum + (s.opsPerSec ?? 0), 0),
      usedMemory: reachable.reduce((sum, s) => sum + (s.usedMemory ?? 0), 0),
      nodes: stats,
    };
  }

  async nodeHealth(): Promise<NodeHealth[]> {
    const nodes = await this.nodes();
    return Promise.all(
      nodes.map(async (node): Promise<NodeHealth> => {
        const started = performance.now();
        try {
          await this.command(node.address, 'PING');
          return { ...node, reachable: true, latencyMs: performance.now() - started, error: undefined };
        } catch (err) {
          return { ...node, reachable: false, latencyMs: undefined, error: err instanceof Error ? err.message : String(err) };
        }
      }),
    );
  }

  /** One entry per replica that a reachable master reports. */
  async replicationLag(): Promise<ReplicationLag[]> {
    const masters = (await this.nodes()).filter((n) => n.role === 'master' && !n.flaggedFailing);
    const perMaster = await Promise.all(
      masters.map(async (master) => {
        const info = await this.info(master.address, 'replication').catch(() => undefined);
        if (info === undefined) return [];
        const masterOffset = numberOf(info, 'master_repl_offset') ?? 0;
        const lags: ReplicationLag[] = [];
        for (const [field, value] of info) {
          if (!/^slave\d+$/.test(field)) continue;
          const pairs = parsePairs(value);
          const lag = pairs.get('lag');
          lags.push({
            replica: `${pairs.get('ip')}:${pairs.get('port')}`,
            master: master.address,
            state: pairs.get('state') ?? 'unknown',
            offsetLag: Math.max(0, masterOffset - Number(pairs.get('offset') ?? 0)),
            lagSeconds: lag === undefined ? undefined : Number(lag),
          });
        }
        return lags;
      }),
    );
    return perMaster.flat();
  }

  /** Records `used_memory` and `maxmemory` of every reachable node; `memoryForecast` calls it too. */
  async sampleMemory(): Promise<Map<string, { usedMemory: number; maxMemory: number }>> {
    const nodes = await this.nodes();
    const current = new Map<string, { usedMemory: number; maxMemory: number }>();
    await Promise.all(
      nodes.map(async (node) => {
        const info = await this.info(node.address, 'memory').catch(() => undefined);
        const usedMemory = info === undefined ? undefined : numberOf(info, 'used_memory');
        if (info === undefined || usedMemory === undefined) return;
        current.set(node.address, { usedMemory, maxMemory: numberOf(info, 'maxmemory') ?? 0 });
        const series = this.samples.get(node.address) ?? [];
        series.push({ t: Date.now(), bytes: usedMemory });
        if (series.length > this.maxSamples) series.shift();
        this.samples.set(node.address, series);
      }),
    );
    return current;
  }

  /** Takes a sample, then extrapolates each node's `used_memory` trend to its `maxmemory`. */
  async memoryForecast(): Promise<MemoryForecast[]> {
    const current = await this.sampleMemory();
    return [...current].map(([address, { usedMemory, maxMemory }]) => {
      const series = this.samples.get(address) ?? [];
      const perMs = series.length < 2 ? 0 : slope(series);
      const msUntilFull = maxMemory > 0 && perMs > 0 ? Math.max(0, (maxMemory - usedMemory) / perMs) : null;
      return { address, usedMemory, maxMemory, bytesPerSecond: perMs * 1000, msUntilFull };
    });
  }

  async close(): Promise<void> {
    for (const { client } of this.clients.values()) client.disconnect();
    this.clients.clear();
  }

  private addressOf(node: { host: string; port: number } | undefined): string {
    if (node === undefined) throw new StrataError(ErrorCode.INVALID_REDIS_CONFIG, 'no Redis node configured');
    return `${node.host}:${node.port}`;
  }

  private async clusterNodes(): Promise<RedisNodeInfo[]> {
    const seeds = [...this.connection.masters().map((n) => `${n.options.host}:${n.options.port}`), ...this.connection.config.nodes.map((n) => this.addressOf(n))];
    let lastError: unknown;
    for (const seed of new Set(seeds)) {
      try {
        return this.parseClusterNodes(String(await this.command(seed, 'CLUSTER', 'NODES')));
      } catch (err) {
        lastError = err;
      }
    }
    throw new StrataError(ErrorCode.TIER_FAILURE, 'no cluster node answered CLUSTER NODES', { cause: lastError });
  }

  private parseClusterNodes(text: string): RedisNodeInfo[] {
    const lines = text.split('\n').filter((l) => l.trim() !== '').map((l) => l.split(' '));
    const addressById = new Map(lines.map((f) => [f[0] as string, (f[1] as string).split('@')[0] as string]));
    return lines
      .filter((f) => !(f[2] ?? '').includes('noaddr') && !(f[2] ?? '').includes('handshake'))
      .map((f) => {
        const flags = (f[2] ?? '').split(',');
        const replica = flags.includes('slave');
        return {
          address: addressById.get(f[0] as string) as string,
          role: replica ? 'replica' : 'master',
          masterAddress: replica ? addressById.get(f[3] as string) : undefined,
          flaggedFailing: flags.includes('fail') || flags.includes('fail?'),
        };
      });
  }

  private async sentinelMaster(): Promise<string> {
    const { sentinels, name } = this.connection.config;
    let lastError: unknown;
    for (const sentinel of sentinels) {
      try {
        const reply = (await this.command(this.addressOf(sentinel), 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name as string)) as string[] | null;
        if (reply !== null) return `${reply[0]}:${reply[1]}`;
      } catch (err) {
        lastError = err;
      }
    }
    throw new StrataError(ErrorCode.TIER_FAILURE, `no Sentinel knows the master '${name}'`, { cause: lastError });
  }

  private async info(address: string, section?: string): Promise<Info> {
    const reply = section === undefined ? await this.command(address, 'INFO') : await this.command(address, 'INFO', section);
    return parseInfo(String(reply));
  }

  /** One command on the node's own monitoring connection; a Sentinel address gets no data-node credentials. */
  private async command(address: string, ...args: string[]): Promise<unknown> {
    let entry = this.clients.get(address);
    if (entry === undefined || entry.client.status === 'end' || entry.client.status === 'close') {
      entry?.client.disconnect();
      const colon = address.lastIndexOf(':');
      const isSentinel = this.connection.config.sentinels.some((s) => this.addressOf(s) === address);
      const { username, password, tls } = this.connection.config;
      const client = new Redis({
        host: address.slice(0, colon),
        port: Number(address.slice(colon + 1)),
        username: isSentinel ? undefined : username,
        password: isSentinel ? undefined : password,
        tls,
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        connectTimeout: this.timeoutMs,
      });
      client.on('error', () => undefined);
      const ready = client.connect();
      ready.catch(() => undefined);
      entry = { client, ready };
      this.clients.set(address, entry);
    }
    const { client, ready } = entry;
    return withTimeout(
      ready.then(() => client.call(args[0] as string, ...args.slice(1))),
      this.timeoutMs,
      `${args.join(' ')} on ${address}`,
    );
  }
}
