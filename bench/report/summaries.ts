// Scripts under bench/ that other work owns write results in their own shapes (bench/results/<name>.json). These
// readers turn each shape into the comparisons and targets the README table shows, so every suite is reported
// as Strata against its peer or its limit. A shape a reader does not recognise yields nothing: the suite then
// shows only the pointer to its file, never a made-up figure.
import { compareRounds, spreadOf } from '../lib/compare.js';
import type { Comparison, SuiteResult, Target } from './types.js';

type Summary = Pick<SuiteResult, 'comparisons' | 'targets' | 'figures' | 'notes'>;

// The scripts' JSON is read loosely: every field is checked before use.
type Loose = Record<string, unknown>;

function isObject(value: unknown): value is Loose {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function path(value: unknown, ...keys: string[]): unknown {
  let at = value;
  for (const key of keys) at = isObject(at) ? at[key] : undefined;
  return at;
}

function target(name: string, value: number | undefined, goal: string, met: (v: number) => boolean): Target[] {
  return value === undefined ? [] : [{ name, value, goal, met: met(value) }];
}

function empty(): Summary {
  return { comparisons: [], targets: [], figures: {}, notes: [] };
}

/** bench/server.ts: strata serve vs a bare Fastify route, run by run (runs of the two alternate). */
function server(raw: unknown): Summary | undefined {
  const results = path(raw, 'results');
  if (!Array.isArray(results)) return undefined;
  const runsOf = (target: string): Loose[] => {
    const found = results.find((r) => isObject(r) && r.target === target);
    const runs = path(found, 'runs');
    return Array.isArray(runs) ? runs.filter(isObject) : [];
  };
  const strata = runsOf('strata-get');
  const bare = runsOf('bare-fastify');
  const n = Math.min(strata.length, bare.length);
  if (n === 0) return undefined;
  const series = (runs: Loose[], read: (r: Loose) => number | undefined): number[] => runs.slice(0, n).map((r) => read(r) ?? Number.NaN);
  const rps = new Map([['strata serve GET', series(strata, (r) => num(r.requestsPerSecond))], ['bare Fastify route, same bytes (the server ceiling)', series(bare, (r) => num(r.requestsPerSecond))]]);
  const p99 = new Map([['strata serve GET', series(strata, (r) => num(path(r, 'latencyMs', 'p99')))], ['bare Fastify route, same bytes (the server ceiling)', series(bare, (r) => num(path(r, 'latencyMs', 'p99')))]]);
  const summary = empty();
  summary.comparisons.push(compareRounds('GET of a hot key over HTTP, throughput', 'req/s', false, 'strata serve GET', rps), compareRounds('GET of a hot key over HTTP, p99 latency', 'ms', true, 'strata serve GET', p99));
  const errors = results.reduce((sum: number, r) => sum + (num(path(r, 'errors')) ?? 0), 0);
  summary.figures = { connections: num(path(raw, 'connections')) ?? 'unknown', client: String(path(raw, 'client') ?? 'unknown'), errors };
  summary.notes.push('The load generator and both servers share the machine\'s cores; the ratio is per pair of runs measured one after the other.');
  return summary;
}

/** bench/redis-l2.ts: Strata's L2 (L1 off) and its Redis tier alone vs raw ioredis auto-pipelined GET, per value size. */
function l2(raw: unknown): Summary | undefined {
  const results = path(raw, 'results');
  if (!Array.isArray(results) || results.length === 0) return undefined;
  const summary = empty();
  const RAW = 'raw ioredis GET, auto-pipelined';
  for (const row of results.filter(isObject)) {
    const size = num(row.valueBytes);
    const label = size === undefined ? '' : `, ${size} B values`;
    const point = (v: number | undefined) => spreadOf([v ?? Number.NaN]);
    /** The script's per-round ratio median and range when it gives them, else the one ratio of its medians. */
    const ratio = (field: string) => {
      const median = num(row[field]);
      const range = row[`${field}Range`];
      if (median === undefined || !Array.isArray(range)) return point(median);
      return { median, min: num(range[0]) ?? median, max: num(range[1]) ?? median };
    };
    const throughput = (who: string, name: string, field: string, peer = 'raw'): Comparison => ({
      name,
      unit: 'ops/s',
      lowerIsBetter: false,
      strata: { label: who === 'tier' ? 'Strata RedisTier.get' : 'Strata get', value: point(num(path(row, who, 'opsPerSec'))) },
      peers: [{ label: peer === 'raw' ? RAW : 'raw ioredis, reads of a tick as one MGET', value: point(num(path(row, peer, 'opsPerSec'))), ratio: ratio(field) }],
    });
    summary.comparisons.push(throughput('strata', `L2 get throughput through the API (L1 off)${label}`, 'throughputRatio'));
    if (isObject(row.tier)) summary.comparisons.push(throughput('tier', `L2 get throughput, Redis tier alone${label}`, 'tierThroughputRatio'));
    // Older result files have neither: Strata sent one GET per read then.
    if (isObject(row.strataPerKeyGet)) {
      summary.comparisons.push(throughput('strataPerKeyGet', `L2 get throughput through the API, coalescing off (one GET per read)${label}`, 'perKeyGetThroughputRatio'));
    }
    if (isObject(row.rawCoalesced)) {
      summary.comparisons.push(throughput('strata', `L2 get throughput through the API against a raw client coalescing the same way${label}`, 'vsRawCoalescedRatio', 'rawCoalesced'));
    }
    const p99 = num(row.p99Ratio);
    summary.comparisons.push({
      name: `L2 get sequential p99 (L1 off)${label}`,
      unit: 'ms',
      lowerIsBetter: true,
      strata: { label: 'Strata get', value: point(num(path(row, 'strata', 'p99Ms'))) },
      peers: [{ label: RAW, value: point(num(path(row, 'raw', 'p99Ms'))), ratio: point(p99 === undefined ? undefined : 1 / p99) }],
    });
    summary.targets.push(
      ...target(`throughput share of raw ioredis through the API${label} (median of rounds)`, num(row.throughputRatio), '≥ 0.8', (v) => v >= 0.8),
      ...target(`sequential p99 ÷ raw ioredis p99${label}`, p99, '≤ 2', (v) => v <= 2),
    );
  }
  return summary;
}

/** bench/cluster.ts: N instances on a 3+3 Redis Cluster; its figures against the coherence targets. */
function cluster(raw: unknown): Summary | undefined {
  if (!isObject(raw)) return undefined;
  const summary = empty();
  const stale = num(path(raw, 'staleReads', 'rate'));
  summary.targets.push(
    ...target('shared hit rate after warm-up', num(raw.hitRateAfterWarmup), '≥ 0.95', (v) => v >= 0.95),
    ...target('invalidation propagation p99, idle (ms)', num(path(raw, 'propagationMs', 'idle', 'p99')), '≤ 5', (v) => v <= 5),
    ...target('invalidation propagation p99, under the workload (ms)', num(path(raw, 'propagationMs', 'underLoad', 'p99')), '≤ 5', (v) => v <= 5),
    ...target('stale reads among reads that start later than the propagation p99 after an acknowledged write of their key', stale, '< 0.0001', (v) => v < 0.0001),
    ...target('factory calls, concurrent getOrSet of one cold key on every instance', num(path(raw, 'stampede', 'factoryCalls')), '= 1', (v) => v === 1),
  );
  if (summary.targets.length === 0) return undefined;
  summary.figures = {
    instances: num(path(raw, 'workload', 'instances')) ?? 'unknown',
    keys: num(path(raw, 'workload', 'keys')) ?? 'unknown',
    opsPerSec: num(path(raw, 'throughput', 'opsPerSec')) ?? 'unknown',
    errors: num(path(raw, 'throughput', 'errors')) ?? 'unknown',
    staleReads: num(path(raw, 'staleReads', 'stale')) ?? 'unknown',
    eligibleReads: num(path(raw, 'staleReads', 'eligible')) ?? 'unknown',
  };
  summary.notes.push('No peer is run here: none of the peers keeps per-instance copies coherent through a replicated log that a checker could compare. BentoCache\'s bus is the nearest; it is measured in the getOrSet, set and stampede suites.');
  return summary;
}

/** bench/semantic-lookup.ts: lookup latency without embedding, embedding-cache hits. */
function semantic(raw: unknown): Summary | undefined {
  const p95 = num(path(raw, 'lookupWithoutEmbeddingMs', 'p95'));
  if (p95 === undefined) return undefined;
  const entries = num(path(raw, 'entriesInPartition'));
  const summary = empty();
  summary.targets.push(
    ...target(`lookup without embedding p95 (ms), ${entries?.toLocaleString('en-US') ?? '?'} entries in the partition`, p95, '≤ 2', (v) => v <= 2),
    ...target('embedding-cache hit p95 (ms)', num(path(raw, 'embeddingStoreHitMs', 'p95')), '≤ 0.1', (v) => v <= 0.1),
  );
  summary.figures = { entries: entries ?? 'unknown', lookups: num(path(raw, 'lookups')) ?? 'unknown', lookupP50Ms: num(path(raw, 'lookupWithoutEmbeddingMs', 'p50')) ?? 'unknown', lookupP99Ms: num(path(raw, 'lookupWithoutEmbeddingMs', 'p99')) ?? 'unknown' };
  if (entries !== undefined && entries < 100_000) summary.notes.push(`The target is stated for 100,000 entries; this run filled ${entries.toLocaleString('en-US')} (the full run fills 100,000).`);
  summary.notes.push('None of the peer libraries has a semantic lookup; the quality side (recall at a false-hit rate against raw cosine thresholding) is measured by `strata eval semantic`.');
  return summary;
}

/** bench/vector-index.ts: one row per ANN library measured. */
function vectorIndex(raw: unknown): Summary | undefined {
  const results = path(raw, 'results');
  if (!Array.isArray(results) || results.length === 0) return undefined;
  const summary = empty();
  const rows = results.filter(isObject);
  for (const row of rows) {
    const name = String(row.library ?? 'index');
    for (const field of ['insertsPerSecond', 'searchP50Ms', 'searchP95Ms', 'recallAt1']) {
      const value = num(row[field]);
      if (value !== undefined) summary.figures[`${name} ${field}`] = value;
    }
  }
  if (rows.length > 1) {
    const first = String(rows[0]!.library);
    const byField = (field: string): Map<string, number[]> => new Map(rows.map((r) => [String(r.library), [num(r[field]) ?? Number.NaN]]));
    const comparisons: Comparison[] = [compareRounds('ANN search p95', 'ms', true, first, byField('searchP95Ms')), compareRounds('ANN inserts', 'inserts/s', false, first, byField('insertsPerSecond'))];
    summary.comparisons.push(...comparisons);
  } else {
    summary.notes.push('Only one ANN library was measured in this run.');
  }
  return summary;
}

const READERS: Record<string, (raw: unknown) => Summary | undefined> = { server, l2, cluster, semantic, 'vector-index': vectorIndex };

/** The table's view of a suite script's own results shape, or undefined when the shape is not one it knows. */
export function summarize(suite: string, raw: unknown): Summary | undefined {
  return READERS[suite]?.(raw);
}
