// The checker of bench/cluster.ts: compares every recorded read with the acknowledged writes of its key, and says
// for each stale read which race let it through.

/** Record layouts (flat Float64Arrays, one record after the other). */
export const WRITE_FIELDS = 6; // rank, version, startedAt, ackedAt, kind (0 set, 1 delete), instance
export const READ_FIELDS = 5; // rank, version, startedAt, tier (see TIERS), instance
export const APPLIED_FIELDS = 4; // rank, appliedAt, instance, the event's change time (`at`, NaN when it has none)
export const LOAD_FIELDS = 3; // rank, version, instance: a factory read this version from the source of truth

export const TIERS = ['l1', 'l2', 'l3', 'factory', 'stale'] as const;

/** Why a stale read happened (see `classify`). */
export type StaleCause =
  | 'own-instance-write'
  | 'event-not-applied-yet'
  | 'l1-copy-after-event'
  | 'l2-older-value-from-factory'
  | 'l2-older-value'
  | 'factory'
  | 'grace';

export interface StaleReport {
  /** Every recorded read. */
  reads: number;
  /**
   * The acceptance denominator: reads that started later than `windowMs` after an acknowledged write (a `set` or a
   * `delete`, each an invalidation of the other instances' copies) of the same key.
   */
  eligible: number;
  stale: number;
  /** stale / eligible. */
  rate: number;
  /**
   * Eligible reads that returned a lower version than one acknowledged `windowMs` before, but only because writes of
   * the key overlapped in time (either order is a correct outcome): the earlier checker counted them as stale.
   */
  overlappingWrites: number;
  byCause: Record<string, number>;
  /** For stale reads from L1 before the event was applied, and from L2: when the reader applied the event, ms after the read started. */
  eventLateByMs: { count: number; p50: number; max: number; neverApplied: number };
  /** Stale reads by the kind of write they missed. */
  byMissedWrite: { set: number; delete: number };
}

interface Applied {
  at: number;
  changeAt: number;
}

/**
 * Whether an applied event is that of `write` or of a later change: its change time is after the write started
 * (events without one: applied after the write started).
 */
function ofWrite(event: Applied, write: Write): boolean {
  return Number.isNaN(event.changeAt) ? event.at >= write.startedAt : event.changeAt >= write.startedAt;
}

interface Write {
  version: number;
  startedAt: number;
  ackedAt: number;
  kind: number;
  instance: number;
}

/**
 * A read is stale when a write of its key that started after the write of the version read had been acknowledged
 * (so the two did not overlap: the later one must win) was itself acknowledged at least `windowMs` before the read
 * started. Overlapping writes may land in L2 in either order, so either of their versions is a correct answer.
 * Versions written before the measurement (warm-up, seeding) count as acknowledged before every recorded write.
 */
export function checkStaleReads(writes: Float64Array[], reads: Float64Array[], applied: Float64Array[], loads: Float64Array[], windowMs: number): StaleReport {
  const byKey = new Map<number, Write[]>();
  const byVersion = new Map<string, Write>();
  for (const w of writes) {
    for (let i = 0; i < w.length; i += WRITE_FIELDS) {
      const rank = w[i] as number;
      const write: Write = { version: w[i + 1] as number, startedAt: w[i + 2] as number, ackedAt: w[i + 3] as number, kind: w[i + 4] as number, instance: w[i + 5] as number };
      let list = byKey.get(rank);
      if (list === undefined) byKey.set(rank, (list = []));
      list.push(write);
      byVersion.set(`${rank}:${write.version}`, write);
    }
  }
  // Per key, writes by acknowledgement time and the latest start among the first n of them.
  const latestStart = new Map<number, number[]>();
  for (const [rank, list] of byKey) {
    list.sort((a, b) => a.ackedAt - b.ackedAt);
    let max = -Infinity;
    latestStart.set(
      rank,
      list.map((w) => (max = Math.max(max, w.startedAt))),
    );
  }
  const appliedAt = new Map<string, Applied[]>();
  for (const a of applied) {
    for (let i = 0; i < a.length; i += APPLIED_FIELDS) {
      const id = `${a[i + 2]}:${a[i]}`;
      let list = appliedAt.get(id);
      if (list === undefined) appliedAt.set(id, (list = []));
      list.push({ at: a[i + 1] as number, changeAt: a[i + 3] as number });
    }
  }
  for (const list of appliedAt.values()) list.sort((x, y) => x.at - y.at);
  const loaded = new Set<string>();
  for (const l of loads) for (let i = 0; i < l.length; i += LOAD_FIELDS) loaded.add(`${l[i]}:${l[i + 1]}`);

  let total = 0;
  let eligible = 0;
  let stale = 0;
  let overlapping = 0;
  const byCause: Record<string, number> = {};
  const late: number[] = [];
  let neverApplied = 0;
  const byMissedWrite = { set: 0, delete: 0 };
  for (const r of reads) {
    for (let i = 0; i < r.length; i += READ_FIELDS) {
      total++;
      const rank = r[i] as number;
      const version = r[i + 1] as number;
      const startedAt = r[i + 2] as number;
      const list = byKey.get(rank);
      if (list === undefined) continue;
      const cutoff = startedAt - windowMs;
      const acked = countAtMost(list, cutoff);
      if (acked === 0) continue;
      eligible++;
      const own = byVersion.get(`${rank}:${version}`);
      const ownAck = own?.ackedAt ?? -Infinity;
      if (((latestStart.get(rank) as number[])[acked - 1] as number) <= ownAck) {
        if (list.slice(0, acked).some((w) => w.version > version)) overlapping++;
        continue;
      }
      stale++;
      const missed = list.slice(0, acked).find((w) => w.startedAt > ownAck) as Write;
      if (missed.kind === 0) byMissedWrite.set++;
      else byMissedWrite.delete++;
      const cause = classify(missed, r[i + 3] as number, r[i + 4] as number, startedAt, appliedAt.get(`${r[i + 4]}:${rank}`), loaded.has(`${rank}:${version}`));
      byCause[cause] = (byCause[cause] ?? 0) + 1;
      if (cause === 'event-not-applied-yet' || cause.startsWith('l2')) {
        const when = appliedAt.get(`${r[i + 4]}:${rank}`)?.find((e) => ofWrite(e, missed));
        if (when === undefined) neverApplied++;
        else late.push(when.at - startedAt);
      }
    }
  }
  late.sort((a, b) => a - b);
  return {
    reads: total,
    eligible,
    stale,
    rate: eligible === 0 ? 0 : stale / eligible,
    overlappingWrites: overlapping,
    byCause,
    eventLateByMs: { count: late.length, p50: late[Math.floor(late.length / 2)] ?? Number.NaN, max: late.at(-1) ?? Number.NaN, neverApplied },
    byMissedWrite,
  };
}

/** How many writes (sorted by acknowledgement) were acknowledged at or before `time`. */
function countAtMost(list: Write[], time: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] as Write).ackedAt <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Which race let a stale read through. From L2 (or L3): the shared tier held the old value (written there again by a
 * factory that had read the old version, or otherwise). From L1: the reader's own instance made the missed write;
 * the reader had not yet applied the event of the missed write (or of a later one) when the read started; or it
 * had, and an old copy came back into L1 afterwards. Or a factory, or the grace fallback, answered.
 */
function classify(missed: Write, tier: number, instance: number, startedAt: number, applied: Applied[] | undefined, factoryLoadedIt: boolean): StaleCause {
  const name = TIERS[tier];
  if (name === 'l2' || name === 'l3') return factoryLoadedIt ? 'l2-older-value-from-factory' : 'l2-older-value';
  if (name === 'factory') return 'factory';
  if (name === 'stale') return 'grace';
  if (missed.instance === instance) return 'own-instance-write';
  const seen = applied?.some((e) => e.at <= startedAt && ofWrite(e, missed)) ?? false;
  return seen ? 'l1-copy-after-event' : 'event-not-applied-yet';
}
