// Trains the verifier's logistic-regression model for one embedder on the TRAIN split of a pair file, picks each
// strategy's threshold on that split, measures the held-out split, and writes src/semantic/verifier-weights.json.
// Run: npx tsx scripts/train-verifier.ts [--data ../shared/datasets/qqp-pairs.jsonl] [--embedder use|hashing]
//        [--cache-dir .strata/eval-cache] [--limit N] [--unconstrained] [--no-interactions] [--dry-run]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { dot } from '../src/semantic/embedder.js';
import { embedderByName } from '../src/semantic/embedderByName.js';
import { EmbeddingFileStore } from '../src/semantic/embeddingFileStore.js';
import { evaluatePairs, hitRateCurve, recallAtFalseHitRate } from '../src/semantic/evaluate.js';
import { readPairs } from '../src/semantic/pairDataset.js';
import { FEATURE_NAMES, interactionFeatures, pairFeatures } from '../src/semantic/pairFeatures.js';
import { questionSignals } from '../src/semantic/questionSignals.js';
import { SemanticCache } from '../src/semantic/semanticCache.js';
import { STRATEGIES, TARGET_FALSE_HIT_RATES, type StrategyName } from '../src/semantic/strategies.js';
import { Verifier } from '../src/semantic/verifier.js';
import type { VerifierModel, VerifierWeights } from '../src/semantic/verifierModel.js';
import { BatchingEmbedder } from '../src/semantic/batchingEmbedder.js';

const WEIGHTS_PATH = new URL('../src/semantic/verifier-weights.json', import.meta.url);

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/datasets/qqp-pairs.jsonl' },
    embedder: { type: 'string', default: 'use' },
    'cache-dir': { type: 'string', default: '.strata/eval-cache' },
    limit: { type: 'string' },
    /** Let weights take any sign (for comparison; the shipped model is constrained). */
    unconstrained: { type: 'boolean', default: false },
    /** Leave out the per-dimension embedding agreement features (a 13-weight model). */
    'no-interactions': { type: 'boolean', default: false },
    /** Write the model to the weights file (off: only print the held-out results). */
    'dry-run': { type: 'boolean', default: false },
  },
});

const embedder = embedderByName(args.embedder);
const interactions = args['no-interactions'] !== true;
const store = new EmbeddingFileStore(args['cache-dir'], embedder.id, embedder.dimensions);
const limit = args.limit === undefined ? undefined : Number(args.limit);
const train = readPairs(args.data, { split: 'train', ...(limit === undefined ? {} : { limit }) });
const heldOut = readPairs(args.data, { split: 'held-out', ...(limit === undefined ? {} : { limit: Math.ceil(limit * 0.43) }) });
console.error(`training on ${train.length} pairs, held out ${heldOut.length}`);

const cache = new SemanticCache({ embedder: new BatchingEmbedder(embedder), embeddingStore: store, verifierWeights: {} });
const texts = [...new Set(train.flatMap((p) => [p.a, p.b]))];
for (let i = 0; i < texts.length; i += 256) {
  await Promise.all(texts.slice(i, i + 256).map((t) => cache.embed(t)));
  if (i % 5120 === 0) console.error(`embedded ${i}/${texts.length}`);
}

const rows = await Promise.all(
  train.map(async (p) => {
    const qa = questionSignals(p.a);
    const qb = questionSignals(p.b);
    const va = await cache.embed(p.a);
    const vb = await cache.embed(p.b);
    const cosine = dot(va, vb);
    const vectors = { query: vb, candidate: va };
    return { qa, qb, cosine, vectors, x: [...pairFeatures(qb, qa, cosine), ...(interactions ? interactionFeatures(vectors) : [])], y: p.label };
  }),
);

// A mismatch (numbers, codes, negation, question type, unmatched words) never raises the score: the model stays
// sensible on other data than the pairs it was fitted to. Similarity features are left free: QQP's many near-identical
// non-duplicates make their best weights non-obvious, and the exact-match rule in the verifier covers identity.
const NEVER_POSITIVE: ReadonlySet<string> = new Set(['unmatchedQuery', 'unmatchedCandidate', 'numbersMismatch', 'codesMismatch', 'negationMismatch', 'questionTypeMismatch', 'openTypeMismatch']);
const unconstrained = args.unconstrained === true;

// Standardise so one learning rate suits every feature, then fit by full-batch gradient descent with Adam.
const d = rows[0]!.x.length;
const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r.x[j]!, 0) / rows.length);
const std = Array.from({ length: d }, (_, j) => Math.sqrt(rows.reduce((s, r) => s + (r.x[j]! - mean[j]!) ** 2, 0) / rows.length) || 1);
const xs = rows.map((r) => r.x.map((v, j) => (v - mean[j]!) / std[j]!));
const w = new Array<number>(d + 1).fill(0);
const m = new Array<number>(d + 1).fill(0);
const v = new Array<number>(d + 1).fill(0);
const l2 = 1e-4;
const steps = interactions ? 300 : 600;
for (let step = 1; step <= steps; step++) {
  const grad = new Array<number>(d + 1).fill(0);
  xs.forEach((x, i) => {
    let z = w[d]!;
    for (let j = 0; j < d; j++) z += w[j]! * x[j]!;
    const err = 1 / (1 + Math.exp(-z)) - rows[i]!.y;
    for (let j = 0; j < d; j++) grad[j]! += err * x[j]!;
    grad[d]! += err;
  });
  for (let j = 0; j <= d; j++) {
    const g = grad[j]! / xs.length + (j < d ? l2 * w[j]! : 0);
    m[j] = 0.9 * m[j]! + 0.1 * g;
    v[j] = 0.999 * v[j]! + 0.001 * g * g;
    w[j]! -= (0.05 * (m[j]! / (1 - 0.9 ** step))) / (Math.sqrt(v[j]! / (1 - 0.999 ** step)) + 1e-8);
    if (!unconstrained && NEVER_POSITIVE.has(FEATURE_NAMES[j] ?? '')) w[j] = Math.min(0, w[j]!);
  }
}

const model: VerifierModel = { features: [...FEATURE_NAMES], interactionDimensions: interactions ? embedder.dimensions : 0, mean, std, weights: w.slice(0, d), bias: w[d]!, thresholds: {}, training: {} };
const labels = rows.map((r) => r.y);
for (const name of Object.keys(STRATEGIES) as StrategyName[]) {
  const verifier = new Verifier(STRATEGIES[name], model);
  const outcomes = rows.map((r) => ({ score: verifier.score(r.qb, r.qa, r.cosine, r.vectors), hit: false, eligible: verifier.guard(r.qb, r.qa, r.cosine) === undefined }));
  const { threshold, recall } = recallAtFalseHitRate(hitRateCurve(outcomes, labels), TARGET_FALSE_HIT_RATES[name]);
  model.thresholds[name] = Number.isFinite(threshold) ? threshold : 1;
  console.error(`${name}: threshold ${threshold.toFixed(4)} for false-hit rate ${TARGET_FALSE_HIT_RATES[name]} on train (recall ${recall.toFixed(3)})`);
}

const evaluation = await evaluatePairs(heldOut, { embedder, embeddingStore: store, strategies: ['conservative', 'smart', 'aggressive'], verifierWeights: { [embedder.id]: model } });
model.training = {
  data: basename(args.data),
  constrainedSigns: !unconstrained,
  interactionFeatures: interactions,
  steps,
  trainPairs: train.length,
  heldOutPairs: heldOut.length,
  split: 'sha1(a + "\\n" + b) < 0.7 → train (src/semantic/pairDataset.ts)',
  heldOut: evaluation.summary.methods.map((s) => ({ method: s.method, recallAtFhr1: s.recallAtFhr1, recallAtFhr5: s.recallAtFhr5, operatingPoint: s.operatingPoint })),
};
console.error(JSON.stringify(model.training, null, 2));

if (args['dry-run'] === true) process.exit(0);
const weights: VerifierWeights = existsSync(WEIGHTS_PATH) ? (JSON.parse(readFileSync(WEIGHTS_PATH, 'utf8')) as VerifierWeights) : {};
weights[embedder.id] = model;
// Seven significant digits keep the file small and the scores unchanged to well below any threshold's precision.
writeFileSync(WEIGHTS_PATH, JSON.stringify(weights, (_, value: unknown) => (typeof value === 'number' ? Number(value.toPrecision(7)) : value), 2) + '\n');
console.error(`wrote ${WEIGHTS_PATH.pathname}`);
