import { ErrorCode, StrataError } from '../errors.js';
import { FrequencySketch, mixHash } from './policy/frequencySketch.js';
import { GhostSet } from './policy/ghostSet.js';
import { ReuseHistory } from './policy/reuseHistory.js';

export interface MemoryTierOptions {
  /** Upper bound of the summed weights of all entries (bytes for the cache, entry count for trace replay). */
  maxBytes: number;
  /** Entries heavier than this are refused (set returns false). Default: maxBytes / 8, at least 1. */
  maxEntryBytes?: number;
  /** 'tinylfu' (default): W-TinyLFU admission with an adaptive window; 'lru': plain LRU, for comparison. */
  policy?: 'tinylfu' | 'lru';
}

export interface MemoryTierStats {
  entries: number;
  bytes: number;
  maxBytes: number;
  /** Entries removed to make room, including new entries the admission policy turned away. */
  evictions: number;
  /** Sets refused because the weight exceeded `maxEntryBytes`. */
  rejected: number;
  /** Current weight of the admission window (with the 'lru' policy, every entry lives there). */
  windowBytes: number;
}

export interface MemoryPartition<T> {
  /** Records an access (frequency + recency). Does not allocate on a hit; never async. */
  get(key: string): T | undefined;
  /**
   * The hit path of a cache: the entry's fast value when its `fastUntil` (given to `set`) is later than `now`,
   * recording the access; `undefined` otherwise, without touching the policy. It reads only typed-array columns and
   * the value column, never the stored value itself, so a hit costs no extra memory access for an expiry check.
   */
  getFresh(key: string, now: number): unknown;
  /** Looks without touching the policy. */
  peek(key: string): T | undefined;
  has(key: string): boolean;
  /**
   * Inserts or replaces; weight >= 1. Returns false when refused (weight > maxEntryBytes); a refused set removes
   * any previous value of the key. An accepted entry may still be evicted right away when it is heavier than the
   * admission window and less frequent than the main space's victim.
   */
  set(key: string, value: T, weight: number, fastUntil?: number, fastValue?: unknown): boolean;
  delete(key: string): boolean;
  clear(): void;
  keys(): IterableIterator<string>;
  /** Counts reads of keys that did not go through `getFresh` (batched reads) for `MemoryTier.sampleReads`. */
  noteReads(keys: readonly string[]): void;
  readonly size: number;
}

/** What `MemoryTier.sampleReads` hands over: the partition read and the key. */
export type ReadSampler<T> = (partition: MemoryPartition<T>, key: string) => void;

// Slots 0..2 are the sentinels of the three circular lists; a slot's queue id is its list's sentinel.
const WINDOW = 0;
const PROBATION = 1;
const PROTECTED = 2;
const FIRST_SLOT = 3;
// Offsets inside a slot's four `links` cells.
const NEXT = 0;
const PREV = 1;
const HASH = 2;
const QUEUE = 3;
/** Share of the main space kept for entries that were hit at least once since they entered it. */
const PROTECTED_FRACTION = 0.8;
/** Starting share of the admission window; ghost hits move it. */
const INITIAL_WINDOW_FRACTION = 0.01;
/**
 * Each ghost list remembers this share of the cache's entry count. Short memories react to keys that come back
 * soon after being dropped, the signal that matters; measured on the traces, 0.02..0.15 all beat LRU on every row.
 */
const GHOST_FRACTION = 0.1;
const MIN_GHOSTS = 16;
/**
 * The reuse history answers for keys evicted within this share of the entry count (in insertions). Measured on the
 * traces (docs/adr-l1-window-adaptation.md): 0.15..0.35 are within noise of each other; 0.5 and more lose several
 * points on multi3 at 1000 entries (longer memories admit stale keys over the main space).
 */
const HISTORY_FRACTION = 0.2;
/**
 * A candidate this frequent (the sketch's maximum) is occasionally admitted anyway, so forged-hot victims cannot
 * block it. Lower thresholds admit warm keys at random with the longer sketch memory and break loops (loop trace:
 * 0.85 of the gap at a threshold of 6 instead of 1.00).
 */
const ADMIT_HASHDOS_THRESHOLD = 15;
/**
 * The sketch halves its counters after this many increments per entry. Measured with the reuse-gap rule: 20 gave
 * more on multi3 at 1000 entries and on orm-busy than 10 (Caffeine's value); 6, 8, 14 and 30 did worse.
 */
const SKETCH_AGING_FACTOR = 20;
const INITIAL_SLOTS = 1024;
/** Countdown of a tier that samples nothing: a read then only decrements it, and it is reset when it runs out. */
const NOT_SAMPLING = 1 << 30;
/** Hits queued before they are accounted: enough to amortise the drain, few enough to stay in the L1 data cache. */
const PENDING_HITS = 64;
/** The reuse gap of a key the history does not remember: longer than any victim's recency. */
const UNKNOWN_GAP = 0x7fffffff;

/**
 * The in-process tier (L1): entries of any type, bounded by the sum of their weights.
 *
 * Policy: W-TinyLFU. New entries enter a small LRU window; an entry leaving the window competes with the main
 * space's least recently used probation entry, and the one with the higher estimated frequency (a count-min sketch
 * with aging) stays; a tie goes to the victim, unless the candidate was refused shortly before and came back while
 * its ghost was remembered. A less frequent candidate is still admitted when it was evicted shortly before and came
 * back sooner than the victim has been used (its reuse gap is shorter than the victim's recency, LIRS's criterion):
 * this lets a new working set replace a stale popular one. The main space is a segmented LRU (probation, protected).
 *
 * The window adapts as in ARC: the hashes of recently rejected candidates and of recently evicted main entries are
 * kept in two short ghost lists. A new key found among the rejected candidates means the window was too small to
 * let its recency show (grow the window); one found among the evicted main entries means the main space was too
 * small (shrink the window). Recency-heavy workloads thus get a large window, frequency-heavy ones a small one.
 * (Caffeine's hill climber on the sampled hit rate was measured first: it lost up to 2.5 points to LRU on the
 * recency-heavy traces, where the ghost feedback stays above LRU; see bench/traces.ts.)
 *
 * Layout (as in lru-cache): entries are slot indexes into shared columns (typed arrays for links, weights and
 * hashes; plain arrays for keys, values and owners). A hit touches no object but the value and allocates nothing.
 * Each partition maps its own keys to slots, so namespaced keys are never concatenated on the hit path.
 * A hit only queues its slot; the queue (64 hits) is accounted in hit order — sketch increment, list move, promotion —
 * when it fills and before anything reads or changes the lists (a set, a removal, `stats`). The entries kept are
 * exactly those of accounting every hit at once (`test/memory.test.ts`), and the hit path stays a map lookup, an
 * expiry compare and one store: measured with `cd bench && npx tsx suites/l1.ts --quick`, getSync ÷ lru-cache get
 * went from 1.66–1.72× to 1.31–1.53× on the same machine.
 */
export class MemoryTier<T> {
  private readonly maxBytes: number;
  private readonly maxEntryBytes: number;
  private readonly lru: boolean;
  private readonly partitionsByName = new Map<string, Partition<T>>();
  private readonly sketch: FrequencySketch;
  /** Candidates refused by the admission filter. */
  private readonly rejectedGhosts = new GhostSet();
  /** Main-space victims evicted in favour of a candidate. */
  private readonly evictedGhosts = new GhostSet();
  /** Last uses of recently evicted keys, for the reuse gap of a key that comes back. */
  private readonly history: ReuseHistory;
  /**
   * Insertions of new keys so far: the clock of reuse gaps and recencies. Hits do not tick it, so the hit path
   * stays as it was; measured against a clock of every request, the traces gave the same hit ratios.
   */
  private insertions = 0;
  /**
   * Slots hit but not yet accounted (sketch increment and list move), in hit order; see `recordHit`. Every method that
   * reads or changes the lists or the sketch drains it first, so decisions are those of accounting each hit at once.
   */
  private readonly pendingHits = new Int32Array(PENDING_HITS);
  private pendingCount = 0;

  /** Per slot, interleaved so a hit reads one cache line: next, prev, sketch hash, queue (see the offsets below). */
  private links: Int32Array;
  private weights: Float64Array;
  /** Per slot, 1 when the key was inserted while its hash was among the refused candidates' ghosts. */
  private returning: Uint8Array;
  /** Per slot, the insertion clock when the entry was inserted or last promoted out of probation. */
  private lastUse: Int32Array;
  /** Per slot, insertion-clock ticks between the key's last use before it was evicted and its return; int32 max if unknown. */
  private reuseGap: Int32Array;
  /** Per slot, until when `getFresh` may answer with the slot's fast value (ms; -Infinity: never). */
  private fastUntil: Float64Array;
  private freeSlots: Int32Array;
  private readonly slotKeys: string[] = [];
  private readonly values: Array<T | undefined> = [];
  private readonly fastValues: unknown[] = [];
  private readonly owners: Array<Partition<T> | undefined> = [];
  private capacity = 0;
  private freeCount = 0;
  private highWater = FIRST_SLOT;

  private entries = 0;
  private totalBytes = 0;
  private windowBytes = 0;
  private protectedBytes = 0;
  private windowMax: number;
  private protectedMax: number;
  private evictions = 0;
  private rejected = 0;
  private randomState = 0x2545f491;
  private sampler: ReadSampler<T> | undefined;
  private sampleEvery = 0;
  /** Separate from `randomState`, so sampling never changes admission decisions. */
  private sampleRandom = 0x6d2b79f5;

  constructor(options: MemoryTierOptions) {
    const { maxBytes } = options;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
      throw new StrataError(ErrorCode.INVALID_OPTION, `memory maxBytes must be a positive integer, got ${String(maxBytes)}`);
    }
    const maxEntryBytes = options.maxEntryBytes ?? Math.max(1, Math.floor(maxBytes / 8));
    if (!Number.isFinite(maxEntryBytes) || maxEntryBytes < 1 || maxEntryBytes > maxBytes) {
      throw new StrataError(
        ErrorCode.INVALID_OPTION,
        `memory maxEntryBytes must be between 1 and maxBytes (${maxBytes}), got ${String(maxEntryBytes)}`,
      );
    }
    const policy = options.policy ?? 'tinylfu';
    if (policy !== 'tinylfu' && policy !== 'lru') {
      throw new StrataError(ErrorCode.INVALID_OPTION, `memory policy must be 'tinylfu' or 'lru', got ${String(policy)}`);
    }
    this.maxBytes = maxBytes;
    this.maxEntryBytes = maxEntryBytes;
    this.lru = policy === 'lru';
    this.windowMax = this.lru ? maxBytes : Math.max(1, Math.floor(maxBytes * INITIAL_WINDOW_FRACTION));
    this.protectedMax = Math.floor((maxBytes - this.windowMax) * PROTECTED_FRACTION);
    this.links = new Int32Array(0);
    this.weights = new Float64Array(0);
    this.returning = new Uint8Array(0);
    this.lastUse = new Int32Array(0);
    this.reuseGap = new Int32Array(0);
    this.fastUntil = new Float64Array(0);
    this.freeSlots = new Int32Array(0);
    this.grow(Math.min(maxBytes + 1, INITIAL_SLOTS) + FIRST_SLOT);
    this.sketch = new FrequencySketch(Math.min(maxBytes, this.capacity), SKETCH_AGING_FACTOR);
    this.history = new ReuseHistory(this.lru ? 0 : this.capacity);
    for (let s = WINDOW; s <= PROTECTED; s++) {
      this.links[(s << 2) | NEXT] = s;
      this.links[(s << 2) | PREV] = s;
    }
  }

  /** A key space sharing this tier's budget and policy; the same name returns the same object. */
  partition(name: string): MemoryPartition<T> {
    let partition = this.partitionsByName.get(name);
    if (partition === undefined) {
      partition = new Partition<T>(this, hashString(0x9747b28c, name));
      partition.countdown = this.samplePeriod();
      this.partitionsByName.set(name, partition);
    }
    return partition;
  }

  /**
   * Calls `onSample` for about one read in `every` of `getFresh` and `noteReads` (`undefined` stops sampling). The
   * period is jittered, so reads that repeat with a period of their own cannot hide a key. The hit path pays one
   * decrement; the callback runs on the reader's time, so it should only queue the key.
   */
  sampleReads(every: number, onSample: ReadSampler<T> | undefined): void {
    if (onSample !== undefined && (!Number.isInteger(every) || every < 1)) {
      throw new StrataError(ErrorCode.INVALID_OPTION, `sampleReads needs a positive integer period, got ${String(every)}`);
    }
    this.sampler = onSample;
    this.sampleEvery = every;
    for (const partition of this.partitionsByName.values()) partition.countdown = this.samplePeriod();
  }

  /** @internal A partition's countdown ran out. */
  sampled(partition: Partition<T>, key: string): void {
    partition.countdown = this.samplePeriod();
    this.sampler?.(partition, key);
  }

  /** Reads until the next sample: uniform in 1..2·every-1, so `every` on average. */
  private samplePeriod(): number {
    if (this.sampler === undefined) return NOT_SAMPLING;
    if (this.sampleEvery === 1) return 1;
    let x = this.sampleRandom;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.sampleRandom = x;
    return 1 + ((x >>> 0) % (2 * this.sampleEvery - 1));
  }

  /** Drops every entry of every partition (frequency history is kept). */
  clear(): void {
    for (const partition of this.partitionsByName.values()) partition.clear();
  }

  stats(): MemoryTierStats {
    if (this.pendingCount !== 0) this.drainHits();
    return {
      entries: this.entries,
      bytes: this.totalBytes,
      maxBytes: this.maxBytes,
      evictions: this.evictions,
      rejected: this.rejected,
      windowBytes: this.windowBytes,
    };
  }

  /** @internal The hit path: recency and frequency of `slot`, then its value. */
  hit(slot: number): T | undefined {
    this.recordHit(slot);
    return this.values[slot];
  }

  /** @internal The fast hit path; see `MemoryPartition.getFresh`. */
  hitIfFresh(slot: number, now: number): unknown {
    if (!(this.fastUntil[slot]! > now)) return undefined;
    this.recordHit(slot);
    return this.fastValues[slot];
  }

  /** Queues a hit: the hit path only appends, the bookkeeping runs in one loop per `PENDING_HITS` hits. */
  private recordHit(slot: number): void {
    this.pendingHits[this.pendingCount] = slot;
    if (++this.pendingCount === PENDING_HITS) this.drainHits();
  }

  /** Accounts the queued hits in the order they happened. */
  private drainHits(): void {
    const count = this.pendingCount;
    this.pendingCount = 0;
    const pending = this.pendingHits;
    if (this.lru) {
      for (let i = 0; i < count; i++) this.moveToTail(pending[i]!, WINDOW);
      return;
    }
    for (let i = 0; i < count; i++) {
      const slot = pending[i]!;
      this.sketch.increment(this.links[(slot << 2) | HASH]!);
      this.touch(slot);
    }
  }

  /** @internal */
  valueAt(slot: number): T | undefined {
    return this.values[slot];
  }

  /** @internal Inserts or replaces; `existing` is the key's current slot, if any. */
  store(owner: Partition<T>, key: string, value: T, weight: number, existing: number | undefined, fastUntil: number, fastValue: unknown): boolean {
    if (!(weight >= 1) || !Number.isFinite(weight)) {
      throw new StrataError(ErrorCode.INVALID_OPTION, `memory entry weight must be a finite number >= 1, got ${String(weight)}`);
    }
    if (this.pendingCount !== 0) this.drainHits();
    if (weight > this.maxEntryBytes) {
      if (existing !== undefined) this.remove(existing);
      this.rejected++;
      return false;
    }
    if (existing !== undefined) {
      this.values[existing] = value;
      this.fastValues[existing] = fastValue;
      this.fastUntil[existing] = fastUntil;
      const delta = weight - this.weights[existing]!;
      this.weights[existing] = weight;
      this.totalBytes += delta;
      const queue = this.links[(existing << 2) | QUEUE];
      if (queue === WINDOW) this.windowBytes += delta;
      else if (queue === PROTECTED) this.protectedBytes += delta;
      if (this.lru) this.moveToTail(existing, WINDOW);
      else {
        this.sketch.increment(this.links[(existing << 2) | HASH]!);
        this.touch(existing);
      }
    } else {
      const slot = this.allocate();
      const hash = mixHash(hashString(owner.seed, key));
      this.slotKeys[slot] = key;
      this.values[slot] = value;
      this.fastValues[slot] = fastValue;
      this.fastUntil[slot] = fastUntil;
      this.owners[slot] = owner;
      this.links[(slot << 2) | HASH] = hash;
      this.weights[slot] = weight;
      this.links[(slot << 2) | QUEUE] = WINDOW;
      this.linkTail(slot, WINDOW);
      this.windowBytes += weight;
      this.totalBytes += weight;
      this.entries++;
      owner.slots.set(key, slot);
      this.returning[slot] = 0;
      if (!this.lru) {
        const now = (this.insertions = (this.insertions + 1) | 0);
        this.lastUse[slot] = now;
        const previousUse = this.history.take(hash, now, this.historyHorizon());
        this.reuseGap[slot] = previousUse === undefined ? UNKNOWN_GAP : (now - previousUse) | 0;
        this.sketch.increment(hash);
        if (this.learnFromGhosts(hash, weight)) this.returning[slot] = 1;
      }
    }
    if (this.totalBytes > this.maxBytes || this.windowBytes > this.windowMax) this.evict();
    return true;
  }

  /** @internal Unlinks and frees `slot`, and forgets it in its partition. */
  remove(slot: number): void {
    const owner = this.owners[slot]!;
    owner.slots.delete(this.slotKeys[slot]!);
    this.release(slot);
  }

  /** @internal Frees `slot` without touching its partition's map (the partition is clearing it). */
  release(slot: number): void {
    if (this.pendingCount !== 0) this.drainHits();
    this.unlink(slot);
    const weight = this.weights[slot]!;
    const queue = this.links[(slot << 2) | QUEUE];
    if (queue === WINDOW) this.windowBytes -= weight;
    else if (queue === PROTECTED) this.protectedBytes -= weight;
    this.totalBytes -= weight;
    this.entries--;
    this.slotKeys[slot] = '';
    this.values[slot] = undefined;
    this.fastValues[slot] = undefined;
    this.owners[slot] = undefined;
    this.freeSlots[this.freeCount++] = slot;
  }

  /** Recency update for W-TinyLFU: a probation entry that is hit again earns a place in the protected segment. */
  private touch(slot: number): void {
    const queue = this.links[(slot << 2) | QUEUE]!;
    if (queue !== PROBATION) {
      this.moveToTail(slot, queue);
      return;
    }
    this.links[(slot << 2) | QUEUE] = PROTECTED;
    this.lastUse[slot] = this.insertions;
    this.moveToTail(slot, PROTECTED);
    this.protectedBytes += this.weights[slot]!;
    this.demoteProtectedOverflow();
  }

  private demoteProtectedOverflow(): void {
    while (this.protectedBytes > this.protectedMax) {
      const slot = this.links[(PROTECTED << 2) | NEXT]!;
      if (slot === PROTECTED) return;
      this.protectedBytes -= this.weights[slot]!;
      this.links[(slot << 2) | QUEUE] = PROBATION;
      this.moveToTail(slot, PROBATION);
    }
  }

  private evict(): void {
    if (this.lru) {
      while (this.totalBytes > this.maxBytes) {
        const oldest = this.links[(WINDOW << 2) | NEXT]!;
        if (oldest === WINDOW) return;
        this.evictSlot(oldest);
      }
      return;
    }
    // Entries overflowing the window move to the probation tail; they are this round's admission candidates.
    let candidate = -1;
    while (this.windowBytes > this.windowMax) {
      const slot = this.links[(WINDOW << 2) | NEXT]!;
      if (slot === WINDOW) break;
      this.windowBytes -= this.weights[slot]!;
      this.links[(slot << 2) | QUEUE] = PROBATION;
      this.moveToTail(slot, PROBATION);
      if (candidate === -1) candidate = slot;
    }
    let victimQueue = PROBATION;
    let victim = this.links[(PROBATION << 2) | NEXT]!;
    while (this.totalBytes > this.maxBytes) {
      if (candidate === -1) {
        this.evictSlot(this.leastRecentlyUsed());
        continue;
      }
      if (victim === candidate || victim === victimQueue) {
        if (victimQueue === PROBATION) {
          victimQueue = PROTECTED;
          victim = this.links[(PROTECTED << 2) | NEXT]!;
          continue;
        }
        const loser = candidate;
        candidate = this.nextCandidate(candidate);
        this.evictSlot(loser);
        continue;
      }
      if (this.admit(candidate, victim)) {
        const loser = victim;
        victim = this.links[(victim << 2) | NEXT]!;
        this.evictedGhosts.add(this.links[(loser << 2) | HASH]!, this.ghostLimit());
        this.evictSlot(loser);
      } else {
        const loser = candidate;
        candidate = this.nextCandidate(candidate);
        this.rejectedGhosts.add(this.links[(loser << 2) | HASH]!, this.ghostLimit());
        this.evictSlot(loser);
      }
    }
  }

  private nextCandidate(candidate: number): number {
    const following = this.links[(candidate << 2) | NEXT]!;
    return following === PROBATION ? -1 : following;
  }

  private leastRecentlyUsed(): number {
    for (const queue of [PROBATION, PROTECTED, WINDOW]) {
      const slot = this.links[(queue << 2) | NEXT]!;
      if (slot !== queue) return slot;
    }
    throw new Error('memory tier over budget with no entry left');
  }

  /**
   * TinyLFU: the candidate replaces the victim only if it was seen more often recently. A tie goes to the candidate
   * when it was refused once already and came back while its ghost was remembered: two accesses that close together
   * (a short inter-reference gap, the signal LIRS ranks by) are more telling than the victim's equal count. For the
   * same reason a candidate whose reuse gap is shorter than the time since the victim's last known use wins.
   */
  private admit(candidate: number, victim: number): boolean {
    const candidateFrequency = this.sketch.frequency(this.links[(candidate << 2) | HASH]!);
    const victimFrequency = this.sketch.frequency(this.links[(victim << 2) | HASH]!);
    if (candidateFrequency > victimFrequency) return true;
    if (candidateFrequency === victimFrequency && this.returning[candidate] === 1) return true;
    if (this.reuseGap[candidate]! < ((this.insertions - this.lastUse[victim]!) | 0)) return true;
    if (candidateFrequency < ADMIT_HASHDOS_THRESHOLD) return false;
    return (this.nextRandom() & 127) === 0;
  }

  /** xorshift32: deterministic, so a replay gives the same hit ratio every run. */
  private nextRandom(): number {
    let x = this.randomState;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.randomState = x;
    return x >>> 0;
  }

  private evictSlot(slot: number): void {
    if (!this.lru) this.history.record(this.links[(slot << 2) | HASH]!, this.lastUse[slot]!, this.insertions);
    this.evictions++;
    this.remove(slot);
  }

  /**
   * ARC-style feedback: steps are larger when the opposite ghost list is the longer one.
   * Returns true when `hash` was among the refused candidates.
   */
  private learnFromGhosts(hash: number, weight: number): boolean {
    const rejected = this.rejectedGhosts.size;
    const evicted = this.evictedGhosts.size;
    if (rejected > 0 && this.rejectedGhosts.delete(hash)) {
      this.resizeWindow(weight * Math.max(1, evicted / rejected));
      return true;
    }
    if (evicted > 0 && this.evictedGhosts.delete(hash)) {
      this.resizeWindow(-weight * Math.max(1, rejected / evicted));
    }
    return false;
  }

  private resizeWindow(delta: number): void {
    this.windowMax = Math.min(Math.max(1, this.maxBytes - 1), Math.max(1, this.windowMax + delta));
    this.protectedMax = Math.floor((this.maxBytes - this.windowMax) * PROTECTED_FRACTION);
    this.demoteProtectedOverflow();
  }

  private historyHorizon(): number {
    return Math.max(MIN_GHOSTS, Math.floor(this.entries * HISTORY_FRACTION));
  }

  private ghostLimit(): number {
    return Math.max(MIN_GHOSTS, Math.floor(this.entries * GHOST_FRACTION));
  }

  private allocate(): number {
    if (this.freeCount > 0) return this.freeSlots[--this.freeCount]!;
    if (this.highWater === this.capacity) {
      this.grow(this.capacity * 2);
      if (!this.lru) {
        this.sketch.ensureCapacity(Math.min(this.maxBytes, this.capacity));
        this.history.ensureCapacity(this.capacity);
      }
    }
    return this.highWater++;
  }

  private grow(capacity: number): void {
    this.links = resized(this.links, new Int32Array(capacity << 2));
    this.weights = resized(this.weights, new Float64Array(capacity));
    this.returning = resized(this.returning, new Uint8Array(capacity));
    this.lastUse = resized(this.lastUse, new Int32Array(capacity));
    this.reuseGap = resized(this.reuseGap, new Int32Array(capacity));
    this.fastUntil = resized(this.fastUntil, new Float64Array(capacity));
    this.freeSlots = resized(this.freeSlots, new Int32Array(capacity));
    for (let i = this.capacity; i < capacity; i++) {
      this.slotKeys.push('');
      this.values.push(undefined);
      this.fastValues.push(undefined);
      this.owners.push(undefined);
    }
    this.capacity = capacity;
  }

  private moveToTail(slot: number, list: number): void {
    const links = this.links;
    const at = slot << 2;
    const before = links[at | PREV]!;
    const after = links[at | NEXT]!;
    links[(before << 2) | NEXT] = after;
    links[(after << 2) | PREV] = before;
    const tail = links[(list << 2) | PREV]!;
    links[(tail << 2) | NEXT] = slot;
    links[at | PREV] = tail;
    links[at | NEXT] = list;
    links[(list << 2) | PREV] = slot;
  }

  private linkTail(slot: number, list: number): void {
    const tail = this.links[(list << 2) | PREV]!;
    this.links[(tail << 2) | NEXT] = slot;
    this.links[(slot << 2) | PREV] = tail;
    this.links[(slot << 2) | NEXT] = list;
    this.links[(list << 2) | PREV] = slot;
  }

  private unlink(slot: number): void {
    const before = this.links[(slot << 2) | PREV]!;
    const after = this.links[(slot << 2) | NEXT]!;
    this.links[(before << 2) | NEXT] = after;
    this.links[(after << 2) | PREV] = before;
  }
}

/** One key space of a `MemoryTier`: its own key → slot map over the tier's shared columns. */
class Partition<T> implements MemoryPartition<T> {
  /** @internal */
  readonly slots = new Map<string, number>();
  /** @internal Reads left before the next sample (see `MemoryTier.sampleReads`). */
  countdown = NOT_SAMPLING;

  constructor(
    private readonly tier: MemoryTier<T>,
    /** @internal Mixed into key hashes, so equal keys of two partitions have distinct frequencies. */
    readonly seed: number,
  ) {}

  get size(): number {
    return this.slots.size;
  }

  get(key: string): T | undefined {
    const slot = this.slots.get(key);
    return slot === undefined ? undefined : this.tier.hit(slot);
  }

  getFresh(key: string, now: number): unknown {
    if (--this.countdown === 0) this.tier.sampled(this, key);
    const slot = this.slots.get(key);
    return slot === undefined ? undefined : this.tier.hitIfFresh(slot, now);
  }

  peek(key: string): T | undefined {
    const slot = this.slots.get(key);
    return slot === undefined ? undefined : this.tier.valueAt(slot);
  }

  has(key: string): boolean {
    return this.slots.has(key);
  }

  set(key: string, value: T, weight: number, fastUntil = Infinity, fastValue: unknown = value): boolean {
    return this.tier.store(this, key, value, weight, this.slots.get(key), fastUntil, fastValue);
  }

  delete(key: string): boolean {
    const slot = this.slots.get(key);
    if (slot === undefined) return false;
    this.tier.remove(slot);
    return true;
  }

  clear(): void {
    for (const slot of this.slots.values()) this.tier.release(slot);
    this.slots.clear();
  }

  keys(): IterableIterator<string> {
    return this.slots.keys();
  }

  noteReads(keys: readonly string[]): void {
    for (const key of keys) if (--this.countdown === 0) this.tier.sampled(this, key);
  }
}

function resized<A extends Int32Array | Float64Array | Uint8Array>(old: A, fresh: A): A {
  fresh.set(old);
  return fresh;
}

/** FNV-1a over UTF-16 code units; the sketch re-mixes it, so its weak avalanche does not matter. */
function hashString(seed: number, text: string): number {
  let h = (0x811c9dc5 ^ seed) | 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}
