// RAG benchmarks: (1) an embedding-cache hit through the tiers (L1) — target ≤ 0.1 ms; (2) the RAG simulation
// (src/rag/simulation.ts) with the hashing embedder and, unless --quick or --no-use, with USE-lite. The full run asks
// 10,000 questions: the second half is the cache's steady state (docs/rag.md).
// Run: npx tsx bench/rag.ts [--quick] [--no-use] [--questions N]
//   → bench/results/rag.json (rag-quick.json with --quick, rag-N.json with another --questions N)
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createStrata, HashingEmbedder, RagCache, runRagSimulation, StrataEmbeddingStore, UseLiteEmbedder, type Embedder, type RagSimulationOptions } from '../src/index.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const value = (name: string): string | undefined => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const questions = Number(value('--questions') ?? (quick ? 400 : 10_000));
const withUse = !quick && !argv.includes('--no-use');

const pct = (xs: number[], p: number): number => Number([...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!.toFixed(5));

async function embeddingHit(): Promise<Record<string, unknown>> {
  const cache = createStrata();
  const store = new StrataEmbeddingStore(cache);
  const keys = Array.from({ length: 1000 }, (_, i) => `use-lite-512:${i.toString(16).padStart(40, '0')}`);
  for (const [i, key] of keys.entries()) await store.set(key, new Float32Array(512).fill(i / 1000));
  const rounds = quick ? 20_000 : 200_000;
  const storeTimes: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const key = keys[(i * 7919) % keys.length]!;
    const t = performance.now();
    const v = await store.get(key);
    storeTimes.push(performance.now() - t);
    if (v === undefined) throw new Error('the bench expects every key to be in L1');
  }
  // getOrCreateEmbedding adds normalisation and hashing of the text to the store hit.
  const rag = new RagCache({ cache, embedder: new HashingEmbedder({ dimensions: 512 }) });
  const texts = Array.from({ length: 1000 }, (_, i) => `¿Cuál es el precio del portátil Orion L-${i}?`);
  for (const text of texts) await rag.getOrCreateEmbedding(text);
  const ragTimes: number[] = [];
  for (let i = 0; i < rounds / 4; i++) {
    const text = texts[(i * 7919) % texts.length]!;
    const t = performance.now();
    await rag.getOrCreateEmbedding(text);
    ragTimes.push(performance.now() - t);
  }
  rag.close();
  await cache.close();
  return {
    vectors: keys.length,
    dimensions: 512,
    storeGetL1Ms: { p50: pct(storeTimes, 0.5), p95: pct(storeTimes, 0.95), p99: pct(storeTimes, 0.99), lookups: rounds },
    getOrCreateEmbeddingHitMs: { p50: pct(ragTimes, 0.5), p95: pct(ragTimes, 0.95), p99: pct(ragTimes, 0.99), lookups: rounds / 4 },
  };
}

async function simulate(embedder: Embedder, options: Partial<RagSimulationOptions>): Promise<unknown> {
  const cache = createStrata();
  try {
    const report = await runRagSimulation(cache, { embedder, questions, ...options });
    console.log(
      `${report.embedder} ${report.strategy} updates=${report.productUpdates} docsInSignature=${report.documentsInSignature} paraphrases=${report.paraphrases}: LLM calls ${report.llmCalls.withCache}/${report.llmCalls.withoutCache} ` +
        `(${(report.llmCalls.reduction * 100).toFixed(1)}% fewer, upper bound ${(report.upperBound.reduction * 100).toFixed(1)}%; steady state ${(report.steadyState.reduction * 100).toFixed(1)}% of ${(report.steadyState.upperBound * 100).toFixed(1)}%), semantic ${(report.answers.semanticHitRate * 100).toFixed(1)}%, wrong ${report.wrong}, stale ${report.stale}, ${(report.durationMs / 1000).toFixed(1)} s`,
    );
    return report;
  } finally {
    await cache.close();
  }
}

const started = new Date().toISOString();
const loadBefore = loadavg();
const embedding = await embeddingHit();
console.log('embedding-cache hit', embedding);
const simulations: unknown[] = [];
const hashing = new HashingEmbedder();
simulations.push(await simulate(hashing, {}));
simulations.push(await simulate(hashing, { strategy: 'conservative' }));
simulations.push(await simulate(hashing, { documentsInSignature: false }));
simulations.push(await simulate(hashing, { paraphrases: false }));
simulations.push(await simulate(hashing, { updateEvery: 0 }));
simulations.push(await simulate(hashing, { updateEvery: 200 }));
if (withUse) {
  const use = new UseLiteEmbedder();
  simulations.push(await simulate(use, {}));
  simulations.push(await simulate(use, { strategy: 'conservative' }));
  simulations.push(await simulate(use, { documentsInSignature: false }));
}
const report = {
  date: started,
  command: `npx tsx bench/rag.ts ${argv.join(' ')}`.trim(),
  loadAverage: { before: loadBefore.map((x) => Number(x.toFixed(2))), after: loadavg().map((x) => Number(x.toFixed(2))) },
  embeddingCacheHit: embedding,
  simulations,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const suffix = quick ? '-quick' : value('--questions') === undefined ? '' : `-${questions}`;
writeFileSync(new URL(`./results/rag${suffix}.json`, import.meta.url), JSON.stringify(report, null, 2) + '\n');
