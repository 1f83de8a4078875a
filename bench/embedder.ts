// Sentences per second of the default offline embedder (USE-lite on TensorFlow.js' WebAssembly backend) by batch size.
// Run: npx tsx bench/embedder.ts [--quick] [--data ../shared/datasets/qqp-pairs.jsonl]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { UseLiteEmbedder } from '../src/semantic/useLiteEmbedder.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const dataAt = argv.indexOf('--data');
const data = dataAt >= 0 ? argv[dataAt + 1]! : '../shared/datasets/qqp-pairs.jsonl';
const batchSizes = quick ? [1, 8, 32] : [1, 4, 8, 16, 32, 64, 128];
const sentences = quick ? 128 : 512;

// Real questions when the data set is there (token counts drive the cost); generated ones otherwise.
const texts = existsSync(data)
  ? readFileSync(data, 'utf8').split('\n').filter(Boolean).slice(0, sentences).map((l) => (JSON.parse(l) as { a: string }).a)
  : Array.from({ length: sentences }, (_, i) => `How do I choose product number ${i} for a small kitchen with little light?`);

const loadStart = performance.now();
await new UseLiteEmbedder({ maxBatch: 1 }).embed(['warm up']);
const loadMs = performance.now() - loadStart;

const results: { batch: number; sentencesPerSecond: number }[] = [];
for (const batch of batchSizes) {
  const embedder = new UseLiteEmbedder({ maxBatch: batch });
  await embedder.embed(texts.slice(0, batch));
  const n = batch === 1 ? Math.min(100, texts.length) : texts.length;
  const t = performance.now();
  await embedder.embed(texts.slice(0, n));
  results.push({ batch, sentencesPerSecond: Number((n / ((performance.now() - t) / 1000)).toFixed(1)) });
}
console.table(results);
const report = { date: new Date().toISOString(), model: 'use-lite-512', backend: 'wasm (bundled in @energetic-ai/core)', firstEmbedMs: Math.round(loadMs), sentences: texts.length, results };
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL(`./results/embedder${quick ? '-quick' : ''}.json`, import.meta.url), JSON.stringify(report, null, 2) + '\n');
