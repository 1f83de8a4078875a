import { createHash } from 'node:crypto';
import type { ResolvedAdaptiveTtl } from '../config/adaptiveTtlOptions.js';

/** What is known of one key group; counts and exposure decay with the half-life. */
interface GroupStats {
  /** Observed changes: a rewrite with different content, or an explicit invalidation. */
  changes: number;
  /** Observed time, ms, summed over keys: each interval between two writes (or a write and an invalidation) of a key. */
  exposure: number;
  reads: number;
  /** Keys of the group holding a fingerprint. */
  keys: number;
  decayedAt: number;
  firstSeen: number;
}

interface Fingerprint {
  group: string;
  digest: string;
  writtenAt: number;
}

/** What the TTL of a group is made of, for stats, tests and the simulation. */
export interface GroupTtl {
  group: string;
  /** Estimated source changes per key per hour. */
  changesPerHour: number;
  /** Reads per key per hour. */
  readsPerKeyPerHour: number;
  ttl: number;
}

/** Keys whose last content is remembered; beyond it the longest unwritten are forgotten (their next write starts afresh). */
const MAX_TRACKED_KEYS = 100_000;
/** Groups remembered; beyond it the oldest is forgotten (its keys then fall back to the class TTL). */
const MAX_GROUPS = 10_000;
/** Counts are decayed lazily, once this share of the half-life has passed: the error stays under 1%. */
const DECAY_STEP = 1 / 100;
const HOUR_MS = 3_600_000;
/** Bound of the changes one rewrite may stand for, so a source changing faster than `minTtl` cannot blow the rate up. */
const MAX_CHANGES_PER_INTERVAL = 50;

/**
 * A TTL per key group from its observed change and read rates. Changes are modelled as a Poisson process: with
 * rate λ the source changes within t with probability 1 − e^(−λt), so TTL = −ln(1 − staleProbability) / λ bounds the
 * chance that an entry is stale before it expires. λ is estimated as changes / observed time (changes corrected for
 * those hidden between two rewrites, see `expectedChanges`), seeded with one change
 * per class TTL so a group starts at the class TTL and moves as evidence comes in. A group whose entries would be read
 * fewer than `minReadsPerTtl` times within that TTL gets `minTtl`: a long life buys it nothing but memory.
 * Every method takes the time, so a simulation can run it on its own clock.
 */
export class AdaptiveTtl {
  private readonly groups = new Map<string, GroupStats>();
  private readonly fingerprints = new Map<string, Fingerprint>();
  private readonly logSurvival: number;
  /** Pseudo-exposure of the seed change: the one that makes the first TTL the class TTL. */
  private readonly seedExposure: number;
  private readonly decayEvery: number;

  constructor(
    private readonly options: ResolvedAdaptiveTtl,
    classTtl: number,
  ) {
    this.logSurvival = -Math.log(1 - options.staleProbability);
    this.seedExposure = this.clamp(classTtl) / this.logSurvival;
    this.decayEvery = options.halfLife * DECAY_STEP;
  }

  /** The TTL for a value of this key written now. */
  ttlFor(key: string, now: number): number {
    const stats = this.groups.get(this.options.group(key));
    return stats === undefined ? this.clamp(this.seedExposure * this.logSurvival) : this.ttlOf(stats, now);
  }

  /** A read of the key (hit or miss). */
  read(key: string, now: number): void {
    this.statsOf(this.options.group(key), now).reads++;
  }

  /** A value was written for the key (`set`, or a factory's fill); `content` is what it holds, without times. */
  written(key: string, content: Uint8Array, now: number): void {
    const digest = createHash('md5').update(content).digest('base64');
    const previous = this.fingerprints.get(key);
    if (previous !== undefined) {
      this.fingerprints.delete(key);
      const stats = this.statsOf(previous.group, now);
      const interval = Math.max(0, now - previous.writtenAt);
      if (previous.digest !== digest) stats.changes += this.expectedChanges(stats, interval);
      stats.exposure += interval;
      stats.keys--;
    }
    const group = this.options.group(key);
    this.statsOf(group, now).keys++;
    this.fingerprints.set(key, { group, digest, writtenAt: now });
    if (this.fingerprints.size > MAX_TRACKED_KEYS) this.forgetOldestKey();
  }

  /** The application said the key's source changed (`delete`). */
  invalidated(key: string, now: number): void {
    const previous = this.fingerprints.get(key);
    if (previous === undefined) return;
    this.fingerprints.delete(key);
    const stats = this.statsOf(previous.group, now);
    stats.exposure += Math.max(0, now - previous.writtenAt);
    stats.changes++;
    stats.keys--;
  }

  /** The groups seen so far and the TTL each would get now. */
  describe(now: number): GroupTtl[] {
    return [...this.groups].map(([group, stats]) => {
      this.decay(stats, now);
      return {
        group,
        changesPerHour: this.changeRate(stats) * HOUR_MS,
        readsPerKeyPerHour: this.readRatePerKey(stats, now) * HOUR_MS,
        ttl: this.ttlOf(stats, now),
      };
    });
  }

  /**
   * How many changes a changed interval stands for: several may hide behind one different digest. Given the current
   * rate λ and at least one change in t, a Poisson process made λt / (1 − e^(−λt)) of them on average; adding that
   * instead of 1 is an online EM step towards the maximum-likelihood rate (plain counting underestimates fast groups
   * whose keys are rewritten only now and then).
   */
  private expectedChanges(stats: GroupStats, interval: number): number {
    const x = this.changeRate(stats) * interval;
    if (x < 1e-9) return 1;
    return Math.min(x / (1 - Math.exp(-x)), MAX_CHANGES_PER_INTERVAL);
  }

  private ttlOf(stats: GroupStats, now: number): number {
    this.decay(stats, now);
    let ttl = this.logSurvival / this.changeRate(stats);
    if (this.options.minReadsPerTtl > 0 && stats.keys > 0 && this.readRatePerKey(stats, now) * ttl < this.options.minReadsPerTtl) ttl = this.options.minTtl;
    return this.clamp(ttl);
  }

  /** Changes per key per ms. */
  private changeRate(stats: GroupStats): number {
    return (stats.changes + 1) / (stats.exposure + this.seedExposure);
  }

  /** Reads per key per ms, over the group's life or the decay's memory, whichever is shorter. */
  private readRatePerKey(stats: GroupStats, now: number): number {
    if (stats.keys <= 0) return 0;
    const window = Math.max(1, Math.min(now - stats.firstSeen, this.options.halfLife / Math.LN2));
    return stats.reads / window / stats.keys;
  }

  private clamp(ttl: number): number {
    return Math.round(Math.min(this.options.maxTtl, Math.max(this.options.minTtl, ttl)));
  }

  private statsOf(group: string, now: number): GroupStats {
    let stats = this.groups.get(group);
    if (stats === undefined) {
      stats = { changes: 0, exposure: 0, reads: 0, keys: 0, decayedAt: now, firstSeen: now };
      this.groups.set(group, stats);
      if (this.groups.size > MAX_GROUPS) this.forgetOldestGroup();
    } else {
      this.decay(stats, now);
    }
    return stats;
  }

  private decay(stats: GroupStats, now: number): void {
    const elapsed = now - stats.decayedAt;
    if (elapsed < this.decayEvery) return;
    const factor = Math.pow(2, -elapsed / this.options.halfLife);
    stats.changes *= factor;
    stats.exposure *= factor;
    stats.reads *= factor;
    stats.decayedAt = now;
  }

  private forgetOldestKey(): void {
    for (const [key, fingerprint] of this.fingerprints) {
      this.fingerprints.delete(key);
      const stats = this.groups.get(fingerprint.group);
      if (stats !== undefined) stats.keys--;
      return;
    }
  }

  private forgetOldestGroup(): void {
    for (const group of this.groups.keys()) {
      this.groups.delete(group);
      for (const [key, fingerprint] of this.fingerprints) if (fingerprint.group === group) this.fingerprints.delete(key);
      return;
    }
  }
}
