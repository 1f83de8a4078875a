import type { Entry } from '../codec/entry.js';
import { entryContent } from '../codec/envelope.js';
import { parseDuration, type Duration } from '../config/duration.js';
import { checkName } from '../config/options.js';
import { ErrorCode, StrataError } from '../errors.js';
import type { TierName } from '../tiers/tier.js';
import { coarseNow, preciseNow, timestamp } from './clock.js';
import type { ClassStats } from '../metrics/classStats.js';
import type { GroupTtl } from './adaptiveTtl.js';
import { SingleFlight } from './singleFlight.js';
import type { InvalidationLogStats } from '../sync/invalidationLog.js';
import type { DistributedLock } from '../sync/distributedLock.js';
import type { SyncReport, WarmReport } from '../sync/warmReport.js';
import { syncFromRedis, warmUpOf, type HotKeyStats, type WarmOptions } from './warmUp.js';
import type { ClassView, Found, StrataEvents, TierStack } from './tierStack.js';

/** Options of one call. */
export interface CallOptions {
  /** The data class (tiers, TTL, compression, replication); default: the cache's `defaultClass`. */
  class?: string;
}

export interface SetOptions extends CallOptions {
  /** Time to live; default: the class's TTL. `Infinity` never expires. */
  ttl?: Duration;
  /** How long past the TTL the value is kept as a fallback for a failing or slow factory; default: the class's. */
  grace?: Duration;
  /** Tags (e.g. `product:42`); `invalidateTags` drops every entry that carries one of them. */
  tags?: readonly string[];
}

export interface GetOrSetOptions extends SetOptions {
  /** With a stale value at hand, answer with it once the factory has run this long; it goes on in the background. */
  softTimeout?: Duration;
  /** Stop waiting for the factory after this long: the stale value if there is one, else FACTORY_TIMEOUT. */
  hardTimeout?: Duration;
}

/** What a factory gets: the stale value if any, and ways to shape the entry from what it learned. */
export interface FactoryContext<V> {
  readonly key: string;
  /** The expired value still within its grace period, if there is one. */
  readonly stale: V | undefined;
  /** Aborted when the hard timeout passes. */
  readonly signal: AbortSignal;
  /** Overrides the TTL of the value being produced (e.g. from an HTTP `Cache-Control`). */
  setTtl(ttl: Duration): void;
  /** Overrides the tags of the value being produced. */
  setTags(tags: readonly string[]): void;
}

export type Factory<V> = (context: FactoryContext<V>) => V | Promise<V>;

/** How a `getOrSet` was answered: put it in an HTTP header (`X-Cache: hit; tier=l2`). */
export interface Answer<V> {
  value: V;
  /** `hit`: a fresh cached value; `stale`: a value past its TTL served within grace; `miss`: the factory ran. */
  outcome: 'hit' | 'stale' | 'miss';
  /** Where the value came from. */
  tier: TierName | 'factory';
}

/** Which tiers a `setWithInfo` write reached. */
export interface WriteInfo {
  /** The tiers that stored the value, in the class's order; a failing tier (Redis down, circuit open) is absent. */
  tiers: TierName[];
  /** For a class with `replicas` and an L2 tier: whether a replica acknowledged the L2 write (`WAIT`); else undefined. */
  replicated: boolean | undefined;
}

export interface StrataStats {
  namespace: string;
  /** Per class of this namespace (classes not used yet are absent). */
  classes: Record<string, ClassStats>;
  l1: { entries: number; bytes: number; maxBytes: number; evictions: number; rejected: number } | undefined;
  inflight: number;
  /** The replicated log (absent without it): lag, events behind, repairs. */
  sync?: InvalidationLogStats;
  /** Hot-key tracking (absent without it): reads sampled, samples dropped, publications. */
  hotKeys?: HotKeyStats;
  /** Per class with an adaptive TTL: each key group's estimated change and read rates and the TTL it gets now. */
  adaptiveTtl?: Record<string, GroupTtl[]>;
}

const NO_OPTIONS: CallOptions = {};
/** Longest `close()` waits for running factories when no hard timeout bounds them, ms. */
const CLOSE_DRAIN_MS = 10_000;

/**
 * The cache. One instance per namespace; `namespace(name)` returns others that share the tiers. Reads never throw a
 * tier failure (Redis or disk down): they fall through to the next tier or the factory. Bad input throws a
 * `StrataError` before anything is changed.
 */
export class Strata {
  private readonly defaultView: ClassView;
  private readonly flights: SingleFlight<Answer<unknown>>;
  private readonly children: Map<string, Strata>;
  private readonly maxKeyLength: number;
  /** Factory runs not finished yet (some go on in the background after a timeout): `close()` waits for them. */
  private readonly producing: Set<Promise<unknown>>;

  /** @internal use `createStrata()`. */
  constructor(
    private readonly stack: TierStack,
    readonly name: string,
    shared?: { flights: SingleFlight<Answer<unknown>>; children: Map<string, Strata>; producing: Set<Promise<unknown>> },
  ) {
    this.defaultView = stack.view(name, stack.options.defaultClass);
    this.maxKeyLength = stack.options.maxKeyLength;
    this.flights = shared?.flights ?? new SingleFlight();
    this.children = shared?.children ?? new Map([[name, this]]);
    this.producing = shared?.producing ?? new Set();
  }

  /** The cache of another namespace, sharing tiers, tags and single-flight with this one. */
  namespace(name: string): Strata {
    checkName('namespace', name);
    let child = this.children.get(name);
    if (child === undefined) {
      child = new Strata(this.stack, name, { flights: this.flights, children: this.children, producing: this.producing });
      this.children.set(name, child);
    }
    return child;
  }

  /**
   * The value of a key if L1 holds a fresh copy, without any I/O: `undefined` otherwise. The cheapest read there is;
   * use `get` to look in Redis and on disk too.
   */
  getSync<V = unknown>(key: string, options?: CallOptions): V | undefined {
    const view = options === undefined || options.class === undefined ? this.defaultView : this.viewOf(options);
    if (typeof key !== 'string' || key.length === 0 || key.length > this.maxKeyLength) this.checkKey(key);
    view.adaptiveTtl?.read(key, coarseNow());
    const l1 = view.l1;
    if (l1 === undefined) return undefined;
    const fast = l1.getFresh(key, coarseNow());
    if (fast !== undefined) {
      view.counters.l1Hits++;
      return fast as V;
    }
    const entry = l1.peek(key);
    if (entry !== undefined && this.stack.stateOf(entry, preciseNow()) === 'fresh') {
      l1.get(key);
      view.counters.l1Hits++;
      return entry.value as V;
    }
    return undefined;
  }

  /** The fresh value of a key from the first tier that has it, or `undefined`. */
  get<V = unknown>(key: string, options?: CallOptions): Promise<V | undefined> {
    const view = options === undefined || options.class === undefined ? this.defaultView : this.viewOf(options);
    if (typeof key !== 'string' || key.length === 0 || key.length > this.maxKeyLength) this.checkKey(key);
    view.adaptiveTtl?.read(key, coarseNow());
    const fast = view.l1?.getFresh(key, coarseNow());
    if (fast !== undefined) {
      view.counters.l1Hits++;
      return Promise.resolve(fast as V);
    }
    return this.stack.freshValue(view, key) as Promise<V | undefined>;
  }

  /** Whether a fresh value exists for the key in any tier. */
  async has(key: string, options: CallOptions = NO_OPTIONS): Promise<boolean> {
    return (await this.get(key, options)) !== undefined;
  }

  /** Fresh values of many keys, in order (`undefined` where missing); L2 and L3 are asked once each for the rest. */
  async getMany<V = unknown>(keys: readonly string[], options: CallOptions = NO_OPTIONS): Promise<Array<V | undefined>> {
    const view = this.viewOf(options);
    this.checkKeys(keys);
    view.l1?.noteReads(keys);
    if (view.adaptiveTtl !== undefined) for (const key of keys) view.adaptiveTtl.read(key, coarseNow());
    const entries = await this.stack.lookupMany(view, keys);
    return entries.map((e) => e?.value as V | undefined);
  }

  /** Stores a value in every tier of its class. Throws NOT_SERIALIZABLE / VALUE_TOO_LARGE / INVALID_* before writing anything. */
  async set<V>(key: string, value: V, options: SetOptions = NO_OPTIONS): Promise<void> {
    await this.setWithInfo(key, value, options);
  }

  /**
   * Like `set`, and says which tiers took the write and, for a replicated class, whether a replica acknowledged it:
   * `set` counts tier failures instead of throwing, so this is how a caller knows a value is durable in L2.
   */
  async setWithInfo<V>(key: string, value: V, options: SetOptions = NO_OPTIONS): Promise<WriteInfo> {
    const view = this.viewOf(options);
    this.checkKey(key);
    const entry = this.newEntry(view, key, value, options, timestamp());
    const bytes = this.stack.encode(view, entry);
    view.adaptiveTtl?.written(key, entryContent(bytes), entry.createdAt);
    // The event travels in parallel with the write: receivers refuse copies older than it (see TierStack.announceSet).
    const [tiers] = await Promise.all([this.stack.write(view, key, entry, bytes), this.stack.announceSet(view, [key], entry.createdAt)]);
    const replicatedClass = view.cls.replicas > 0 && view.byteTiers.some((tier) => tier.name === 'l2');
    return { tiers, replicated: replicatedClass ? tiers.includes('l2') : undefined };
  }

  /** Stores many values; every value is validated and encoded before any is written. */
  async setMany<V>(items: ReadonlyArray<{ key: string; value: V } & SetOptions>, options: CallOptions = NO_OPTIONS): Promise<void> {
    if (!Array.isArray(items)) throw new StrataError(ErrorCode.INVALID_OPTION, 'setMany expects an array of { key, value, ttl?, tags? }');
    const view = this.viewOf(options);
    const now = timestamp();
    const prepared = items.map((item) => {
      this.checkKey(item.key);
      const entry = this.newEntry(view, item.key, item.value, item, now);
      const bytes = this.stack.encode(view, entry);
      view.adaptiveTtl?.written(item.key, entryContent(bytes), now);
      return { key: item.key, entry, bytes };
    });
    const announced = prepared.length > 0 ? this.stack.announceSet(view, prepared.map((p) => p.key), now) : undefined;
    await Promise.all([...prepared.map((p) => this.stack.write(view, p.key, p.entry, p.bytes)), announced]);
  }

  /**
   * The cached value, or the factory's (stored in the tiers of the class). Concurrent calls for one key share one
   * factory run. A stale value within its grace period is served when the factory throws or exceeds its timeouts.
   */
  async getOrSet<V>(key: string, factory: Factory<V>, options: GetOrSetOptions = NO_OPTIONS): Promise<V> {
    const view = options.class === undefined ? this.defaultView : this.viewOf(options);
    if (typeof key !== 'string' || key.length === 0 || key.length > this.maxKeyLength) this.checkKey(key);
    view.adaptiveTtl?.read(key, coarseNow());
    const fast = view.l1?.getFresh(key, coarseNow());
    if (fast !== undefined) {
      view.counters.l1Hits++;
      return fast as V;
    }
    return (await this.resolve(view, key, factory, options)).value;
  }

  /** Like `getOrSet`, and says how it was answered (hit / stale / miss) and by which tier. */
  async getOrSetWithInfo<V>(key: string, factory: Factory<V>, options: GetOrSetOptions = NO_OPTIONS): Promise<Answer<V>> {
    const view = this.viewOf(options);
    this.checkKey(key);
    view.adaptiveTtl?.read(key, coarseNow());
    const fast = view.l1?.getFresh(key, coarseNow());
    if (fast !== undefined) {
      view.counters.l1Hits++;
      return { value: fast as V, outcome: 'hit', tier: 'l1' };
    }
    return this.resolve(view, key, factory, options);
  }

  private resolve<V>(view: ClassView, key: string, factory: Factory<V>, options: GetOrSetOptions): Promise<Answer<V>> {
    if (typeof factory !== 'function') throw new StrataError(ErrorCode.INVALID_OPTION, 'getOrSet needs a factory function as its second argument');
    const soft = options.softTimeout === undefined ? this.stack.options.timeouts.soft : parseDuration(options.softTimeout, 'softTimeout');
    const hard = options.hardTimeout === undefined ? this.stack.options.timeouts.hard : parseDuration(options.hardTimeout, 'hardTimeout');
    const flightKey = view.keyPrefix + key;
    return this.flights.run(flightKey, async () => {
      const stack = this.stack;
      const lock = stack.coherence !== undefined && stack.l2 !== undefined && view.byteTiers.includes(stack.l2) ? stack.coherence.lock : undefined;
      if (lock === undefined) {
        const found = await stack.lookup(view, key);
        if (found.fresh !== undefined) return { value: found.fresh.entry.value, outcome: 'hit', tier: found.fresh.tier };
        view.counters.misses++;
        return this.runFactory(view, key, factory as Factory<unknown>, options, found.stale, soft, hard);
      }
      // The lock is taken in the L2 read's round trip when L2 misses, so a cold key costs no extra round trip for it.
      const claim = lock.claim(flightKey);
      const found = await stack.lookupOrClaim(view, key, claim);
      if (found.fresh !== undefined) {
        if (found.claimed === true) void lock.release(flightKey, claim.value).catch(() => false);
        return { value: found.fresh.entry.value, outcome: 'hit', tier: found.fresh.tier };
      }
      if (found.claimed === true) {
        view.counters.misses++;
        return this.runFactory(view, key, factory as Factory<unknown>, options, found.stale, soft, hard, { token: claim.value, withWrite: true });
      }
      const waited = await this.awaitLock(view, key, lock, found.claimed === false);
      if ('answer' in waited) return waited.answer;
      view.counters.misses++;
      return this.runFactory(view, key, factory as Factory<unknown>, options, found.stale, soft, hard, waited.token === undefined ? undefined : { token: waited.token, withWrite: false });
    }) as Promise<Answer<V>>;
  }

  /**
   * Distributed single-flight: takes the key's lock in Redis, or waits for the holder's value to appear in L2 (polling
   * with backoff). Gives up waiting when the lock was released without a value (then tries to take it) or after the
   * lock's TTL (the holder is slow or dead: this instance runs the factory). A Redis failure means no lock: the
   * factory runs here rather than a read failing. `held`: the caller already saw another holder, so waiting comes first.
   */
  private async awaitLock(view: ClassView, key: string, lock: DistributedLock, held: boolean): Promise<{ answer: Answer<unknown> } | { token?: string }> {
    const fullKey = view.keyPrefix + key;
    const deadline = Date.now() + lock.ttlMs;
    let delay = 2;
    let waitFirst = held;
    for (;;) {
      if (!waitFirst) {
        let token: string | undefined;
        try {
          token = await lock.tryAcquire(fullKey);
        } catch {
          return {};
        }
        if (token !== undefined) {
          // The previous holder may have written its value and released just after this instance last looked.
          const found = await this.stack.lookup(view, key);
          if (found.fresh === undefined) return { token };
          await lock.release(fullKey, token).catch(() => false);
          return { answer: { value: found.fresh.entry.value, outcome: 'hit', tier: found.fresh.tier } };
        }
      }
      waitFirst = false;
      for (;;) {
        const left = deadline - Date.now();
        if (left <= 0) return {};
        await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
        delay = Math.min(delay * 2, 50);
        const found = await this.stack.lookup(view, key);
        if (found.fresh !== undefined) return { answer: { value: found.fresh.entry.value, outcome: 'hit', tier: found.fresh.tier } };
        let stillHeld: boolean;
        try {
          stillHeld = await lock.isHeld(fullKey);
        } catch {
          return {};
        }
        if (!stillHeld) break;
      }
    }
  }

  /**
   * `held.withWrite`: the lock shares the value's cluster slot (it was taken by the L2 read itself), so its release can
   * be sent right behind the write: one connection, applied in order. Otherwise it is released once the write is done.
   */
  private async runFactory(view: ClassView, key: string, factory: Factory<unknown>, options: SetOptions, stale: Found | undefined, soft: number | undefined, hard: number | undefined, held?: { token: string; withWrite: boolean }): Promise<Answer<unknown>> {
    const stack = this.stack;
    const startedAt = timestamp();
    const abort = new AbortController();
    let ttl: Duration | undefined = options.ttl;
    let tags: readonly string[] | undefined = options.tags;
    const context: FactoryContext<unknown> = {
      key,
      stale: stale?.entry.value,
      signal: abort.signal,
      setTtl: (value) => {
        parseDuration(value, 'setTtl', true);
        ttl = value;
      },
      setTags: (value) => {
        tags = value;
      },
    };
    view.counters.factoryCalls++;
    const run = stack.beginRun(view, key);
    let heldToken = held?.token;
    const release = async (): Promise<void> => {
      const token = heldToken;
      heldToken = undefined;
      if (token !== undefined) await stack.coherence?.lock.release(view.keyPrefix + key, token).catch(() => false);
    };
    const produced = (async () => {
      try {
        const value = await factory(context);
        if (!stack.isClosed && !run.invalidated) {
          // createdAt is the start of the run, so a tag invalidated while the factory ran makes this value stale.
          const entry = this.newEntry(view, key, value, { ttl, grace: options.grace, tags }, startedAt);
          const bytes = stack.encode(view, entry);
          view.adaptiveTtl?.written(key, entryContent(bytes), startedAt);
          const written = stack.write(view, key, entry, bytes);
          // Redis applies the write first, so a waiter that sees the lock gone finds the value; with the release sent
          // right behind the write, both replies come back in one round trip.
          if (held?.withWrite === true) await Promise.all([written, release()]);
          else await written;
          if (stack.coherence !== undefined && stack.l2 !== undefined && view.byteTiers.includes(stack.l2)) stack.coherence.fills.watch(view.keyPrefix + key, startedAt);
        }
        return value;
      } finally {
        stack.endRun(view, key, run);
        await release();
      }
    })();
    this.producing.add(produced);
    produced.then(
      () => this.producing.delete(produced),
      () => this.producing.delete(produced),
    );

    const timers: NodeJS.Timeout[] = [];
    const deadline = (ms: number | undefined, kind: 'soft' | 'hard'): Promise<{ timeout: 'soft' | 'hard' }> | undefined =>
      ms === undefined || (kind === 'soft' && stale === undefined)
        ? undefined
        : new Promise((resolve) => {
            timers.push(setTimeout(() => resolve({ timeout: kind }), ms));
          });
    const race = [produced.then((value) => ({ value })), deadline(soft, 'soft'), deadline(hard, 'hard')].filter((p) => p !== undefined);
    try {
      const first = (await Promise.race(race)) as { value: unknown } | { timeout: 'soft' | 'hard' };
      if ('value' in first) return { value: first.value, outcome: 'miss', tier: 'factory' };
      produced.catch((error: unknown) => this.factoryFailed(view, key, error));
      if (first.timeout === 'hard') {
        abort.abort(new StrataError(ErrorCode.FACTORY_TIMEOUT, `factory for '${key}' exceeded its hard timeout`));
        view.counters.factoryTimeouts++;
      }
      if (stale !== undefined) return this.serveStale(view, key, stale, first.timeout === 'soft' ? 'soft-timeout' : 'hard-timeout');
      throw new StrataError(ErrorCode.FACTORY_TIMEOUT, `the factory for '${key}' took longer than its hard timeout (${hard} ms) and no stale value was available`, { details: { key, hardTimeout: hard } });
    } catch (error) {
      if (error instanceof StrataError && error.code === ErrorCode.FACTORY_TIMEOUT) throw error;
      this.factoryFailed(view, key, error);
      if (stale !== undefined) return this.serveStale(view, key, stale, 'factory-error');
      if (error instanceof StrataError && (error.code === ErrorCode.NOT_SERIALIZABLE || error.code === ErrorCode.VALUE_TOO_LARGE || error.code === ErrorCode.INVALID_TTL)) throw error;
      throw new StrataError(ErrorCode.FACTORY_ERROR, `the factory for '${key}' failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error, details: { key } });
    } finally {
      for (const t of timers) clearTimeout(t);
    }
  }

  private factoryFailed(view: ClassView, key: string, error: unknown): void {
    view.counters.factoryErrors++;
    this.stack.emit('factory:error', { namespace: this.name, className: view.cls.name, key, error });
  }

  private serveStale(view: ClassView, key: string, stale: Found, reason: 'factory-error' | 'soft-timeout' | 'hard-timeout'): Answer<unknown> {
    view.counters.staleServed++;
    this.stack.emit('stale:served', { namespace: this.name, className: view.cls.name, key, reason });
    return { value: stale.entry.value, outcome: 'stale', tier: stale.tier };
  }

  /** Deletes a key from every tier (and, with the replicated log, from every instance's L1). */
  async delete(key: string, options: CallOptions = NO_OPTIONS): Promise<void> {
    const view = this.viewOf(options);
    this.checkKey(key);
    view.adaptiveTtl?.invalidated(key, preciseNow());
    await this.stack.deleteKeys(view, [key]);
  }

  async deleteMany(keys: readonly string[], options: CallOptions = NO_OPTIONS): Promise<void> {
    const view = this.viewOf(options);
    this.checkKeys(keys);
    if (view.adaptiveTtl !== undefined) for (const key of keys) view.adaptiveTtl.invalidated(key, preciseNow());
    if (keys.length > 0) await this.stack.deleteKeys(view, keys);
  }

  /** Deletes the keys of a class matching a glob pattern (`*`, `?`, `[…]`) in every tier (SCAN in Redis, never KEYS). */
  async deletePattern(pattern: string, options: CallOptions = NO_OPTIONS): Promise<void> {
    const view = this.viewOf(options);
    if (typeof pattern !== 'string' || pattern.length === 0) throw new StrataError(ErrorCode.INVALID_KEY, 'deletePattern needs a non-empty glob pattern such as "user:42:*"');
    await this.stack.deletePattern(view, pattern);
  }

  /**
   * Expires a key logically: reads return nothing fresh, but the value stays as a grace fallback for `getOrSet`
   * until its grace period ends. Use it when the source changed and you would still rather serve the old value
   * than fail if the source is down.
   */
  async expire(key: string, options: CallOptions = NO_OPTIONS): Promise<void> {
    const view = this.viewOf(options);
    this.checkKey(key);
    const found = await this.stack.lookup(view, key);
    const current = found.fresh ?? found.stale;
    if (current === undefined) return;
    // 0 rather than now: the hit path's coarse clock may lag a fresh Date.now() by a millisecond.
    const entry: Entry = { ...current.entry, expiresAt: 0 };
    if (entry.staleUntil <= preciseNow()) {
      await this.stack.deleteKeys(view, [key]);
      return;
    }
    await this.stack.write(view, key, entry, this.stack.encode(view, entry));
  }

  /** Invalidates every entry carrying one of these tags, in every namespace and class. O(1) per tag. */
  async invalidateTags(tags: readonly string[]): Promise<void> {
    if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string' || t.length === 0)) {
      throw new StrataError(ErrorCode.INVALID_OPTION, 'invalidateTags expects an array of non-empty strings, e.g. ["product:42"]');
    }
    await this.stack.invalidateTags(tags, timestamp() + (this.stack.coherence?.clockSkewMs ?? 0));
  }

  /** Empties this namespace in every tier. */
  async clear(): Promise<void> {
    await this.stack.clearNamespace(this.name);
  }

  /** Subscribes to an event (`tier:error`, `stale:served`, `factory:error`, `decode:error`, `invalidate`). */
  on<E extends keyof StrataEvents>(event: E, listener: (...args: StrataEvents[E]) => void): this {
    this.stack.on(event, listener as never);
    return this;
  }

  off<E extends keyof StrataEvents>(event: E, listener: (...args: StrataEvents[E]) => void): this {
    this.stack.off(event, listener as never);
    return this;
  }

  stats(): StrataStats {
    const classes: Record<string, ClassStats> = {};
    let adaptiveTtl: Record<string, GroupTtl[]> | undefined;
    for (const view of this.stack.allViews()) {
      if (view.namespace !== this.name) continue;
      classes[view.cls.name] = view.counters.snapshot();
      if (view.adaptiveTtl !== undefined) (adaptiveTtl ??= {})[view.cls.name] = view.adaptiveTtl.describe(preciseNow());
    }
    const l1 = this.stack.l1?.stats();
    return {
      namespace: this.name,
      classes,
      l1: l1 === undefined ? undefined : { entries: l1.entries, bytes: l1.bytes, maxBytes: l1.maxBytes, evictions: l1.evictions, rejected: l1.rejected },
      inflight: this.flights.size,
      sync: this.stack.coherence?.log.stats(),
      hotKeys: warmUpOf(this.stack)?.stats(),
      ...(adaptiveTtl === undefined ? {} : { adaptiveTtl }),
    };
  }

  /**
   * Resolves once this instance is coherent with the others: the replicated log is tailing and the tag
   * invalidations recorded in Redis are loaded (at once without the log). Serve traffic after it.
   */
  ready(): Promise<void> {
    const coherent = this.stack.coherence?.ready ?? Promise.resolve();
    const warming = warmUpOf(this.stack)?.started;
    return warming === undefined ? coherent : coherent.then(() => warming);
  }

  /**
   * Prefetches the keys the instances read most (published in Redis by every instance) from L2 into L1, hottest
   * first: a new instance then answers its first requests from memory. Emits `warm:progress` and `warm:done`.
   * Throws INVALID_OPTION without hot-key tracking (it needs Redis as L2) and TIER_FAILURE when Redis is unreachable.
   */
  warm(options?: WarmOptions): Promise<WarmReport> {
    this.stack.assertOpen();
    const warmUp = warmUpOf(this.stack);
    if (warmUp === undefined) throw new StrataError(ErrorCode.INVALID_OPTION, 'warm needs hot-key tracking: configure l2 as a Redis URL (or hotKeys.connection) and leave hotKeys on');
    return warmUp.warm(this.name, options);
  }

  /** Publishes this instance's hottest keys to Redis now, rather than at the next interval (e.g. before a shutdown). */
  async publishHotKeys(): Promise<void> {
    this.stack.assertOpen();
    await warmUpOf(this.stack)?.publish();
  }

  /**
   * Makes L1 hold what Redis holds for these keys: their current values are copied from L2 into L1, and the L1 copies
   * of keys Redis no longer has are dropped. Keys of a batch Redis fails are left as they were (counted in `failed`).
   */
  async syncFromRedis(keys: readonly string[], options: CallOptions = NO_OPTIONS): Promise<SyncReport> {
    const view = this.viewOf(options);
    this.checkKeys(keys);
    return syncFromRedis(this.stack, view, keys);
  }

  /** Closes the tiers (every namespace of this cache). Later calls throw CLOSED. */
  async close(): Promise<void> {
    warmUpOf(this.stack)?.close();
    // Graceful shutdown: running factories finish and store their values (bounded by the hard timeout, or 10 s).
    if (this.producing.size > 0 && !this.stack.isClosed) {
      const bound = this.stack.options.timeouts.hard ?? CLOSE_DRAIN_MS;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...this.producing]), new Promise((resolve) => (timer = setTimeout(resolve, bound)))]);
      clearTimeout(timer);
    }
    await this.stack.close();
  }

  private viewOf(options: CallOptions): ClassView {
    if (options === null || typeof options !== 'object') throw new StrataError(ErrorCode.INVALID_OPTION, 'options must be an object');
    this.stack.assertOpen();
    return options.class === undefined ? this.defaultView : this.stack.view(this.name, options.class);
  }

  private checkKey(key: unknown): asserts key is string {
    if (typeof key !== 'string' || key.length === 0 || key.length > this.stack.options.maxKeyLength) {
      throw new StrataError(
        ErrorCode.INVALID_KEY,
        typeof key !== 'string'
          ? `keys must be strings, got ${key === null ? 'null' : typeof key}`
          : key.length === 0
            ? 'keys must not be empty'
            : `key is ${key.length} characters, over maxKeyLength (${this.stack.options.maxKeyLength}); hash long keys`,
      );
    }
  }

  private checkKeys(keys: readonly string[]): void {
    if (!Array.isArray(keys)) throw new StrataError(ErrorCode.INVALID_KEY, 'expected an array of keys');
    for (const key of keys) this.checkKey(key);
  }

  private newEntry(view: ClassView, key: string, value: unknown, options: SetOptions, createdAt: number): Entry {
    const cls = view.cls;
    if (value === undefined) throw new StrataError(ErrorCode.NOT_SERIALIZABLE, 'undefined cannot be cached (a miss reads as undefined); store null instead');
    const ttl = options.ttl === undefined ? (view.adaptiveTtl?.ttlFor(key, createdAt) ?? cls.ttl) : parseDuration(options.ttl, 'ttl', true);
    const grace = options.grace === undefined ? cls.grace : parseDuration(options.grace, 'grace', true);
    const tags = options.tags ?? [];
    if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string' || t.length === 0)) {
      throw new StrataError(ErrorCode.INVALID_OPTION, 'tags must be an array of non-empty strings');
    }
    const expiresAt = createdAt + ttl;
    return { value, createdAt, expiresAt, staleUntil: expiresAt + grace, tags };
  }

  /** The L2 and L3 tiers this cache was built with (shared by every namespace), for metrics and health checks. */
  tiers(): { l2: import('../tiers/tier.js').ByteTier | undefined; l3: import('../tiers/tier.js').ByteTier | undefined } {
    return { l2: this.stack.l2, l3: this.stack.l3 };
  }

  /** The namespaces opened so far on these tiers (this one included). */
  namespaces(): string[] {
    return [...this.children.keys()];
  }
}
