import { ragTotals, type ClusterStats, type MemoryForecast, type NodeHealth, type ReplicationLag, type RedisMonitor, type Strata, type StrataMetrics } from '../index.js';

/** What the Redis monitor reports, or why it could not. */
export type RedisReport =
  | { configured: false; message: string }
  | { configured: true; monitored: false; message: string; breaker: string | undefined }
  | { configured: true; monitored: true; cluster: ClusterStats | undefined; health: NodeHealth[]; replication: ReplicationLag[]; memory: MemoryForecast[]; error: string | undefined };

const NO_L2 = 'no L2 configured: this server runs the embedded default (L1 memory + L3 disk). Start it with --redis <url> or REDIS_URL to add Redis.';

/** Asks the monitor at most once per `maxAgeMs`, so a dashboard polling every second costs a few INFO calls, not more. */
export class RedisReporter {
  private last: { at: number; report: Promise<RedisReport> } | undefined;

  constructor(
    private readonly cache: Strata,
    private readonly monitor: RedisMonitor | undefined,
    private readonly maxAgeMs = 1000,
  ) {}

  report(): Promise<RedisReport> {
    const now = Date.now();
    if (this.last === undefined || now - this.last.at >= this.maxAgeMs) this.last = { at: now, report: this.fetch() };
    return this.last.report;
  }

  private async fetch(): Promise<RedisReport> {
    const l2 = this.cache.tiers().l2;
    if (l2 === undefined) return { configured: false, message: NO_L2 };
    const breaker = (l2 as { stats?: () => { breaker?: string } }).stats?.().breaker;
    if (this.monitor === undefined) {
      return { configured: true, monitored: false, message: 'L2 is configured but the server was given no RedisMonitor, so node health is unknown', breaker };
    }
    const errors: string[] = [];
    const settle = async <T>(work: Promise<T>, fallback: T): Promise<T> => {
      try {
        return await work;
      } catch (err) {
        errors.push(err instanceof Error ? err.message : String(err));
        return fallback;
      }
    };
    const [cluster, health, replication, memory] = await Promise.all([
      settle<ClusterStats | undefined>(this.monitor.clusterStats(), undefined),
      settle<NodeHealth[]>(this.monitor.nodeHealth(), []),
      settle<ReplicationLag[]>(this.monitor.replicationLag(), []),
      settle<MemoryForecast[]>(this.monitor.memoryForecast(), []),
    ]);
    return { configured: true, monitored: true, cluster, health, replication, memory, error: errors.length === 0 ? undefined : errors.join('; ') };
  }
}

interface Totals {
  hits: { l1: number; l2: number; l3: number };
  misses: number;
  sets: number;
  deletes: number;
  staleServed: number;
}

/** Sums of every namespace and class: the dashboard derives rates from two of them. */
export function totalsOf(cache: Strata): Totals {
  const totals: Totals = { hits: { l1: 0, l2: 0, l3: 0 }, misses: 0, sets: 0, deletes: 0, staleServed: 0 };
  for (const name of cache.namespaces()) {
    for (const c of Object.values(cache.namespace(name).stats().classes)) {
      totals.hits.l1 += c.hits.l1;
      totals.hits.l2 += c.hits.l2;
      totals.hits.l3 += c.hits.l3;
      totals.misses += c.misses;
      totals.sets += c.sets;
      totals.deletes += c.deletes;
      totals.staleServed += c.staleServed;
    }
  }
  return totals;
}

function latency(window: StrataMetrics['recent']['l2']): { p50: number; p90: number; p99: number; samples: number } | null {
  const p = window.percentiles([0.5, 0.9, 0.99]);
  return p === null ? null : { p50: p[0] as number, p90: p[1] as number, p99: p[2] as number, samples: window.size };
}

function statsOf(tier: unknown): Record<string, unknown> | undefined {
  const withStats = tier as { stats?: () => Record<string, unknown> } | undefined;
  return typeof withStats?.stats === 'function' ? withStats.stats() : undefined;
}

/** One poll of the dashboard. */
export async function dashboardData(cache: Strata, metrics: StrataMetrics, redis: RedisReporter, semanticEnabled: boolean, requests: number) {
  const { l2, l3 } = cache.tiers();
  const semantic = await ragTotals();
  return {
    at: Date.now(),
    uptimeSeconds: process.uptime(),
    mode: l2 === undefined ? 'embedded' : 'redis',
    namespaces: cache.namespaces(),
    requests,
    totals: totalsOf(cache),
    latency: { l2: latency(metrics.recent.l2), l3: latency(metrics.recent.l3), http: latency(metrics.recent.http) },
    tiers: { l1: cache.stats().l1 ?? null, l2: l2 === undefined ? null : (statsOf(l2) ?? {}), l3: l3 === undefined ? null : (statsOf(l3) ?? {}) },
    redis: await redis.report(),
    semantic: { enabled: semanticEnabled || semantic.hits + semantic.misses > 0, ...semantic },
  };
}
