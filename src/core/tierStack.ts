import { EventEmitter } from 'node:events';
import type { Entry } from '../codec/entry.js';
import { decodeEntry, encodeEntry, isNewerFormat, uncompressedSize } from '../codec/envelope.js';
import type { ResolvedClass, ResolvedOptions } from '../config/options.js';
import { ErrorCode, StrataError } from '../errors.js';
import type { DistributedLock } from '../sync/distributedLock.js';
import type { FillGuard } from '../sync/fillGuard.js';
import type { InvalidationEvent, ReplicatedEvent } from '../sync/events.js';
import type { InvalidationLog, LogMetaStore } from '../sync/invalidationLog.js';
import type { WarmProgress, WarmReport } from '../sync/warmReport.js';
import { MemoryTier, type MemoryPartition } from '../tiers/memory.js';
import { compileGlob } from '../tiers/glob.js';
import type { ByteTier, Claim, TierName } from '../tiers/tier.js';
import { coarseNow, preciseNow, timestamp } from './clock.js';
import { AdaptiveTtl } from './adaptiveTtl.js';
import { ClassCounters } from './counters.js';
import { TagRegistry } from './tagRegistry.js';

/**
 * Heap an L1 entry costs beyond its encoded value and its key: the entry object, the decoded value's header, the
 * index slot. Measured with `cd bench && npx tsx suites/memory.ts --quick` (heap growth after GC minus the counted
 * bytes, per entry held): 286 bytes with 1 KB strings; counted here so that maxBytes bounds the heap, not the payload.
 */
const L1_ENTRY_OVERHEAD = 288;
/** L3 metadata key of the persisted tag invalidations. */
const TAGS_META_KEY = 'strata:tag-invalidations';
/** One settled promise for every miss, rather than a new one each time. */
const RESOLVED_UNDEFINED: Promise<undefined> = Promise.resolve(undefined);
/** Keys whose last change number is kept (see `TierStack.changedSince`). */
const MAX_TRACKED_CHANGES = 10_000;

/** The events a cache emits. Listeners must not throw. */
export interface StrataEvents {
  /** A call to L2 or L3 finished (emitted only while someone listens): for latency histograms. */
  'tier:op': [info: { tier: Exclude<TierName, 'l1'>; operation: string; ms: number; ok: boolean }];
  /** A tier call failed or timed out; the read or write carried on without that tier. */
  'tier:error': [info: { tier: Exclude<TierName, 'l1'>; operation: string; error: unknown }];
  /** Stored bytes did not decode and were deleted. */
  'decode:error': [info: { tier: TierName; key: string; error: StrataError }];
  /** A stale value was served because the factory failed or was slow. */
  'stale:served': [info: { namespace: string; className: string; key: string; reason: 'factory-error' | 'soft-timeout' | 'hard-timeout' }];
  /** A factory threw or timed out. */
  'factory:error': [info: { namespace: string; className: string; key: string; error: unknown }];
  /** Keys were deleted, tags invalidated or a namespace cleared by this instance. */
  invalidate: [event: InvalidationEvent];
  /**
   * Another instance's event was applied here; `lagMs` is from its publication to now (the propagation delay), `id`
   * its stream id (whose first part is the Redis server's time of the append).
   */
  'sync:applied': [info: { event: ReplicatedEvent; lagMs: number; id: string; readAt: number }];
  /** A warm-up copied a batch of hot keys from Redis into L1. */
  'warm:progress': [progress: WarmProgress];
  /** A warm-up finished (or stopped at its deadline). */
  'warm:done': [report: WarmReport];
}

/** What keeps this instance coherent with the others sharing its L2 (present when the replicated log is on). */
export interface Coherence {
  readonly log: InvalidationLog;
  readonly lock: DistributedLock;
  readonly fills: FillGuard;
  /** Added to the time of a tag invalidation, so entries written on a host whose clock runs ahead are still caught. */
  readonly clockSkewMs: number;
  /** Resolves once the log is tailing and the tag times are loaded. */
  readonly ready: Promise<void>;
}


/** A namespace + data class bound to its tiers: what every operation on a key works with. */
export interface ClassView {
  readonly namespace: string;
  readonly cls: ResolvedClass;
  readonly l1: MemoryPartition<Entry> | undefined;
  /** L2 and/or L3, in read order. */
  readonly byteTiers: readonly ByteTier[];
  /** `{prefix}:{namespace}:{class}:` */
  readonly keyPrefix: string;
  readonly counters: ClassCounters;
  /** The class's adaptive TTL, per namespace; absent for a fixed TTL. */
  readonly adaptiveTtl: AdaptiveTtl | undefined;
}

export type EntryState = 'fresh' | 'stale' | 'dead';

/** Where a lookup found its entry. */
export interface Found {
  entry: Entry;
  tier: TierName;
}

export interface Lookup {
  fresh?: Found;
  /** The newest usable stale entry, the grace fallback. */
  stale?: Found;
}

/**
 * The tiers of one cache and the shared state of its namespaces: reads through L1 → L2 → L3, writes to the tiers of
 * a data class, deletes, tag registry, counters. Knows tiers only through `MemoryTier` and `ByteTier`.
 * Never throws a tier failure: it counts it, emits `tier:error` and carries on without that tier.
 */
export class TierStack extends EventEmitter<StrataEvents> {
  readonly tags = new TagRegistry();
  readonly l1: MemoryTier<Entry> | undefined;
  readonly l2: ByteTier | undefined;
  readonly l3: ByteTier | undefined;
  private readonly views = new Map<string, ClassView>();
  /** Keys whose factory is running, with whether they were invalidated meanwhile (then its result is not stored). */
  private readonly running = new Map<string, { invalidated: boolean }>();
  private closed = false;
  /**
   * Change sequence: every write, delete or invalidation (local or remote) takes the next number; `changed` keeps the
   * number per key, `bulkChangeAt` that of the last change to many keys (pattern, namespace, everything). A read
   * that started before a change of its key must not copy what it read into L1.
   */
  private changeSeq = 0;
  private bulkChangeAt = 0;
  private readonly changed = new Map<string, number>();
  /** Set by `createStrata` when the replicated log is on. */
  coherence: Coherence | undefined;

  constructor(
    readonly options: ResolvedOptions,
    l2: ByteTier | undefined,
    l3: ByteTier | undefined,
  ) {
    super();
    this.l1 = options.l1 === false ? undefined : new MemoryTier<Entry>({ maxBytes: options.l1.maxBytes, policy: options.l1.policy, maxEntryBytes: Math.min(options.maxEntryBytes + L1_ENTRY_OVERHEAD, Math.floor(options.l1.maxBytes / 4)) });
    this.l2 = l2;
    this.l3 = l3;
    this.loadPersistedTags();
  }

  /** L3's metadata store, when L3 has one (`DiskTier` does). */
  private get meta(): LogMetaStore | undefined {
    const l3 = this.l3 as Partial<LogMetaStore> | undefined;
    return l3 !== undefined && typeof l3.getMeta === 'function' && typeof l3.setMeta === 'function' ? (l3 as LogMetaStore) : undefined;
  }

  /**
   * Tag invalidations are kept in L3's metadata too: without it an entry still on disk would be served again after a
   * restart of an instance that has no Redis (with Redis, the tag hash and the log restore them as well).
   */
  private loadPersistedTags(): void {
    let stored: string | undefined;
    try {
      stored = this.meta?.getMeta(TAGS_META_KEY);
    } catch {
      return;
    }
    if (stored === undefined) return;
    try {
      const pairs = JSON.parse(stored) as unknown;
      if (!Array.isArray(pairs)) return;
      for (const pair of pairs) {
        if (Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'number') this.tags.invalidate(pair[0], pair[1]);
      }
    } catch {
      // Unreadable metadata: any L3 entry may have been invalidated, and which cannot be told, so L3 starts empty.
      if (this.l3 !== undefined) void this.guard(this.l3, 'deletePattern', this.l3.deletePattern(`${this.options.prefix}:*`));
    }
  }

  private async persistTags(): Promise<void> {
    const meta = this.meta;
    if (meta === undefined) return;
    let longest = 0;
    for (const cls of this.options.classes.values()) longest = Math.max(longest, cls.ttl + cls.grace);
    // Every entry an older invalidation could hit has hard-expired by now.
    if (Number.isFinite(longest)) this.tags.prune(Date.now() - longest);
    try {
      await meta.setMeta(TAGS_META_KEY, JSON.stringify(this.tags.entries()));
    } catch (error) {
      this.emit('tier:error', { tier: 'l3', operation: 'setMeta', error });
    }
  }

  /** The view of a namespace + class; throws UNKNOWN_CLASS for a class that is not configured. */
  view(namespace: string, className: string): ClassView {
    const id = `${namespace}\u0000${className}`;
    let view = this.views.get(id);
    if (view === undefined) {
      const cls = this.options.classes.get(className);
      if (cls === undefined) {
        throw new StrataError(ErrorCode.UNKNOWN_CLASS, `unknown data class '${className}'; configured: ${[...this.options.classes.keys()].join(', ')}`);
      }
      view = {
        namespace,
        cls,
        l1: cls.tiers.includes('l1') && this.l1 !== undefined ? this.l1.partition(id) : undefined,
        byteTiers: this.byteTiersOf(cls),
        keyPrefix: `${this.options.prefix}:${namespace}:${className}:`,
        counters: new ClassCounters(),
        adaptiveTtl: cls.adaptiveTtl === undefined ? undefined : new AdaptiveTtl(cls.adaptiveTtl, cls.ttl),
      };
      this.views.set(id, view);
    }
    return view;
  }

  /** Every view created so far (for stats and namespace-wide operations). */
  allViews(): IterableIterator<ClassView> {
    return this.views.values();
  }

  /**
   * The byte tiers of a class. Without Redis, a class that asks for L2 keeps its shared copy in L3 instead, so the
   * embedded mode (L1 + L3) still survives restarts; a class with L1 only (user sessions) never leaves the process.
   */
  private byteTiersOf(cls: ResolvedClass): ByteTier[] {
    const tiers: ByteTier[] = [];
    if (cls.tiers.includes('l2') && this.l2 !== undefined) tiers.push(this.l2);
    const wantsL3 = cls.tiers.includes('l3') || (cls.tiers.includes('l2') && this.l2 === undefined);
    if (wantsL3 && this.l3 !== undefined) tiers.push(this.l3);
    return tiers;
  }

  stateOf(entry: Entry, now: number): EntryState {
    if (entry.staleUntil <= now || (entry.tags.length > 0 && this.tags.isInvalid(entry))) return 'dead';
    return entry.expiresAt > now ? 'fresh' : 'stale';
  }

  /** Looks a key up through every tier of its class, filling the tiers above the one that had it. */
  lookup(view: ClassView, key: string): Promise<Lookup> {
    return this.read(view, key, undefined);
  }

  /**
   * `lookup` for a `getOrSet` that needs the key's lock across instances: when L2 has nothing, its read takes the lock
   * in the same round trip (`ByteTier.getOrClaim`). `claimed` says whether it did (then the caller holds the lock and
   * must release it), or that another instance holds it (false), or that it was not tried (undefined).
   */
  lookupOrClaim(view: ClassView, key: string, claim: Claim): Promise<Lookup & { claimed?: boolean }> {
    return this.read(view, key, claim);
  }

  private async read(view: ClassView, key: string, claim: Claim | undefined): Promise<Lookup & { claimed?: boolean }> {
    this.assertOpen();
    const result: Lookup & { claimed?: boolean } = {};
    const now = preciseNow();
    const inL1 = view.l1?.get(key);
    if (inL1 !== undefined) {
      const state = this.stateOf(inL1, now);
      if (state === 'fresh') {
        view.counters.l1Hits++;
        result.fresh = { entry: inL1, tier: 'l1' };
        return result;
      }
      if (state === 'stale') result.stale = { entry: inL1, tier: 'l1' };
      else view.l1?.delete(key);
    }
    const fullKey = view.keyPrefix + key;
    const readAt = this.changeSeq;
    for (let i = 0; i < view.byteTiers.length; i++) {
      const tier = view.byteTiers[i] as ByteTier;
      let bytes: Uint8Array | undefined;
      if (claim !== undefined && tier === this.l2 && tier.getOrClaim !== undefined) {
        const reply = await this.guard(tier, 'getOrClaim', tier.getOrClaim(fullKey, claim), view);
        bytes = reply?.bytes;
        result.claimed = reply?.claimed;
      } else if (this.listenerCount('tier:op') > 0) bytes = await this.guard(tier, 'get', tier.get(fullKey), view);
      else {
        // The same as `guard` without its promise: one microtask less on every L2 and L3 read.
        try {
          bytes = await tier.get(fullKey);
        } catch (error) {
          bytes = this.tierFailed(tier, 'get', error, view);
        }
      }
      if (bytes === undefined) continue;
      const entry = this.decode(view, tier, fullKey, bytes);
      if (entry === undefined) continue;
      const state = this.stateOf(entry, now);
      if (state === 'fresh') {
        this.foundFresh(view, key, fullKey, i, entry, bytes, readAt);
        result.fresh = { entry, tier: tier.name };
        return result;
      }
      if (state === 'stale' && (result.stale === undefined || result.stale.entry.createdAt < entry.createdAt)) {
        result.stale = { entry, tier: tier.name };
      }
    }
    return result;
  }

  /**
   * The fresh value of a key, or `undefined` (counted as a miss): `lookup` for a plain `get`, which has no use for a
   * stale entry. Without `lookup`'s result objects and async frames: one `then` per byte tier asked, as this is the
   * whole cost of an L2 read above the network.
   */
  freshValue(view: ClassView, key: string): Promise<unknown> {
    this.assertOpen();
    const now = preciseNow();
    const l1 = view.l1;
    const inL1 = l1?.get(key);
    if (inL1 !== undefined) {
      const state = this.stateOf(inL1, now);
      if (state === 'fresh') {
        view.counters.l1Hits++;
        return Promise.resolve(inL1.value);
      }
      if (state === 'dead') l1?.delete(key);
    }
    return this.freshValueFrom(view, key, view.keyPrefix + key, 0, this.changeSeq, now);
  }

  private freshValueFrom(view: ClassView, key: string, fullKey: string, i: number, readAt: number, now: number): Promise<unknown> {
    const tier = view.byteTiers[i];
    if (tier === undefined) {
      view.counters.misses++;
      return RESOLVED_UNDEFINED;
    }
    if (tier.getWith !== undefined && this.listenerCount('tier:op') === 0) {
      return tier.getWith(
        fullKey,
        (bytes) => this.freshValueIn(view, key, fullKey, i, readAt, now, bytes),
        (error: unknown) => {
          this.tierFailed(tier, 'get', error, view);
          return this.freshValueFrom(view, key, fullKey, i + 1, readAt, now);
        },
      );
    }
    return this.guard(tier, 'get', tier.get(fullKey), view).then((bytes) => this.freshValueIn(view, key, fullKey, i, readAt, now, bytes));
  }

  /** The value in what byte tier `i` replied if it is fresh, else a look in the next tier. */
  private freshValueIn(view: ClassView, key: string, fullKey: string, i: number, readAt: number, now: number, bytes: Uint8Array | undefined): unknown {
    if (bytes !== undefined) {
      const tier = view.byteTiers[i] as ByteTier;
      const entry = this.decode(view, tier, fullKey, bytes);
      if (entry !== undefined && this.stateOf(entry, now) === 'fresh') {
        this.foundFresh(view, key, fullKey, i, entry, bytes, readAt);
        return entry.value;
      }
    }
    return this.freshValueFrom(view, key, fullKey, i + 1, readAt, now);
  }

  /** A fresh entry read from byte tier `i`: counted, and copied into L1 and the byte tiers above `i`. */
  private foundFresh(view: ClassView, key: string, fullKey: string, i: number, entry: Entry, bytes: Uint8Array, readAt: number): void {
    if ((view.byteTiers[i] as ByteTier).name === 'l2') view.counters.l2Hits++;
    else view.counters.l3Hits++;
    // A change that landed while this read was in flight wins: the bytes read may predate it.
    if (this.changedSince(fullKey, readAt)) return;
    this.fillL1(view, key, entry, bytes);
    for (let j = 0; j < i; j++) {
      const upper = view.byteTiers[j] as ByteTier;
      if (upper.isHealthy()) void this.guard(upper, 'set', upper.set(fullKey, bytes, entry.staleUntil), view);
    }
  }

  /** Looks many keys up: L1 first, then one batched call per byte tier for what is still missing. */
  async lookupMany(view: ClassView, keys: readonly string[]): Promise<Array<Entry | undefined>> {
    this.assertOpen();
    const now = preciseNow();
    const out: Array<Entry | undefined> = new Array(keys.length).fill(undefined);
    let missing: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      const inL1 = view.l1?.get(keys[i] as string);
      if (inL1 !== undefined && this.stateOf(inL1, now) === 'fresh') {
        out[i] = inL1;
        view.counters.l1Hits++;
      } else missing.push(i);
    }
    const readAt = this.changeSeq;
    for (const tier of view.byteTiers) {
      if (missing.length === 0) break;
      const fullKeys = missing.map((i) => view.keyPrefix + (keys[i] as string));
      const found = await this.guard(tier, 'getMany', tier.getMany(fullKeys), view);
      if (found === undefined) continue;
      const still: number[] = [];
      missing.forEach((index, j) => {
        const bytes = found[j];
        const entry = bytes === undefined ? undefined : this.decode(view, tier, fullKeys[j] as string, bytes);
        if (entry !== undefined && bytes !== undefined && this.stateOf(entry, now) === 'fresh') {
          out[index] = entry;
          if (tier.name === 'l2') view.counters.l2Hits++;
          else view.counters.l3Hits++;
          if (!this.changedSince(fullKeys[j] as string, readAt)) this.fillL1(view, keys[index] as string, entry, bytes);
        } else still.push(index);
      });
      missing = still;
    }
    view.counters.misses += missing.length;
    return out;
  }

  /**
   * Copies the fresh entries of `keys` from one byte tier into L1 without counting them as reads (warm-up,
   * `syncFromRedis`). Without `replace`, keys L1 holds are skipped; with it they are read again, and an L1 copy of a
   * key the tier does not hold fresh is dropped. Resolves to `undefined` when the tier failed (L1 left as it was).
   */
  async copyToL1(view: ClassView, tier: ByteTier, keys: readonly string[], replace: boolean): Promise<{ loaded: number; notFound: number; alreadyInL1: number } | undefined> {
    this.assertOpen();
    const l1 = view.l1;
    if (l1 === undefined) return { loaded: 0, notFound: keys.length, alreadyInL1: 0 };
    const wanted = replace ? keys : keys.filter((key) => !l1.has(key));
    const fullKeys = wanted.map((key) => view.keyPrefix + key);
    const readAt = this.changeSeq;
    const found = wanted.length === 0 ? [] : await this.guard(tier, 'getMany', tier.getMany(fullKeys), view);
    if (found === undefined) return undefined;
    const now = preciseNow();
    let loaded = 0;
    found.forEach((bytes, i) => {
      const key = wanted[i] as string;
      const fullKey = fullKeys[i] as string;
      // A local change that landed while the batch was in flight wins over what was read.
      if (this.changedSince(fullKey, readAt)) return;
      const entry = bytes === undefined ? undefined : this.decode(view, tier, fullKey, bytes);
      if (entry !== undefined && bytes !== undefined && this.stateOf(entry, now) === 'fresh' && this.fillL1(view, key, entry, bytes)) loaded++;
      else if (replace) l1.delete(key);
    });
    return { loaded, notFound: wanted.length - loaded, alreadyInL1: keys.length - wanted.length };
  }

  /**
   * Encodes an entry for the tiers of its class. Throws NOT_SERIALIZABLE or VALUE_TOO_LARGE before anything is
   * written, so a bad value never replaces a good one.
   */
  encode(view: ClassView, entry: Entry): Uint8Array {
    const bytes = encodeEntry(entry, { compressionThreshold: view.cls.compress ? this.options.compressionThreshold : 0, formatVersion: this.options.entryFormat });
    const size = uncompressedSize(bytes);
    if (size > this.options.maxEntryBytes) {
      throw new StrataError(ErrorCode.VALUE_TOO_LARGE, `the value is ${size} bytes encoded (before compression), over maxEntryBytes (${this.options.maxEntryBytes}); store it in parts or raise maxEntryBytes`, { details: { bytes: size, maxEntryBytes: this.options.maxEntryBytes } });
    }
    return bytes;
  }

  /** Writes an encoded entry to every tier of its class. Tier failures are counted, not thrown; resolves to the tiers that took it. */
  async write(view: ClassView, key: string, entry: Entry, bytes: Uint8Array): Promise<TierName[]> {
    this.assertOpen();
    view.counters.sets++;
    const run = this.running.get(view.keyPrefix + key);
    if (run !== undefined) run.invalidated = true;
    this.noteChange(view.keyPrefix + key);
    const filled = view.l1 !== undefined && this.fillL1(view, key, entry, bytes);
    if (view.l1 !== undefined && !filled) view.l1.delete(key);
    const fullKey = view.keyPrefix + key;
    const replicas = view.cls.replicas;
    const took = await Promise.all(view.byteTiers.map((tier) => this.guard(tier, 'set', tier.set(fullKey, bytes, entry.staleUntil, tier.name === 'l2' && replicas > 0 ? { replicas } : undefined).then(() => tier.name), view)));
    // A read sent before this write may have answered meanwhile and put the older entry back into L1.
    const inL1 = view.l1?.peek(key);
    if (inL1 !== undefined && inL1 !== entry && inL1.createdAt < entry.createdAt) this.fillL1(view, key, entry, bytes);
    this.noteChange(fullKey);
    const tiers: TierName[] = filled ? ['l1'] : [];
    for (const name of took) if (name !== undefined) tiers.push(name);
    return tiers;
  }

  /**
   * Deletes keys from every tier of their class. The event is appended in parallel with the deletes: a receiver that
   * gets it before L2 has dropped the keys may still read the old entries there, but refuses to copy them (they
   * predate the event's time).
   */
  async deleteKeys(view: ClassView, keys: readonly string[]): Promise<void> {
    this.assertOpen();
    const at = timestamp();
    this.dropLocal(view, keys);
    view.counters.deletes += keys.length;
    const fullKeys = keys.map((k) => view.keyPrefix + k);
    const announced = this.announce({ type: 'keys', namespace: view.namespace, className: view.cls.name, keys, at });
    await Promise.all(view.byteTiers.map((tier) => this.guard(tier, 'deleteMany', tier.deleteMany(fullKeys), view)));
    // Reads sent before the delete reached Redis may have put their answers into L1 meanwhile.
    this.dropLocal(view, keys);
    await announced;
  }

  /** Emits an invalidation and, with the replicated log, appends it (resolves once Redis has it or it is queued). */
  private async announce(event: InvalidationEvent): Promise<void> {
    this.emit('invalidate', event);
    if (this.coherence !== undefined) await this.coherence.log.publish(event);
  }

  /**
   * Tells the other instances that keys were given new values, the oldest created at `at`: they drop their L1/L3
   * copies and refuse older entries. Only classes shared through L2 and copied locally need it (a class in L1 alone
   * is never shared). Safe to run in parallel with the write itself (see `deleteKeys`).
   */
  async announceSet(view: ClassView, keys: readonly string[], at: number): Promise<void> {
    if (this.coherence === undefined || !view.byteTiers.includes(this.l2 as ByteTier)) return;
    if (!view.cls.tiers.includes('l1') && !view.cls.tiers.includes('l3')) return;
    await this.coherence.log.publish({ type: 'set', namespace: view.namespace, className: view.cls.name, keys, at });
  }

  /**
   * Applies another instance's event to this instance's own copies (L1, L3); L2 was changed by the sender. Everything
   * in memory happens before the first await, so a batch of events drops its L1 copies at once, whatever the L2/L3
   * calls of each cost.
   */
  async applyRemote(event: ReplicatedEvent): Promise<void> {
    if (this.closed) return;
    if (event.type === 'tags') {
      for (const tag of event.tags) this.tags.invalidate(tag, event.at);
      return;
    }
    const fills = this.coherence?.fills;
    if (event.type === 'clear') {
      const prefix = `${this.options.prefix}:${event.namespace}:`;
      for (const view of this.views.values()) if (view.namespace === event.namespace) view.l1?.clear();
      this.markRunning(prefix);
      if (fills !== undefined && fills.size > 0) await this.undoFills(fills.matching((k) => k.startsWith(prefix)));
      if (this.l3 !== undefined) await this.guard(this.l3, 'deletePattern', this.l3.deletePattern(`${prefix}*`));
      return;
    }
    if (!this.options.classes.has(event.className)) return;
    const view = this.view(event.namespace, event.className);
    const l3 = view.byteTiers.find((tier) => tier.name === 'l3');
    if (event.type === 'pattern') {
      const re = compileGlob(event.pattern).regExp;
      if (view.l1 !== undefined) for (const key of [...view.l1.keys()]) if (re.test(key)) view.l1.delete(key);
      this.markRunning(view.keyPrefix, re);
      const undone = fills !== undefined && fills.size > 0 ? this.undoFills(fills.matching((k) => k.startsWith(view.keyPrefix) && re.test(k.slice(view.keyPrefix.length)))) : undefined;
      await Promise.all([undone, l3 === undefined ? undefined : this.guard(l3, 'deletePattern', l3.deletePattern(view.keyPrefix + event.pattern), view)]);
      return;
    }
    const fullKeys = event.keys.map((k) => view.keyPrefix + k);
    if (event.at !== undefined) fills?.noteRemoteChange(fullKeys, event.at);
    this.dropLocal(view, event.keys);
    const undone = fills !== undefined && fills.size > 0 ? this.undoFills(fullKeys) : undefined;
    await Promise.all([undone, l3 === undefined ? undefined : this.guard(l3, 'deleteMany', l3.deleteMany(fullKeys), view)]);
  }

  /** Undoes watched factory writes to L2 (see `FillGuard`); a Redis failure is counted like any tier error. */
  private async undoFills(fullKeys: readonly string[]): Promise<void> {
    const fills = this.coherence?.fills;
    if (fills === undefined || fullKeys.length === 0 || this.l2 === undefined) return;
    await this.guard(this.l2, 'undoFill', fills.undo(fullKeys));
  }

  /**
   * Drops every local copy under this cache's prefix (L1 and L3): the replicated log could not prove that no
   * invalidation was missed. L1 is cleared again after L3, for reads that copied an L3 entry up meanwhile.
   */
  async dropAllLocal(): Promise<void> {
    this.l1?.clear();
    this.markRunning(`${this.options.prefix}:`);
    if (this.l3 !== undefined) await this.guard(this.l3, 'deletePattern', this.l3.deletePattern(`${this.options.prefix}:*`));
    this.l1?.clear();
  }

  /** Marks the running factories under a key prefix (and matching a pattern) as invalidated. */
  private markRunning(prefix: string, pattern?: RegExp): void {
    this.noteBulkChange();
    for (const [key, run] of this.running) {
      if (key.startsWith(prefix) && (pattern === undefined || pattern.test(key.slice(prefix.length)))) run.invalidated = true;
    }
  }

  /** Drops keys from L1 and marks running factories for them, without touching shared tiers (a remote invalidation). */
  dropLocal(view: ClassView, keys: readonly string[]): void {
    for (const key of keys) {
      view.l1?.delete(key);
      this.noteChange(view.keyPrefix + key);
      const run = this.running.get(view.keyPrefix + key);
      if (run !== undefined) run.invalidated = true;
    }
  }

  /** Records a tag invalidation at `at` (ms since the epoch). */
  async invalidateTags(tags: readonly string[], at: number): Promise<void> {
    this.assertOpen();
    for (const tag of tags) this.tags.invalidate(tag, at);
    await this.persistTags();
    await this.announce({ type: 'tags', tags, at });
  }

  /** Empties a namespace in every tier. */
  async clearNamespace(namespace: string): Promise<void> {
    this.assertOpen();
    for (const view of this.views.values()) {
      if (view.namespace === namespace) view.l1?.clear();
    }
    this.markRunning(`${this.options.prefix}:${namespace}:`);
    const pattern = `${this.options.prefix}:${namespace}:*`;
    const tiers = [this.l2, this.l3].filter((t): t is ByteTier => t !== undefined);
    await Promise.all(tiers.map((tier) => this.guard(tier, 'deletePattern', tier.deletePattern(pattern))));
    for (const view of this.views.values()) if (view.namespace === namespace) view.l1?.clear();
    this.markRunning(`${this.options.prefix}:${namespace}:`);
    await this.announce({ type: 'clear', namespace });
  }

  /** Deletes the keys of a class that match a glob pattern (`*`, `?`, `[…]`) in every tier. */
  async deletePattern(view: ClassView, pattern: string): Promise<void> {
    this.assertOpen();
    const re = compileGlob(pattern).regExp;
    const dropMatching = () => {
      if (view.l1 !== undefined) for (const key of [...view.l1.keys()]) if (re.test(key)) view.l1.delete(key);
      this.markRunning(view.keyPrefix, re);
    };
    dropMatching();
    await Promise.all(view.byteTiers.map((tier) => this.guard(tier, 'deletePattern', tier.deletePattern(view.keyPrefix + pattern), view)));
    dropMatching();
    await this.announce({ type: 'pattern', namespace: view.namespace, className: view.cls.name, pattern });
  }

  /**
   * Marks a factory run for a key. A delete, set or invalidation of the key while it runs sets `invalidated`, and the
   * factory's result is then returned to its callers but not stored: it may predate the change.
   */
  beginRun(view: ClassView, key: string): { invalidated: boolean } {
    const run = { invalidated: false };
    this.running.set(view.keyPrefix + key, run);
    return run;
  }

  endRun(view: ClassView, key: string, run: { invalidated: boolean }): void {
    const fullKey = view.keyPrefix + key;
    if (this.running.get(fullKey) === run) this.running.delete(fullKey);
  }

  /**
   * Puts an entry in L1. An untagged entry answers the synchronous hit path (`getFresh`) until its expiry without
   * the entry object being read; a tagged one always goes through the tag check.
   */
  fillL1(view: ClassView, key: string, entry: Entry, bytes: Uint8Array): boolean {
    if (view.l1 === undefined) return false;
    // An entry older than a change another instance announced is not copied, wherever it was read.
    if (this.coherence?.fills.predatesRemoteChange(view.keyPrefix + key, entry.createdAt) === true) return false;
    // 1 ms off the expiry: the coarse clock of the fast path is a truncated millisecond.
    return view.l1.set(key, entry, this.weigh(key, bytes), entry.tags.length === 0 ? entry.expiresAt - 1 : -Infinity, entry.value);
  }

  private noteChange(fullKey: string): void {
    // Bounded: forgetting the per-key numbers is safe when it counts as a change of every key.
    if (this.changed.size >= MAX_TRACKED_CHANGES) this.noteBulkChange();
    this.changed.set(fullKey, ++this.changeSeq);
  }

  private noteBulkChange(): void {
    this.changed.clear();
    this.bulkChangeAt = ++this.changeSeq;
  }

  private changedSince(fullKey: string, seq: number): boolean {
    if (this.changeSeq === seq) return false;
    return this.bulkChangeAt > seq || (this.changed.get(fullKey) ?? 0) > seq;
  }

  /** What an entry costs L1: its decoded size is close to its uncompressed encoded size, plus key and bookkeeping. */
  weigh(key: string, bytes: Uint8Array): number {
    return uncompressedSize(bytes) + key.length * 2 + L1_ENTRY_OVERHEAD;
  }

  /** Awaits a tier call; a rejection is counted and emitted and becomes `undefined`. */
  guard<T>(tier: ByteTier, operation: string, call: Promise<T>, view?: ClassView): Promise<T | undefined> {
    // Without a latency listener, one `then` and no async frame: this sits on every L2 and L3 read.
    if (this.listenerCount('tier:op') === 0) return Promise.resolve(call).then(undefined, (error: unknown) => this.tierFailed(tier, operation, error, view));
    const start = performance.now();
    return Promise.resolve(call).then(
      (result) => {
        this.emit('tier:op', { tier: tier.name, operation, ms: performance.now() - start, ok: true });
        return result;
      },
      (error: unknown) => {
        this.emit('tier:op', { tier: tier.name, operation, ms: performance.now() - start, ok: false });
        return this.tierFailed(tier, operation, error, view);
      },
    );
  }

  private tierFailed(tier: ByteTier, operation: string, error: unknown, view: ClassView | undefined): undefined {
    if (view !== undefined) {
      if (tier.name === 'l2') view.counters.l2Errors++;
      else view.counters.l3Errors++;
    }
    this.emit('tier:error', { tier: tier.name, operation, error });
    return undefined;
  }

  private decode(view: ClassView, tier: ByteTier, fullKey: string, bytes: Uint8Array): Entry | undefined {
    try {
      return decodeEntry(bytes);
    } catch (error) {
      view.counters.decodeErrors++;
      const err = error instanceof StrataError ? error : new StrataError(ErrorCode.DECODE_FAILED, 'stored bytes did not decode', { cause: error });
      this.emit('decode:error', { tier: tier.name, key: fullKey, error: err });
      if (!isNewerFormat(err)) void this.guard(tier, 'delete', tier.delete(fullKey), view);
      return undefined;
    }
  }

  assertOpen(): void {
    if (this.closed) throw new StrataError(ErrorCode.CLOSED, 'this cache was closed; create a new one with createStrata()');
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.coherence?.log.close();
    const tiers = [this.l2, this.l3].filter((t): t is ByteTier => t !== undefined);
    await Promise.all(tiers.map((tier) => tier.close().catch((error: unknown) => this.emit('tier:error', { tier: tier.name, operation: 'close', error }))));
    this.l1?.clear();
  }

  /** Milliseconds on the coarse clock, for the synchronous hit path. */
  static now(): number {
    return coarseNow();
  }
}
