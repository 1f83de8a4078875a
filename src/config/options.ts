import { FORMAT_VERSION, LATEST_FORMAT_VERSION, type FormatVersion } from '../codec/envelope.js';
import { StrataError, ErrorCode } from '../errors.js';
import type { RedisConnection } from '../redis/connection.js';
import type { RedisConnectionOptions } from '../redis/redisConfig.js';
import type { RedisTierOptions } from '../tiers/redis.js';
import type { ByteTier } from '../tiers/tier.js';
import { resolveAdaptiveTtl, type ResolvedAdaptiveTtl } from './adaptiveTtlOptions.js';
import { DATA_CLASS_DEFAULTS, type DataClassOptions, type TierName } from './dataClasses.js';
import { parseDuration, type Duration } from './duration.js';
import { PROFILES, type ProfileName, type Profile } from './profiles.js';

/** Options of `createStrata`. Every field is optional; the defaults are the embedded mode (L1 + L3, no Redis). */
export interface StrataOptions {
  /** Prefix of every L2/L3 key: `{prefix}:{namespace}:{class}:{key}`. */
  prefix?: string;
  /** The namespace of the returned cache; `cache.namespace(name)` gives others sharing the same tiers. */
  namespace?: string;
  /** An environment profile (development, staging, production) that sets compression and replication defaults. */
  profile?: ProfileName;
  /** The in-process tier, or `false` to run without one. */
  l1?: false | L1Options;
  /**
   * The Redis tier: a URL (`redis://`, `rediss://`, `redis+sentinel://`, `redis+cluster://`), connection options with
   * optional tier settings, a ready `ByteTier`, or `false`/absent for none.
   */
  l2?: false | string | L2Options | ByteTier;
  /** The local disk tier (LMDB), or `false` for none (the default outside `npm start`). */
  l3?: false | L3Options | ByteTier;
  /** Per-class overrides of DATA_CLASS_DEFAULTS, and new classes. */
  classes?: Record<string, Partial<DataClassOptions>>;
  /** The class of calls that name none. */
  defaultClass?: string;
  /** Longest key accepted, in characters. */
  maxKeyLength?: number;
  /** Values whose encoded form is larger than this are refused with VALUE_TOO_LARGE. */
  maxEntryBytes?: number;
  /** Payloads at or above this many bytes are compressed in classes with `compress: true`. */
  compressionThreshold?: number;
  /** Defaults for `getOrSet` timeouts. */
  timeouts?: FactoryTimeouts;
  /**
   * Coherence across instances (replicated invalidation log, distributed single-flight): on by default when `l2` is a
   * Redis URL or connection options; `false` turns it off (every instance then serves its L1/L3 copies until their TTL).
   */
  sync?: boolean | SyncOptions;
  /**
   * Hot-key tracking and warm-up of new instances: on by default when `l2` is a Redis URL or connection options
   * (or `hotKeys.connection` is given); `false` turns it off.
   */
  hotKeys?: boolean | HotKeysOptions;
  /**
   * The entry format this instance writes (every format up to the newest is read): keep the default during a rolling
   * deploy, and raise it once no instance of an older release is left (docs/rolling-deploys.md). Default 1.
   */
  entryFormat?: FormatVersion;
}

export interface HotKeysOptions {
  /** One L1 read in this many (on average) is counted; the hit path pays one decrement for the others. */
  sampleEvery?: number;
  /** Keys counted per namespace + class (Space-Saving counters): bounds the memory of the tracking. */
  capacity?: number;
  /** Keys this instance publishes per namespace + class. */
  publishTop?: number;
  /** How often the hottest keys are published to Redis, ms; a list expires after three intervals without renewal. */
  publishIntervalMs?: number;
  /** Longest a publication or a read of the published lists waits for Redis, ms. */
  redisTimeoutMs?: number;
  /** The Redis the lists live in; default: the L2 connection (give it when `l2` is a ready `RedisTier`). */
  connection?: RedisConnection;
  /** Prefetch the published hot keys into L1 before `ready()` resolves; default false. */
  warmOnStart?: boolean | { top?: number; namespaces?: readonly string[] | '*'; timeoutMs?: number };
}

export interface SyncOptions {
  /** Events the log stream keeps, approximately; an instance that falls further behind drops its local copies. */
  maxLen?: number;
  /** How long one blocking read of the log waits before it is issued again, ms. */
  blockMs?: number;
  /** Lifetime of a distributed getOrSet lock, ms: the longest another instance waits for this one's factory. */
  lockTtlMs?: number;
  /** Added to tag invalidation times to cover clock differences between hosts, ms (hosts must be NTP-synced). */
  clockSkewMs?: number;
  /** This instance's id on the log; default: a random UUID. */
  instanceId?: string;
}

export interface L1Options {
  /** Upper bound of the memory held by L1, bytes (values are weighed by their encoded size plus a per-entry overhead). */
  maxBytes?: number;
  /** Eviction/admission policy: W-TinyLFU (default) or plain LRU. */
  policy?: 'tinylfu' | 'lru';
}

export interface L2Options extends RedisConnectionOptions {
  /** Soft timeouts, write retries and circuit breaker of the L2 tier. */
  tier?: RedisTierOptions;
}

export interface L3Options {
  /** Directory of the LMDB environment. */
  path: string;
  /** Upper bound of the bytes stored on disk. */
  maxBytes?: number;
}

export interface FactoryTimeouts {
  /** With a stale value at hand, answer with it once the factory has taken this long (the factory goes on in the background). */
  soft?: Duration;
  /** Give up on the factory after this long: FACTORY_TIMEOUT, or the stale value if there is one. */
  hard?: Duration;
}

/** A data class with its durations in milliseconds. */
export interface ResolvedClass {
  name: string;
  tiers: readonly TierName[];
  ttl: number;
  grace: number;
  compress: boolean;
  replicas: 0 | 1;
  /** Absent: every entry gets `ttl`. */
  adaptiveTtl: ResolvedAdaptiveTtl | undefined;
}

export interface ResolvedOptions {
  prefix: string;
  namespace: string;
  profile: Profile | undefined;
  l1: false | { maxBytes: number; policy: 'tinylfu' | 'lru' };
  l2: ByteTier | { connection: string | RedisConnectionOptions; tier: RedisTierOptions } | undefined;
  l3: { path: string; maxBytes: number } | ByteTier | undefined;
  classes: Map<string, ResolvedClass>;
  defaultClass: string;
  maxKeyLength: number;
  maxEntryBytes: number;
  compressionThreshold: number;
  entryFormat: FormatVersion;
  timeouts: { soft: number | undefined; hard: number | undefined };
  /** `undefined` when hot-key tracking is off. */
  hotKeys: ResolvedHotKeys | undefined;
  /** `undefined` when the replicated log is off. */
  sync: { maxLen: number; blockMs: number; lockTtlMs: number; clockSkewMs: number; instanceId: string | undefined } | undefined;
}

export interface ResolvedHotKeys {
  sampleEvery: number;
  capacity: number;
  publishTop: number;
  publishIntervalMs: number;
  redisTimeoutMs: number;
  connection: RedisConnection | undefined;
  warmOnStart: { top?: number; namespaces?: readonly string[] | '*'; timeoutMs?: number } | undefined;
}

export const DEFAULTS = Object.freeze({
  prefix: 'strata',
  namespace: 'default',
  l1MaxBytes: 64 * 1024 * 1024,
  l3MaxBytes: 1024 * 1024 * 1024,
  maxKeyLength: 1024,
  maxEntryBytes: 8 * 1024 * 1024,
  compressionThreshold: 1024,
  syncMaxLen: 100_000,
  syncBlockMs: 1000,
  lockTtlMs: 5000,
  clockSkewMs: 50,
  hotSampleEvery: 16,
  hotCapacity: 2048,
  hotPublishTop: 1000,
  hotPublishIntervalMs: 30_000,
  hotRedisTimeoutMs: 2000,
});

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const TIER_NAMES: readonly TierName[] = ['l1', 'l2', 'l3'];

function invalid(message: string): StrataError {
  return new StrataError(ErrorCode.INVALID_OPTION, message);
}

/** Checks a namespace or class name: letters, digits, `_ . -`, at most 64 characters (they are parts of Redis keys). */
export function checkName(kind: string, name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw invalid(`${kind} must be 1–64 characters of letters, digits, '_', '.', '-'; got ${JSON.stringify(name)}`);
  }
  return name;
}

function positiveInteger(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw invalid(`${option} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function isByteTier(value: unknown): value is ByteTier {
  return typeof value === 'object' && value !== null && typeof (value as ByteTier).get === 'function' && typeof (value as ByteTier).setMany === 'function';
}

/** Resolves one class from its defaults and overrides; durations become milliseconds. */
export function resolveClass(name: string, base: Partial<DataClassOptions> | undefined, override: Partial<DataClassOptions> | undefined, profile: Profile | undefined): ResolvedClass {
  const merged: Partial<DataClassOptions> = { ...DATA_CLASS_DEFAULTS.default, ...base, ...override };
  const tiers = merged.tiers ?? ['l1'];
  if (!Array.isArray(tiers) || tiers.length === 0 || tiers.some((t) => !TIER_NAMES.includes(t)) || new Set(tiers).size !== tiers.length) {
    throw invalid(`classes.${name}.tiers must be a non-empty list of distinct 'l1' | 'l2' | 'l3', got ${JSON.stringify(tiers)}`);
  }
  const ttl = parseDuration(merged.ttl ?? '1h', `classes.${name}.ttl`, true);
  const grace = parseDuration(merged.grace ?? 0, `classes.${name}.grace`, true);
  if (merged.replicas !== 0 && merged.replicas !== 1) throw invalid(`classes.${name}.replicas must be 0 or 1, got ${JSON.stringify(merged.replicas)}`);
  if (typeof merged.compress !== 'boolean') throw invalid(`classes.${name}.compress must be a boolean`);
  return {
    name,
    tiers,
    ttl,
    grace,
    compress: merged.compress && (profile?.compression ?? true),
    replicas: profile !== undefined && !profile.waitForReplicas ? 0 : merged.replicas,
    adaptiveTtl: resolveAdaptiveTtl(name, merged.adaptiveTtl),
  };
}

/** Validates `createStrata` options and fills in the defaults, throwing INVALID_OPTION / INVALID_TTL with the option's path. */
export function resolveOptions(options: StrataOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw invalid('createStrata expects an options object');
  const prefix = options.prefix === undefined ? DEFAULTS.prefix : checkName('prefix', options.prefix);
  const namespace = options.namespace === undefined ? DEFAULTS.namespace : checkName('namespace', options.namespace);
  let profile: Profile | undefined;
  if (options.profile !== undefined) {
    profile = PROFILES[options.profile];
    if (profile === undefined) throw invalid(`profile must be one of ${Object.keys(PROFILES).join(', ')}; got ${JSON.stringify(options.profile)}`);
  }

  let l1: ResolvedOptions['l1'] = false;
  if (options.l1 !== false) {
    const o = options.l1 ?? {};
    const policy = o.policy ?? 'tinylfu';
    if (policy !== 'tinylfu' && policy !== 'lru') throw invalid(`l1.policy must be 'tinylfu' or 'lru', got ${JSON.stringify(policy)}`);
    l1 = { maxBytes: positiveInteger('l1.maxBytes', o.maxBytes, DEFAULTS.l1MaxBytes), policy };
  }

  let l2: ResolvedOptions['l2'];
  if (options.l2 !== undefined && options.l2 !== false) {
    if (typeof options.l2 === 'string') l2 = { connection: options.l2, tier: {} };
    else if (isByteTier(options.l2)) l2 = options.l2;
    else if (typeof options.l2 === 'object' && options.l2 !== null) {
      const { tier, ...connection } = options.l2;
      l2 = { connection, tier: tier ?? {} };
    } else throw invalid('l2 must be a Redis URL, Redis connection options, a ByteTier, or false');
  }

  let l3: ResolvedOptions['l3'];
  if (options.l3 !== undefined && options.l3 !== false) {
    if (isByteTier(options.l3)) l3 = options.l3;
    else if (typeof options.l3 === 'object' && typeof options.l3.path === 'string' && options.l3.path.length > 0) {
      l3 = { path: options.l3.path, maxBytes: positiveInteger('l3.maxBytes', options.l3.maxBytes, DEFAULTS.l3MaxBytes) };
    } else throw invalid('l3 must be { path: string, maxBytes?: number }, a ByteTier, or false');
  }

  const classes = new Map<string, ResolvedClass>();
  const overrides = options.classes ?? {};
  if (typeof overrides !== 'object' || overrides === null) throw invalid('classes must be an object of class name → options');
  const builtIns = DATA_CLASS_DEFAULTS as Record<string, DataClassOptions>;
  for (const name of new Set([...Object.keys(builtIns), ...Object.keys(overrides)])) {
    checkName('a class name', name);
    classes.set(name, resolveClass(name, builtIns[name], overrides[name], profile));
  }
  const defaultClass = options.defaultClass ?? 'default';
  if (!classes.has(defaultClass)) throw invalid(`defaultClass '${defaultClass}' is not a configured class`);

  const timeouts = options.timeouts ?? {};
  return {
    sync: resolveSync(options.sync, l2),
    hotKeys: resolveHotKeys(options.hotKeys, l2),
    prefix,
    namespace,
    profile,
    l1,
    l2,
    l3,
    classes,
    defaultClass,
    maxKeyLength: positiveInteger('maxKeyLength', options.maxKeyLength, DEFAULTS.maxKeyLength),
    maxEntryBytes: positiveInteger('maxEntryBytes', options.maxEntryBytes, DEFAULTS.maxEntryBytes),
    entryFormat: resolveEntryFormat(options.entryFormat),
    compressionThreshold: options.compressionThreshold === undefined ? DEFAULTS.compressionThreshold : positiveInteger('compressionThreshold', options.compressionThreshold, 0),
    timeouts: {
      soft: timeouts.soft === undefined ? undefined : parseDuration(timeouts.soft, 'timeouts.soft'),
      hard: timeouts.hard === undefined ? undefined : parseDuration(timeouts.hard, 'timeouts.hard'),
    },
  };
}

function resolveEntryFormat(format: unknown): FormatVersion {
  if (format === undefined) return FORMAT_VERSION;
  if (format !== 1 && format !== LATEST_FORMAT_VERSION) throw invalid(`entryFormat must be 1 or ${LATEST_FORMAT_VERSION}, got ${JSON.stringify(format)}`);
  return format;
}

function resolveSync(sync: StrataOptions['sync'], l2: ResolvedOptions['l2']): ResolvedOptions['sync'] {
  if (sync === false) return undefined;
  const redis = l2 !== undefined && !isByteTier(l2);
  if (sync === undefined && !redis) return undefined;
  if (!redis) throw invalid('sync needs l2 to be a Redis URL or Redis connection options (the log lives in that Redis); pass sync: false or configure l2');
  const o = sync === true || sync === undefined ? {} : sync;
  if (typeof o !== 'object' || o === null) throw invalid('sync must be a boolean or { maxLen?, blockMs?, lockTtlMs?, clockSkewMs?, instanceId? }');
  const clockSkewMs = o.clockSkewMs ?? DEFAULTS.clockSkewMs;
  if (typeof clockSkewMs !== 'number' || !Number.isFinite(clockSkewMs) || clockSkewMs < 0) throw invalid(`sync.clockSkewMs must be a number of ms >= 0, got ${JSON.stringify(clockSkewMs)}`);
  if (o.instanceId !== undefined && (typeof o.instanceId !== 'string' || o.instanceId.length === 0)) throw invalid('sync.instanceId must be a non-empty string');
  return {
    maxLen: positiveInteger('sync.maxLen', o.maxLen, DEFAULTS.syncMaxLen),
    blockMs: positiveInteger('sync.blockMs', o.blockMs, DEFAULTS.syncBlockMs),
    lockTtlMs: positiveInteger('sync.lockTtlMs', o.lockTtlMs, DEFAULTS.lockTtlMs),
    clockSkewMs,
    instanceId: o.instanceId,
  };
}

function resolveHotKeys(hotKeys: StrataOptions['hotKeys'], l2: ResolvedOptions['l2']): ResolvedHotKeys | undefined {
  if (hotKeys === false) return undefined;
  if (hotKeys !== undefined && hotKeys !== true && (typeof hotKeys !== 'object' || hotKeys === null)) {
    throw invalid('hotKeys must be a boolean or { sampleEvery?, capacity?, publishTop?, publishIntervalMs?, redisTimeoutMs?, connection?, warmOnStart? }');
  }
  const o = hotKeys === true || hotKeys === undefined ? {} : hotKeys;
  const redis = (l2 !== undefined && !isByteTier(l2)) || o.connection !== undefined;
  if (!redis) {
    if (hotKeys === undefined) return undefined;
    throw invalid('hotKeys needs Redis: l2 as a Redis URL or connection options, or hotKeys.connection; pass hotKeys: false or configure l2');
  }
  const warm = o.warmOnStart;
  if (warm !== undefined && typeof warm !== 'boolean' && (typeof warm !== 'object' || warm === null)) throw invalid('hotKeys.warmOnStart must be a boolean or { top?, namespaces?, timeoutMs? }');
  return {
    sampleEvery: positiveInteger('hotKeys.sampleEvery', o.sampleEvery, DEFAULTS.hotSampleEvery),
    capacity: positiveInteger('hotKeys.capacity', o.capacity, DEFAULTS.hotCapacity),
    publishTop: positiveInteger('hotKeys.publishTop', o.publishTop, DEFAULTS.hotPublishTop),
    publishIntervalMs: positiveInteger('hotKeys.publishIntervalMs', o.publishIntervalMs, DEFAULTS.hotPublishIntervalMs),
    redisTimeoutMs: positiveInteger('hotKeys.redisTimeoutMs', o.redisTimeoutMs, DEFAULTS.hotRedisTimeoutMs),
    connection: o.connection,
    warmOnStart: warm === true ? {} : warm === false ? undefined : warm,
  };
}
