import calculateSlot from 'cluster-key-slot';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { ClusterFailoverWatch, type FailoverWatchStats } from './failoverWatch.js';
import { resolveRedisConfig, type RedisConnectionOptions, type RedisMode, type ResolvedRedisConfig } from './redisConfig.js';

/** The outcome of the last periodic PING. */
export interface RedisHealthCheck {
  ok: boolean;
  /** Round trip of the PING in ms; undefined when it failed. */
  latencyMs: number | undefined;
  /** When it ran (ms since the epoch); 0 before the first check. */
  checkedAt: number;
  /** Why it failed. */
  error: string | undefined;
}

/** One Redis connection (a single client, or a Cluster client with one connection per node) and what it was built from. */
export interface RedisConnection {
  readonly mode: RedisMode;
  readonly config: ResolvedRedisConfig;
  /** Close it through `close()`: a client ended any other way is started again (see `revive`). */
  readonly client: Redis | Cluster;
  /** The last error the client reported (connection refused, reset…), for diagnostics. */
  readonly lastError: Error | undefined;
  /** The masters: every cluster master, or the one client. */
  masters(): Redis[];
  healthCheck(): RedisHealthCheck;
  /**
   * Subscribes to "Redis may be writable again" (see `RedisRecovery`); returns the unsubscribe function. The L2 tier
   * lets its circuit breaker try at once instead of waiting out its open period.
   */
  onRecovery(listener: (recovery: RedisRecovery) => void): () => void;
  /**
   * Whether the Cluster master serving `key` (the full Redis key) is a replica that took over a failed master while this connection
   * watched (see `RedisRecovery`) and the client's slot map still lists no replica for it: a WAIT there can only time
   * out. False whenever that is not known (no Cluster, no takeover seen, or a replica listed again).
   */
  promotedWithoutReplica(key: string): boolean;
  /** What `onRecovery` listeners were told, and the work done to find out. */
  recoveryStats(): RedisRecoveryStats;
  close(): Promise<void>;
}

/**
 * `failover`: a Cluster master's connection failed and a replica now serves its slots; the client's slot map was
 * updated before this is reported (twice, see `settled`). `reconnected`: a single client (standalone or Sentinel) is ready again after losing
 * its connection (with Sentinel, possibly to a newly promoted master).
 */
export type RedisRecovery =
  | {
      kind: 'failover';
      /** The failed master, `host:port`. */
      failed: string;
      /** The node that serves its slots now. */
      master: string;
      /**
       * false: reported as soon as the promoted replica said so (the other masters may still answer CLUSTERDOWN until
       * gossip reaches them, tens of ms); true: reported again once every other master serves again.
       */
      settled: boolean;
    }
  | { kind: 'reconnected' };

/** The Cluster failover watches (see `ClusterFailoverWatch`; zeros without a Cluster), and the reconnects reported. */
export interface RedisRecoveryStats extends FailoverWatchStats {
  /** `reconnected` recoveries reported. */
  reconnects: number;
}

/**
 * Reconnect attempts 50 ms apart at first, then every 250 ms at most: a failover lasts a few seconds, and a retry
 * that has backed off to a second (the old cap) was the slowest step between Sentinel promoting a replica and the
 * client writing to it (bench/failover.ts). A TCP connect every 250 ms to a host that is down costs nothing.
 */
function reconnectDelay(times: number): number {
  return Math.min(times * 50, 250);
}

/** See `buildIoredisClient`. */
const CLUSTER_RETRY_DELAY_MS = 20;

function commonOptions(config: ResolvedRedisConfig): RedisOptions {
  return {
    username: config.username,
    password: config.password,
    tls: config.tls,
    connectTimeout: config.connectTimeoutMs,
    commandTimeout: config.commandTimeoutMs > 0 ? config.commandTimeoutMs : undefined,
    socketTimeout: config.socketTimeoutMs > 0 ? config.socketTimeoutMs : undefined,
    // 0 fails in-flight commands as soon as the connection drops, so the circuit breaker sees the outage at once.
    maxRetriesPerRequest: config.retryOnTimeout ? 1 : 0,
    enableAutoPipelining: true,
  };
}

/** A bare ioredis client with Strata's options for the topology (no revival, no health check): what `createRedisClient` wraps. */
export function buildIoredisClient(config: ResolvedRedisConfig): Redis | Cluster {
  const common = commonOptions(config);
  if (config.mode === 'cluster') {
    const options: ClusterOptions = {
      scaleReads: 'master',
      enableAutoPipelining: true,
      clusterRetryStrategy: reconnectDelay,
      // A command that met a closed node connection or CLUSTERDOWN is retried this much later (after a slot map
      // refresh): at 100 ms, the writes in flight when a replica took over waited up to 100 ms more for their retry.
      retryDelayOnFailover: CLUSTER_RETRY_DELAY_MS,
      retryDelayOnClusterDown: CLUSTER_RETRY_DELAY_MS,
      // Every retry counts as a redirection: enough of them to outlast the L2 soft timeout (500 ms by default) at this
      // pace, so a command stays in the retry queue until the soft timeout rather than failing a little before it.
      maxRedirections: 32,
      retryDelayOnTryAgain: 100,
      slotsRefreshTimeout: Math.max(1000, config.connectTimeoutMs),
      // After a failover the promoted replica is found without waiting for a MOVED reply.
      slotsRefreshInterval: 1000,
      redisOptions: { ...common, enableAutoPipelining: true },
      // With TLS the certificate names the host, so the name must reach the TLS layer unresolved.
      dnsLookup: config.tls === undefined ? undefined : (address, callback) => callback(null, address),
    };
    return new Cluster(config.nodes, options);
  }
  if (config.mode === 'sentinel') {
    return new Redis({
      ...common,
      db: config.db,
      sentinels: config.sentinels,
      name: config.name,
      enableTLSForSentinelMode: config.tls !== undefined,
      sentinelRetryStrategy: reconnectDelay,
      sentinelReconnectStrategy: reconnectDelay,
      retryStrategy: reconnectDelay,
      failoverDetector: true,
    });
  }
  const [node] = config.nodes;
  return new Redis({ ...common, host: node?.host, port: node?.port, db: config.db, retryStrategy: reconnectDelay });
}

class IoredisConnection implements RedisConnection {
  readonly mode: RedisMode;
  readonly config: ResolvedRedisConfig;
  readonly client: Redis | Cluster;
  lastError: Error | undefined;
  private lastCheck: RedisHealthCheck = { ok: true, latencyMs: undefined, checkedAt: 0, error: undefined };
  private readonly timer: NodeJS.Timeout | undefined;
  private closing = false;
  /** Revivals since the client was last ready, for their back-off. */
  private revivals = 0;
  /** A single client lost its connection and has not been ready since. */
  private disconnected = false;
  private readonly recoveryListeners = new Set<(recovery: RedisRecovery) => void>();
  private readonly failoverWatch: ClusterFailoverWatch | undefined;
  private reconnects = 0;
  /** Masters (`host:port`) that took over a failed master's slots, until the slot map lists a replica for them. */
  private readonly promoted = new Set<string>();

  constructor(config: ResolvedRedisConfig) {
    this.mode = config.mode;
    this.config = config;
    this.client = buildIoredisClient(config);
    // Without a listener ioredis would re-emit connection errors as an uncaught 'error' event.
    this.client.on('error', (err: Error) => {
      this.lastError = err;
    });
    this.client.on('ready', () => {
      this.revivals = 0;
      if (!this.disconnected) return;
      this.disconnected = false;
      this.reconnects++;
      this.report({ kind: 'reconnected' });
    });
    this.client.on('end', () => this.revive());
    if (this.client instanceof Cluster) {
      this.failoverWatch = new ClusterFailoverWatch(this.client, (failed, master, settled) => {
        this.promoted.add(master);
        this.report({ kind: 'failover', failed, master, settled });
      });
    } else {
      this.client.on('close', () => {
        this.disconnected = true;
      });
    }
    if (config.healthCheckIntervalMs > 0) {
      this.timer = setInterval(() => void this.ping(), config.healthCheckIntervalMs);
      this.timer.unref();
    }
  }

  private async ping(): Promise<void> {
    const started = performance.now();
    try {
      await this.client.ping();
      this.lastCheck = { ok: true, latencyMs: performance.now() - started, checkedAt: Date.now(), error: undefined };
    } catch (err) {
      this.lastCheck = { ok: false, latencyMs: undefined, checkedAt: Date.now(), error: String(err) };
    }
  }

  /**
   * ioredis gives a client up for good ('end') when a connect attempt is cut short: with Sentinel, a +switch-master
   * arriving while the client is reconnecting does that (bench/failover.ts saw it in about one kill in five), and
   * every later command fails with "Connection is closed". Unless we closed it, the client is started again.
   */
  private revive(): void {
    if (this.closing) return;
    const timer = setTimeout(() => {
      if (this.closing || this.client.status !== 'end') return;
      // A failed attempt ends the client again, which schedules the next revival.
      this.client.connect().catch(() => undefined);
    }, reconnectDelay(++this.revivals));
    timer.unref();
  }

  onRecovery(listener: (recovery: RedisRecovery) => void): () => void {
    this.recoveryListeners.add(listener);
    return () => this.recoveryListeners.delete(listener);
  }

  promotedWithoutReplica(key: string): boolean {
    if (this.promoted.size === 0 || !(this.client instanceof Cluster)) return false;
    const owners = this.client.slots[calculateSlot(key)];
    if (owners === undefined || !this.promoted.has(owners[0] as string)) return false;
    if (owners.length > 1) {
      // A replica is listed again (the old master rejoined): WAIT can be acknowledged.
      this.promoted.delete(owners[0] as string);
      return false;
    }
    return true;
  }

  recoveryStats(): RedisRecoveryStats {
    const watch = this.failoverWatch?.stats() ?? { watches: 0, polls: 0, slotMapLoads: 0, takeovers: 0, settled: 0 };
    return { ...watch, reconnects: this.reconnects };
  }

  private report(recovery: RedisRecovery): void {
    for (const listener of this.recoveryListeners) listener(recovery);
  }

  masters(): Redis[] {
    return this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
  }

  healthCheck(): RedisHealthCheck {
    return { ...this.lastCheck };
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.failoverWatch?.stop();
    await this.client.quit().catch(() => undefined);
    // QUIT leaves ioredis's Sentinel failover watchers connected; disconnect() is what stops them.
    this.client.disconnect();
  }
}

/**
 * Connects to Redis from a URL or options (see `RedisConnectionOptions` for the URL schemes).
 * Invalid settings throw a StrataError `INVALID_REDIS_CONFIG`; an unreachable server does not throw:
 * commands fail until it is back, and the client keeps reconnecting.
 */
export function createRedisClient(config: string | RedisConnectionOptions): RedisConnection {
  return new IoredisConnection(resolveRedisConfig(config));
}
