import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { ErrorCode, StrataError } from '../errors.js';

export type RedisMode = 'standalone' | 'sentinel' | 'cluster';

export interface RedisAddress {
  host: string;
  port: number;
}

/**
 * How to reach Redis, as a URL or an object. URL schemes:
 * - `redis://[user[:password]@]host[:port][/db]` — one server; `rediss://` for TLS.
 * - `redis+sentinel://[user[:password]@]host:port,host:port/masterName` — Sentinel (the addresses are Sentinels';
 *   user and password are the data nodes'); `rediss+sentinel://` for TLS to the data nodes and the Sentinels.
 * - `redis+cluster://[user[:password]@]host:port,host:port` — Redis Cluster seed nodes; `rediss+cluster://` for TLS.
 * Query parameters set the numeric and boolean options below by name, e.g. `?connectTimeoutMs=500&keyPrefix=app:`.
 */
export interface RedisConnectionOptions {
  /** A URL in one of the schemes above; object fields given next to it override what it says. */
  url?: string;
  /** Topology; default: what the URL says, else `standalone`. */
  mode?: RedisMode;
  /** `standalone`: the server (first entry); `cluster`: seed nodes. `host:port` strings or objects. */
  nodes?: ReadonlyArray<string | RedisAddress>;
  /** `sentinel`: the Sentinels to ask for the current master. */
  sentinels?: ReadonlyArray<string | RedisAddress>;
  /** `sentinel`: the master name Sentinel monitors. */
  name?: string;
  /** ACL user (Redis 6+); omit for the default user. */
  username?: string;
  /** Password of the ACL user (or `requirepass`). */
  password?: string;
  /** TLS: `true` for defaults, or Node TLS options (ca, cert, servername…). */
  tls?: boolean | TlsOptions;
  /** Database index (standalone and Sentinel only; Cluster has only 0). */
  db?: number;
  /** Give up a connection attempt after this long. */
  connectTimeoutMs?: number;
  /** Reject a command after this long (a client-side timer per command); 0 = none, the L2 tier's soft timeout applies. */
  commandTimeoutMs?: number;
  /** Drop a socket that received nothing for this long while commands are pending; 0 = never. */
  socketTimeoutMs?: number;
  /** Resend commands that were in flight when the connection dropped once it is back, instead of failing them at once. */
  retryOnTimeout?: boolean;
  /** PING every this many ms so a dead connection is noticed while idle; 0 = never. */
  healthCheckIntervalMs?: number;
  /** Prepended by Strata (not by ioredis) to every key, so slots, SCAN patterns and deletes all see the full name. */
  keyPrefix?: string;
}

/** Options with defaults applied and the URL folded in. */
export interface ResolvedRedisConfig {
  mode: RedisMode;
  nodes: RedisAddress[];
  sentinels: RedisAddress[];
  name: string | undefined;
  username: string | undefined;
  password: string | undefined;
  tls: TlsOptions | undefined;
  db: number;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  socketTimeoutMs: number;
  retryOnTimeout: boolean;
  healthCheckIntervalMs: number;
  keyPrefix: string;
}

const DEFAULTS = {
  connectTimeoutMs: 2000,
  commandTimeoutMs: 0,
  socketTimeoutMs: 0,
  retryOnTimeout: false,
  healthCheckIntervalMs: 5000,
  keyPrefix: '',
};

const NUMERIC_PARAMS = ['connectTimeoutMs', 'commandTimeoutMs', 'socketTimeoutMs', 'healthCheckIntervalMs', 'db'] as const;

function invalid(message: string): StrataError {
  return new StrataError(ErrorCode.INVALID_REDIS_CONFIG, message);
}

function parseAddress(text: string, defaultPort: number): RedisAddress {
  const match = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d+))?$/.exec(text.trim());
  if (match === null) throw invalid(`'${text}' is not a host[:port] address`);
  const host = (match[1] as string).replace(/^\[|\]$/g, '');
  const port = match[2] === undefined ? defaultPort : Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(`port in '${text}' must be 1–65535`);
  return { host, port };
}

function toAddress(entry: string | RedisAddress, defaultPort: number): RedisAddress {
  if (typeof entry === 'string') return parseAddress(entry, defaultPort);
  if (entry === null || typeof entry !== 'object' || typeof entry.host !== 'string' || entry.host === '') {
    throw invalid('a node address must be "host:port" or { host, port }');
  }
  const port = entry.port ?? defaultPort;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(`port of ${entry.host} must be 1–65535`);
  return { host: entry.host, port };
}

/** Reads one of the URL schemes documented on `RedisConnectionOptions` into options. */
export function parseRedisUrl(url: string): RedisConnectionOptions {
  const match = /^(rediss?)(\+sentinel|\+cluster)?:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?$/.exec(url);
  if (match === null) {
    throw invalid(`'${url}' is not a Redis URL: use redis://host:port, rediss://…, redis+sentinel://host:port,…/master or redis+cluster://host:port,…`);
  }
  const [, scheme, topology, user, pass, hosts = '', path = '', query] = match;
  const mode: RedisMode = topology === '+sentinel' ? 'sentinel' : topology === '+cluster' ? 'cluster' : 'standalone';
  const defaultPort = mode === 'sentinel' ? 26379 : 6379;
  if (hosts === '') throw invalid(`'${url}' names no host`);
  const addresses = hosts.split(',').map((h) => parseAddress(h, defaultPort));
  const options: RedisConnectionOptions = { mode };
  if (scheme === 'rediss') options.tls = true;
  if (user !== undefined && user !== '') options.username = decodeURIComponent(user);
  if (pass !== undefined) options.password = decodeURIComponent(pass);
  if (mode === 'sentinel') {
    options.sentinels = addresses;
    if (path === '') throw invalid(`'${url}' needs the master name as its path: redis+sentinel://host:port,…/mymaster`);
    options.name = decodeURIComponent(path);
  } else {
    if (mode === 'standalone' && addresses.length > 1) {
      throw invalid(`'${url}' lists several hosts: use redis+cluster:// or redis+sentinel:// for several nodes`);
    }
    options.nodes = addresses;
    if (path !== '') {
      if (mode === 'cluster' || !/^\d+$/.test(path)) throw invalid(`'/${path}' in '${url}': only a database number may follow a standalone host`);
      options.db = Number(path);
    }
  }
  for (const [key, value] of new URLSearchParams(query ?? '')) {
    if ((NUMERIC_PARAMS as readonly string[]).includes(key)) {
      (options as Record<string, unknown>)[key] = Number(value);
    } else if (key === 'retryOnTimeout') {
      if (value !== 'true' && value !== 'false') throw invalid('retryOnTimeout must be true or false');
      options.retryOnTimeout = value === 'true';
    } else if (key === 'keyPrefix') {
      options.keyPrefix = value;
    } else {
      throw invalid(`unknown URL parameter '${key}': use ${[...NUMERIC_PARAMS, 'retryOnTimeout', 'keyPrefix'].join(', ')}`);
    }
  }
  return options;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw invalid(`${name} must be a non-negative integer (got ${String(value)})`);
  return value;
}

/** Validates options (or a URL) and applies defaults; throws INVALID_REDIS_CONFIG telling what to fix. */
export function resolveRedisConfig(config: string | RedisConnectionOptions): ResolvedRedisConfig {
  if (typeof config === 'string') config = { url: config };
  if (config === null || typeof config !== 'object') throw invalid('Redis config must be a URL string or an options object');
  const fromUrl = config.url === undefined ? {} : parseRedisUrl(config.url);
  const merged: RedisConnectionOptions = { ...fromUrl };
  for (const [key, value] of Object.entries(config)) if (value !== undefined && key !== 'url') (merged as Record<string, unknown>)[key] = value;
  const mode = merged.mode ?? 'standalone';
  if (mode !== 'standalone' && mode !== 'sentinel' && mode !== 'cluster') {
    throw invalid(`unknown mode '${String(mode)}': use standalone, sentinel or cluster`);
  }
  const nodes = (merged.nodes ?? []).map((n) => toAddress(n, 6379));
  const sentinels = (merged.sentinels ?? []).map((n) => toAddress(n, 26379));
  if (mode === 'standalone' && nodes.length === 0) nodes.push({ host: '127.0.0.1', port: 6379 });
  if (mode === 'cluster' && nodes.length === 0) throw invalid('cluster mode needs at least one seed node in nodes (or a redis+cluster:// URL)');
  if (mode === 'sentinel') {
    if (sentinels.length === 0) throw invalid('sentinel mode needs sentinels (or a redis+sentinel:// URL)');
    if (typeof merged.name !== 'string' || merged.name === '') throw invalid('sentinel mode needs the master name in name');
  }
  const db = nonNegative('db', merged.db, 0);
  if (mode === 'cluster' && db !== 0) throw invalid('Redis Cluster has only database 0');
  if (merged.keyPrefix !== undefined && typeof merged.keyPrefix !== 'string') throw invalid('keyPrefix must be a string');
  if (merged.retryOnTimeout !== undefined && typeof merged.retryOnTimeout !== 'boolean') throw invalid('retryOnTimeout must be a boolean');
  const tls = merged.tls === true ? {} : merged.tls === false || merged.tls === undefined ? undefined : merged.tls;
  return {
    mode,
    nodes,
    sentinels,
    name: merged.name,
    username: merged.username,
    password: merged.password,
    tls,
    db,
    connectTimeoutMs: nonNegative('connectTimeoutMs', merged.connectTimeoutMs, DEFAULTS.connectTimeoutMs),
    commandTimeoutMs: nonNegative('commandTimeoutMs', merged.commandTimeoutMs, DEFAULTS.commandTimeoutMs),
    socketTimeoutMs: nonNegative('socketTimeoutMs', merged.socketTimeoutMs, DEFAULTS.socketTimeoutMs),
    retryOnTimeout: merged.retryOnTimeout ?? DEFAULTS.retryOnTimeout,
    healthCheckIntervalMs: nonNegative('healthCheckIntervalMs', merged.healthCheckIntervalMs, DEFAULTS.healthCheckIntervalMs),
    keyPrefix: merged.keyPrefix ?? DEFAULTS.keyPrefix,
  };
}
