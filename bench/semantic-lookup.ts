// Latency of a SemanticCache lookup whose embedding is already cached (normalise → embedding-store hit → ANN search
// in a partition of N entries → verify), and of the embedding-store hit alone.
// Run: npx tsx bench/semantic-lookup.ts [--quick] [--n 100000] [--lookups 2000]
import { mkdirSync, writeFileSync } from 'node:fs';
import { normaliseVector, type Embedder } from '../src/semantic/embedder.js';
import { MemoryEmbeddingStore } from '../src/semantic/embeddingStore.js';
import { SemanticCache } from '../src/semantic/semanticCache.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const value = (name: string): string | undefined => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const n = Number(value('--n') ?? (quick ? 10_000 : 100_000));
const lookups = Number(value('--lookups') ?? (quick ? 500 : 2000));
const dims = 512;

/**
 * Gives every distinct text a fixed pseudo-random unit vector derived from its words, so stored questions and their
 * rephrasings ("… please") land near each other, as with a sentence model, at no model cost.
 */
class WordSeededEmbedder implements Embedder {
  readonly id = 'bench-word-seeded-512';
  readonly dimensions = dims;
  embed(texts: readonly string[]): Promise<Float32Array[]> {
    return Promise.resolve(
      texts.map((t) => {
        const v = new Float32Array(dims);
        for (const word of t.split(' ')) {
          let h = 2166136261;
          for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 16777619);
          for (let i = 0; i < dims; i++) {
            h = Math.imul(h ^ (h >>> 15), 2246822507) >>> 0;
            v[i] = v[i]! + (h / 0x1_0000_0000 - 0.5);
          }
        }
        return normaliseVector(v);
      }),
    );
  }
}

const topics = ['price', 'stock', 'warranty', 'colour', 'size', 'delivery', 'return', 'manual', 'battery', 'review'];
const question = (i: number): string => `what is the ${topics[i % topics.length]} of product model${i} in store ${i % 97}`;

const store = new MemoryEmbeddingStore(n + lookups + 10);
const cache = new SemanticCache<number>({ embedder: new WordSeededEmbedder(), embeddingStore: store, maxEntriesPerPartition: n });
const scope = { namespace: 'bench', tenant: 'acme' };
const t0 = performance.now();
for (let i = 0; i < n; i++) await cache.set(scope, question(i), i);
const fillMs = performance.now() - t0;

const asked = Array.from({ length: lookups }, (_, j) => question(Math.floor((j * 7919) % n)));
for (const q of asked) await cache.embed(q);
const lookupTimes: number[] = [];
let hits = 0;
for (const q of asked) {
  const t = performance.now();
  const r = await cache.lookup(scope, q);
  lookupTimes.push(performance.now() - t);
  if (r.hit) hits++;
}
const keys = asked.map((q) => `bench-word-seeded-512:${q}`);
for (const [i, k] of keys.entries()) await store.set(k, new Float32Array(dims).fill(i));
const storeTimes: number[] = [];
for (const k of keys) {
  const t = performance.now();
  await store.get(k);
  storeTimes.push(performance.now() - t);
}

const pct = (xs: number[], p: number): number => Number([...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!.toFixed(4));
const report = {
  date: new Date().toISOString(),
  entriesInPartition: n,
  lookups,
  fillSeconds: Number((fillMs / 1000).toFixed(1)),
  lookupWithoutEmbeddingMs: { p50: pct(lookupTimes, 0.5), p95: pct(lookupTimes, 0.95), p99: pct(lookupTimes, 0.99) },
  exactRepeatHitRate: hits / lookups,
  embeddingStoreHitMs: { p50: pct(storeTimes, 0.5), p95: pct(storeTimes, 0.95) },
};
console.log(report);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL(`./results/semantic-lookup${quick ? '-quick' : ''}.json`, import.meta.url), JSON.stringify(report, null, 2) + '\n');
