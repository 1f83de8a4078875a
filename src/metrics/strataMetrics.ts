import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ByteTier } from '../tiers/tier.js';
import type { ClassStats } from './classStats.js';
import { LatencyWindow } from './latencyWindow.js';
import { ragMetrics } from './ragMetrics.js';

interface NamespaceStats {
  classes: Record<string, ClassStats>;
  l1: { entries: number; bytes: number; maxBytes: number; evictions: number; rejected: number } | undefined;
  inflight: number;
  /** The replicated log's state, once core reports it: how far this instance is behind the stream. */
  log?: { lagMs?: number; lagEvents?: number };
}

type MetricsEvent = 'tier:op' | 'tier:error' | 'stale:served' | 'factory:error' | 'decode:error' | 'invalidate';

/** The part of a `Strata` cache the metrics need. */
export interface MetricsSource {
  stats(): NamespaceStats;
  namespaces(): string[];
  namespace(name: string): { stats(): NamespaceStats };
  tiers(): { l2: ByteTier | undefined; l3: ByteTier | undefined };
  on(event: MetricsEvent, listener: (info: object) => void): unknown;
  off(event: MetricsEvent, listener: (info: object) => void): unknown;
}

export interface StrataMetricsOptions {
  /** Add Node's process metrics (CPU, memory, event-loop lag, GC); default true. */
  processMetrics?: boolean;
  /** Prefix of the process metrics' names (default `strata_`: `strata_process_resident_memory_bytes`…). */
  processPrefix?: string;
}

/** Stats a RedisTier or DiskTier exposes; read by shape so any ByteTier with the same fields is reported too. */
interface TierStatsShape {
  entries?: number;
  bytes?: number;
  maxBytes?: number;
  evictions?: number;
  hits?: number;
  misses?: number;
  errors?: number;
  timeouts?: number;
  circuitRejections?: number;
  breaker?: string;
}

const BREAKER_STATES = ['closed', 'half-open', 'open'] as const;
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

function tierStats(tier: ByteTier | undefined): TierStatsShape | undefined {
  const withStats = tier as (ByteTier & { stats?: () => TierStatsShape }) | undefined;
  return typeof withStats?.stats === 'function' ? withStats.stats() : undefined;
}

/**
 * A Prometheus registry over one cache: counters and gauges are read from `stats()` when scraped (nothing is
 * counted twice on the hit path), latency histograms and event counters are fed by the cache's events.
 */
export class StrataMetrics {
  readonly registry = new Registry();
  /** Recent L2/L3 call durations and HTTP request durations, for percentiles on the dashboard. */
  readonly recent = { l2: new LatencyWindow(), l3: new LatencyWindow(), http: new LatencyWindow() };
  private readonly source: MetricsSource;
  private readonly tierLatency: Histogram<'tier' | 'operation' | 'ok'>;
  private readonly httpLatency: Histogram<'method' | 'route' | 'status'>;
  private readonly events: Counter<'event'>;
  private readonly listeners: Array<[MetricsEvent, (info: object) => void]> = [];

  constructor(source: MetricsSource, options: StrataMetricsOptions = {}) {
    this.source = source;
    const registers = [this.registry];
    this.tierLatency = new Histogram({
      name: 'strata_tier_operation_duration_seconds',
      help: 'Duration of each L2 (Redis) and L3 (disk) call. L1 is not timed per call: its hits are synchronous lookups too short to time without slowing them; see strata_hits_total{tier="l1"}.',
      labelNames: ['tier', 'operation', 'ok'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.httpLatency = new Histogram({
      name: 'strata_http_request_duration_seconds',
      help: 'Duration of the sidecar server\'s HTTP requests, by route.',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.events = new Counter({
      name: 'strata_events_total',
      help: 'Cache events since start: tier errors, stale values served, factory errors, decode errors, invalidations (by kind).',
      labelNames: ['event'],
      registers,
    });
    this.defineScrapedMetrics(registers);
    for (const metric of Object.values(ragMetrics)) this.registry.registerMetric(metric);
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: options.processPrefix ?? 'strata_' });
    this.subscribe();
  }

  /** Records one HTTP request of the server. */
  observeRequest(method: string, route: string, status: number, ms: number): void {
    this.httpLatency.observe({ method, route, status: String(status) }, ms / 1000);
    this.recent.http.record(ms);
  }

  /** The exposition text for `/metrics`. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Unsubscribes from the cache's events. */
  close(): void {
    for (const [event, listener] of this.listeners) this.source.off(event, listener);
    this.listeners.length = 0;
  }

  private subscribe(): void {
    const onOp = (event: object): void => {
      const info = event as { tier: 'l2' | 'l3'; operation: string; ms: number; ok: boolean };
      this.tierLatency.observe({ tier: info.tier, operation: info.operation, ok: String(info.ok) }, info.ms / 1000);
      this.recent[info.tier].record(info.ms);
    };
    this.source.on('tier:op', onOp);
    this.listeners.push(['tier:op', onOp]);
    for (const event of ['tier:error', 'stale:served', 'factory:error', 'decode:error', 'invalidate'] as const) {
      const listener = (info: object): void => {
        const kind = event === 'invalidate' ? `invalidate:${(info as { type?: string }).type ?? 'unknown'}` : event;
        this.events.inc({ event: kind });
      };
      this.source.on(event, listener);
      this.listeners.push([event, listener]);
    }
  }

  /** Every namespace's stats, read once per scrape. */
  private perNamespace(): Array<[string, NamespaceStats]> {
    return this.source.namespaces().map((name) => [name, this.source.namespace(name).stats()]);
  }

  private defineScrapedMetrics(registers: Registry[]): void {
    const source = (): Array<[string, NamespaceStats]> => this.perNamespace();
    const perClass = (name: string, help: string, read: (c: ClassStats) => number): void => {
      new Counter({
        name,
        help,
        labelNames: ['namespace', 'class'],
        registers,
        collect(this: Counter<'namespace' | 'class'>) {
          this.reset();
          for (const [namespace, stats] of source()) {
            for (const [cls, counts] of Object.entries(stats.classes)) this.inc({ namespace, class: cls }, read(counts));
          }
        },
      });
    };
    new Counter({
      name: 'strata_hits_total',
      help: 'Reads answered with a fresh value, by the tier that had it, namespace and data class.',
      labelNames: ['namespace', 'class', 'tier'],
      registers,
      collect(this: Counter<'namespace' | 'class' | 'tier'>) {
        this.reset();
        for (const [namespace, stats] of source()) {
          for (const [cls, c] of Object.entries(stats.classes)) {
            for (const tier of ['l1', 'l2', 'l3'] as const) this.inc({ namespace, class: cls, tier }, c.hits[tier]);
          }
        }
      },
    });
    perClass('strata_misses_total', 'Reads that found no fresh value in any tier, by namespace and data class.', (c) => c.misses);
    perClass('strata_stale_served_total', 'Stale values served within their grace period because the factory failed or was slow.', (c) => c.staleServed);
    perClass('strata_sets_total', 'Values written.', (c) => c.sets);
    perClass('strata_deletes_total', 'Keys deleted.', (c) => c.deletes);
    perClass('strata_factory_calls_total', 'getOrSet factory runs (cache misses that computed a value).', (c) => c.factory.calls);
    perClass('strata_factory_errors_total', 'Factory runs that threw.', (c) => c.factory.errors);
    perClass('strata_factory_timeouts_total', 'Factory runs that exceeded their hard timeout.', (c) => c.factory.timeouts);
    perClass('strata_decode_errors_total', 'Stored entries that did not decode (deleted).', (c) => c.errors.decode);
    new Counter({
      name: 'strata_tier_errors_total',
      help: 'Failed or timed-out tier calls seen by the cache, by tier, namespace and data class.',
      labelNames: ['namespace', 'class', 'tier'],
      registers,
      collect(this: Counter<'namespace' | 'class' | 'tier'>) {
        this.reset();
        for (const [namespace, stats] of source()) {
          for (const [cls, c] of Object.entries(stats.classes)) {
            this.inc({ namespace, class: cls, tier: 'l2' }, c.errors.l2);
            this.inc({ namespace, class: cls, tier: 'l3' }, c.errors.l3);
          }
        }
      },
    });
    new Gauge({
      name: 'strata_hit_ratio',
      help: 'hits / (hits + misses) since start, by namespace and data class.',
      labelNames: ['namespace', 'class'],
      registers,
      collect(this: Gauge<'namespace' | 'class'>) {
        this.reset();
        for (const [namespace, stats] of source()) {
          for (const [cls, c] of Object.entries(stats.classes)) this.set({ namespace, class: cls }, c.hitRate);
        }
      },
    });
    const scalar = (name: string, help: string, read: () => number | undefined): void => {
      new Gauge({
        name,
        help,
        registers,
        collect(this: Gauge) {
          this.reset();
          const value = read();
          if (typeof value === 'number' && Number.isFinite(value)) this.set(value);
        },
      });
    };
    scalar('strata_inflight_factories', 'getOrSet factory runs in progress (single-flight groups).', () => this.source.stats().inflight);
    const tiers = (): { l1: NamespaceStats['l1']; l2: TierStatsShape | undefined; l3: TierStatsShape | undefined } => {
      const { l2, l3 } = this.source.tiers();
      return { l1: this.source.stats().l1, l2: tierStats(l2), l3: tierStats(l3) };
    };
    const perTier = (name: string, help: string, read: (s: TierStatsShape) => number | undefined, kind: 'gauge' | 'counter'): void => {
      const collect = function (this: Gauge<'tier'> | Counter<'tier'>): void {
        this.reset();
        const all = tiers();
        for (const tier of ['l1', 'l2', 'l3'] as const) {
          const stats = all[tier];
          const value = stats === undefined ? undefined : read(stats);
          if (value === undefined) continue;
          if (this instanceof Gauge) this.set({ tier }, value);
          else this.inc({ tier }, value);
        }
      };
      if (kind === 'gauge') new Gauge({ name, help, labelNames: ['tier'], registers, collect });
      else new Counter({ name, help, labelNames: ['tier'], registers, collect });
    };
    perTier('strata_tier_bytes', 'Bytes held by each tier (L1: weighed entries; L3: keys and records on disk).', (s) => s.bytes, 'gauge');
    perTier('strata_tier_max_bytes', 'Configured upper bound of each tier, bytes.', (s) => s.maxBytes, 'gauge');
    perTier('strata_tier_entries', 'Entries held by each tier.', (s) => s.entries, 'gauge');
    perTier('strata_tier_evictions_total', 'Entries evicted to stay under the tier\'s byte bound.', (s) => s.evictions, 'counter');
    perTier('strata_tier_timeouts_total', 'Tier calls that exceeded their soft timeout (L2).', (s) => s.timeouts, 'counter');
    perTier('strata_tier_circuit_rejections_total', 'Calls not attempted because the tier\'s circuit breaker was open.', (s) => s.circuitRejections, 'counter');
    new Counter({
      name: 'strata_l1_rejected_total',
      help: 'Writes the L1 admission policy (W-TinyLFU) turned away.',
      registers,
      collect(this: Counter) {
        this.reset();
        this.inc(tiers().l1?.rejected ?? 0);
      },
    });
    new Gauge({
      name: 'strata_circuit_breaker_state',
      help: 'State of the circuit breaker around L2: 1 for the current state, 0 for the others (absent without L2).',
      labelNames: ['tier', 'state'],
      registers,
      collect(this: Gauge<'tier' | 'state'>) {
        this.reset();
        const state = tiers().l2?.breaker;
        if (state === undefined) return;
        for (const s of BREAKER_STATES) this.set({ tier: 'l2', state: s }, s === state ? 1 : 0);
      },
    });
    // Labelled so that, until the log reports its lag, there is no sample at all rather than a misleading 0.
    const logGauge = (name: string, help: string, read: () => number | undefined): void => {
      new Gauge({
        name,
        help,
        labelNames: ['log'],
        registers,
        collect(this: Gauge<'log'>) {
          this.reset();
          const value = read();
          if (typeof value === 'number' && Number.isFinite(value)) this.set({ log: 'invalidations' }, value);
        },
      });
    };
    logGauge('strata_replication_log_lag_seconds', 'How far this instance is behind the replicated invalidation log (absent until the log reports it).', () => {
      const lagMs = this.source.stats().log?.lagMs;
      return lagMs === undefined ? undefined : lagMs / 1000;
    });
    logGauge('strata_replication_log_lag_events', 'Invalidation events on the replicated log not yet applied by this instance (absent until the log reports it).', () => this.source.stats().log?.lagEvents);
  }
}
