// Simulates adaptive TTL against fixed TTLs on a catalogue whose key groups change at different rates, where the
// source changes WITHOUT an explicit invalidation (the case a TTL exists for). Simulated clock: a day runs in seconds.
// Every policy sees the same reads and the same source changes (same seed). Writes bench/results/adaptive-ttl.json.
//   npx tsx bench/adaptive-ttl.ts [--quick]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveAdaptiveTtl, type ResolvedAdaptiveTtl } from '../src/config/adaptiveTtlOptions.js';
import { AdaptiveTtl } from '../src/core/adaptiveTtl.js';
import { seededRandom } from './lib/random.js';

const quick = process.argv.includes('--quick');
const here = dirname(fileURLToPath(import.meta.url));
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const days = quick ? 1.25 : 7;
const readsPerSecond = quick ? 5 : 10;
/** Reads in the first hours are left out of the figures: every policy starts cold. */
const warmUp = 6 * HOUR;

interface Group {
  name: string;
  keys: number;
  /** Mean time between two changes of one key's source; Infinity = never. */
  meanChange: number;
  /** Share of all reads. */
  readShare: number;
}

const GROUPS: Group[] = [
  { name: 'stock', keys: 500, meanChange: 10 * MINUTE, readShare: 0.15 },
  { name: 'price:flash', keys: 200, meanChange: HOUR, readShare: 0.2 },
  { name: 'price:regular', keys: 2000, meanChange: DAY, readShare: 0.3 },
  { name: 'spec', keys: 2000, meanChange: Infinity, readShare: 0.3 },
  { name: 'archive', keys: 20_000, meanChange: Infinity, readShare: 0.05 },
];


function exponential(random: () => number, mean: number): number {
  return mean === Infinity ? Infinity : -Math.log(1 - random()) * mean;
}

/** Cumulative Zipf(0.9) weights over a group's keys: a few keys take most reads, as in a real catalogue. */
function zipfCdf(n: number): Float64Array {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cdf[i] = sum += 1 / Math.pow(i + 1, 0.9);
  for (let i = 0; i < n; i++) cdf[i] = (cdf[i] as number) / sum;
  return cdf;
}

function pick(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cdf[mid] as number) < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The source: each key's version advances at Poisson times of its group's rate, nobody tells the cache. */
class Source {
  private readonly version = new Map<string, number>();
  private readonly nextChange = new Map<string, number>();
  private readonly random = seededRandom(7);
  calls = 0;

  versionAt(key: string, group: Group, now: number): number {
    let version = this.version.get(key) ?? 0;
    let next = this.nextChange.get(key) ?? exponential(this.random, group.meanChange);
    while (next <= now) {
      version++;
      next += exponential(this.random, group.meanChange);
    }
    this.version.set(key, version);
    this.nextChange.set(key, next);
    return version;
  }
}

interface Policy {
  name: string;
  ttl(key: string, now: number): number;
  read?(key: string, now: number): void;
  written?(key: string, version: number, now: number): void;
}

function fixed(name: string, ttl: number): Policy {
  return { name, ttl: () => ttl };
}

function adaptive(name: string, options: ResolvedAdaptiveTtl, classTtl: number): Policy & { model: AdaptiveTtl } {
  const model = new AdaptiveTtl(options, classTtl);
  return {
    name,
    model,
    ttl: (key, now) => model.ttlFor(key, now),
    read: (key, now) => model.read(key, now),
    written: (key, version, now) => model.written(key, Buffer.from(`${key}#${version}`), now),
  };
}

interface Tally {
  reads: number;
  hits: number;
  staleReads: number;
  sourceCalls: number;
  /** Entry-milliseconds held in cache, to compare memory: divided by the time it is the mean number of entries held. */
  entryMs: number;
}

function emptyTally(): Tally {
  return { reads: 0, hits: 0, staleReads: 0, sourceCalls: 0, entryMs: 0 };
}

function summary(t: Tally, measuredMs: number): Record<string, number> {
  return {
    reads: t.reads,
    hitRate: round(t.hits / t.reads),
    staleReadRate: round(t.staleReads / t.reads),
    staleShareOfHits: round(t.staleReads / Math.max(1, t.hits)),
    sourceCalls: t.sourceCalls,
    meanEntriesHeld: Math.round(t.entryMs / measuredMs),
  };
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

function simulate(policy: Policy): { total: Record<string, number>; groups: Record<string, Record<string, number>> } {
  const random = seededRandom(42);
  const source = new Source();
  const cdfs = GROUPS.map((g) => zipfCdf(g.keys));
  const cache = new Map<string, { version: number; expiresAt: number }>();
  const total = emptyTally();
  const byGroup = new Map(GROUPS.map((g) => [g.name, emptyTally()]));
  const end = days * DAY;
  const meanGap = 1000 / readsPerSecond;
  for (let now = exponential(random, meanGap); now < end; now += exponential(random, meanGap)) {
    let u = random();
    let g = 0;
    while (g < GROUPS.length - 1 && u >= (GROUPS[g] as Group).readShare) u -= (GROUPS[g++] as Group).readShare;
    const group = GROUPS[g] as Group;
    const key = `${group.name}:${pick(cdfs[g] as Float64Array, random())}`;
    const counted = now >= warmUp;
    const tallies = counted ? [total, byGroup.get(group.name) as Tally] : [];
    for (const t of tallies) t.reads++;
    policy.read?.(key, now);
    const cached = cache.get(key);
    const current = source.versionAt(key, group, now);
    if (cached !== undefined && now < cached.expiresAt) {
      for (const t of tallies) {
        t.hits++;
        if (cached.version !== current) t.staleReads++;
      }
      continue;
    }
    for (const t of tallies) t.sourceCalls++;
    source.calls++;
    policy.written?.(key, current, now);
    const ttl = policy.ttl(key, now);
    cache.set(key, { version: current, expiresAt: now + ttl });
    const held = Math.max(0, Math.min(now + ttl, end) - Math.max(now, warmUp));
    for (const t of [total, byGroup.get(group.name) as Tally]) t.entryMs += held;
  }
  const measured = end - warmUp;
  return { total: summary(total, measured), groups: Object.fromEntries([...byGroup].map(([name, t]) => [name, summary(t, measured)])) };
}

const adaptiveOptions = (staleProbability: number, minReadsPerTtl: number): ResolvedAdaptiveTtl =>
  resolveAdaptiveTtl('products', { minTtl: '1m', maxTtl: '24h', staleProbability, minReadsPerTtl }) as ResolvedAdaptiveTtl;

const started = performance.now();
const adaptive5 = adaptive('adaptive p=0.05', adaptiveOptions(0.05, 0), HOUR);
const adaptive1 = adaptive('adaptive p=0.01', adaptiveOptions(0.01, 0), HOUR);
const adaptive5Reads = adaptive('adaptive p=0.05 minReads=1', adaptiveOptions(0.05, 1), HOUR);
const adaptive1Reads = adaptive('adaptive p=0.01 minReads=1', adaptiveOptions(0.01, 1), HOUR);
const models = [adaptive5, adaptive1, adaptive5Reads, adaptive1Reads];
const policies: Policy[] = [fixed('fixed 1m', MINUTE), fixed('fixed 1h (class default)', HOUR), fixed('fixed 24h', DAY), ...models];
const runs = policies.map((p) => ({ policy: p.name, ...simulate(p) }));
const end = days * DAY;
const chosenTtls = (model: AdaptiveTtl): Record<string, { ttlMinutes: number; changesPerKeyPerHour: number; readsPerKeyPerHour: number }> =>
  Object.fromEntries(
    model.describe(end).map((g) => [g.group, { ttlMinutes: round(g.ttl / MINUTE), changesPerKeyPerHour: round(g.changesPerHour), readsPerKeyPerHour: round(g.readsPerKeyPerHour) }]),
  );

const results = {
  suite: 'adaptive-ttl',
  command: `npx tsx bench/adaptive-ttl.ts${quick ? ' --quick' : ''}`,
  date: new Date().toISOString(),
  quick,
  workload: {
    simulatedDays: days,
    readsPerSecond,
    warmUpHours: warmUp / HOUR,
    invalidation: 'none: the source changes silently, only the TTL bounds staleness',
    groups: GROUPS.map((g) => ({ ...g, meanChange: g.meanChange === Infinity ? 'never' : `${g.meanChange / MINUTE} min` })),
    keyPopularity: 'Zipf(0.9) within each group',
  },
  runs,
  adaptiveBounds: { minTtl: '1m', maxTtl: '24h', classTtl: '1h' },
  adaptiveTtlAtEnd: Object.fromEntries(models.map((m) => [m.name, chosenTtls(m.model)])),
  wallSeconds: round((performance.now() - started) / 1000),
};

mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'adaptive-ttl.json'), JSON.stringify(results, null, 2) + '\n');
console.log(`adaptive TTL simulation: ${days} simulated days, ${readsPerSecond} reads/s, silent source changes`);
console.log('policy                       hit rate  stale reads  source calls  mean entries held');
for (const run of runs) {
  const t = run.total;
  console.log(`${run.policy.padEnd(28)} ${String(t.hitRate).padStart(8)}  ${String(t.staleReadRate).padStart(11)}  ${String(t.sourceCalls).padStart(12)}  ${String(t.meanEntriesHeld).padStart(17)}`);
}
console.log('wrote bench/results/adaptive-ttl.json');
