import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
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
  close(): Promise<void>;
}

/**
 * Reconnect attempts 50 ms apart at first, then every 250 ms at most: a failover lasts a few seconds, and a retry
 * that has backed off to a second (the old cap) was the slowest step between Sentinel promoting a replica and the
 * client writing to it (bench/failover.ts). A TCP connect every 250 ms to a host that is down costs nothing.
 */
function reconnectDelay(times: number): number {
  return Math.min(times * 50, 250);
}

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
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
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
    });
    this.client.on('end', () => this.revive());
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

  masters(): Redis[] {
    return this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
  }

  healthCheck(): RedisHealthCheck {
    return { ...this.lastCheck };
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.timer !== undefined) clearInterval(this.timer);
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
