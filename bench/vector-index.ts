// Compares hnswlib-node and usearch as the per-partition ANN index: insert time, search latency and
// recall@1 against exact (brute-force) cosine search on clustered random unit vectors.
// Run: npx tsx bench/vector-index.ts [--quick] [--n 100000] [--queries 1000] [--only hnswlib|usearch]
// hnswlib-node won and is the dependency; usearch is measured only when installed (npm install --no-save usearch).
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { seededRandom } from './lib/random.js';

const require = createRequire(import.meta.url);

interface Args { n: number; queries: number; dims: number; only: string | undefined }

function parseArgs(argv: string[]): Args {
  const quick = argv.includes('--quick');
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    n: Number(value('--n') ?? (quick ? 20_000 : 100_000)),
    queries: Number(value('--queries') ?? (quick ? 200 : 1000)),
    dims: 512,
    only: value('--only'),
  };
}


function normalise(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const inv = 1 / Math.sqrt(s || 1);
  for (let i = 0; i < v.length; i++) v[i]! *= inv;
  return v;
}

// Sentence embeddings are not uniform on the sphere: they bunch around topics. Clusters with noise
// make the graph search harder than uniform vectors would and closer to what the cache sees.
function makeData(n: number, queries: number, dims: number): { data: Float32Array[]; queries: Float32Array[] } {
  const rand = seededRandom(42);
  const gauss = (): number => Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
  const centres = Array.from({ length: 1000 }, () => normalise(Float32Array.from({ length: dims }, gauss)));
  const data = Array.from({ length: n }, () => {
    const c = centres[Math.floor(rand() * centres.length)]!;
    return normalise(Float32Array.from(c, (x) => x + 0.06 * gauss()));
  });
  const qs = Array.from({ length: queries }, () => {
    const d = data[Math.floor(rand() * n)]!;
    return normalise(Float32Array.from(d, (x) => x + 0.02 * gauss()));
  });
  return { data, queries: qs };
}

function exactTop1(data: Float32Array[], q: Float32Array): number {
  let best = -Infinity;
  let bestId = -1;
  for (let id = 0; id < data.length; id++) {
    const v = data[id]!;
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i]! * q[i]!;
    if (s > best) {
      best = s;
      bestId = id;
    }
  }
  return bestId;
}

interface Result { library: string; insertMs: number; insertsPerSecond: number; searchP50Ms: number; searchP95Ms: number; recallAt1: number }

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function measure(library: string, add: (v: Float32Array, id: number) => void, search: (q: Float32Array) => number, data: Float32Array[], queries: Float32Array[], truth: number[]): Result {
  const t0 = performance.now();
  data.forEach((v, id) => add(v, id));
  const insertMs = performance.now() - t0;
  const times: number[] = [];
  let correct = 0;
  queries.forEach((q, i) => {
    const t = performance.now();
    const id = search(q);
    times.push(performance.now() - t);
    if (id === truth[i]) correct++;
  });
  times.sort((a, b) => a - b);
  return {
    library,
    insertMs: Math.round(insertMs),
    insertsPerSecond: Math.round(data.length / (insertMs / 1000)),
    searchP50Ms: Number(percentile(times, 0.5).toFixed(3)),
    searchP95Ms: Number(percentile(times, 0.95).toFixed(3)),
    recallAt1: correct / queries.length,
  };
}

/** The subset of usearch's API used here, declared locally because the package is not a dependency. */
interface UsearchModule {
  MetricKind: { Cos: string };
  ScalarKind: { F32: string };
  Index: new (config: Record<string, unknown>) => {
    add(key: bigint, vector: Float32Array, threads: number): void;
    search(vector: Float32Array, k: number, threads: number): { keys: BigUint64Array };
  };
}

const M = 16;
const EF_CONSTRUCTION = 128;
const EF_SEARCH = 64;

function benchHnswlib(data: Float32Array[], queries: Float32Array[], truth: number[], dims: number): Result {
  const { HierarchicalNSW } = require('hnswlib-node') as typeof import('hnswlib-node');
  const index = new HierarchicalNSW('cosine', dims);
  index.initIndex({ maxElements: data.length, m: M, efConstruction: EF_CONSTRUCTION, randomSeed: 1 });
  index.setEf(EF_SEARCH);
  return measure('hnswlib-node', (v, id) => index.addPoint(Array.from(v), id), (q) => index.searchKnn(Array.from(q), 1).neighbors[0] ?? -1, data, queries, truth);
}

function benchUsearch(data: Float32Array[], queries: Float32Array[], truth: number[], dims: number): Result | undefined {
  let usearch: UsearchModule;
  try {
    usearch = require('usearch') as UsearchModule;
  } catch {
    console.error('usearch is not installed: skipped (npm install --no-save usearch to compare)');
    return undefined;
  }
  const index = new usearch.Index({ dimensions: dims, metric: usearch.MetricKind.Cos, quantization: usearch.ScalarKind.F32, connectivity: M, expansion_add: EF_CONSTRUCTION, expansion_search: EF_SEARCH, multi: false });
  return measure('usearch', (v, id) => index.add(BigInt(id), v, 1), (q) => Number(index.search(q, 1, 1).keys[0] ?? -1n), data, queries, truth);
}

const args = parseArgs(process.argv.slice(2));
const { data, queries } = makeData(args.n, args.queries, args.dims);
const truth = queries.map((q) => exactTop1(data, q));
const results: Result[] = [];
if (args.only === undefined || args.only === 'usearch') {
  const r = benchUsearch(data, queries, truth, args.dims);
  if (r !== undefined) results.push(r);
}
if (args.only === undefined || args.only === 'hnswlib') results.push(benchHnswlib(data, queries, truth, args.dims));
const report = { date: new Date().toISOString(), vectors: args.n, queries: args.queries, dimensions: args.dims, m: M, efConstruction: EF_CONSTRUCTION, efSearch: EF_SEARCH, threads: 1, results };
console.table(results);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL(`./results/vector-index${args.n === 100_000 ? '' : '-' + args.n}.json`, import.meta.url), JSON.stringify(report, null, 2) + '\n');
