import { BatchingEmbedder } from './batchingEmbedder.js';
import type { Embedder } from './embedder.js';
import type { EmbeddingStore } from './embeddingStore.js';
import type { QuestionPair } from './pairDataset.js';
import { SemanticCache } from './semanticCache.js';
import type { StrategyName } from './strategies.js';
import type { VerifierWeights } from './verifierModel.js';

export interface EvaluationOptions {
  embedder: Embedder;
  /** Where embeddings are kept between runs (the CLI uses a file under .strata/eval-cache/). */
  embeddingStore: EmbeddingStore;
  /** Strategies to evaluate; raw cosine thresholding is always evaluated too. */
  strategies: readonly StrategyName[];
  /** Learned verifier models (default: the bundled weights). */
  verifierWeights?: VerifierWeights;
  /** Called now and then with the number of texts embedded or pairs evaluated so far. */
  onProgress?: (stage: 'embed' | 'lookup', done: number, total: number) => void;
}

/** One pair's outcome under one method. */
export interface PairOutcome {
  /** The method's score (verifier score, or cosine for raw cosine). */
  score: number;
  /** Whether the method, at its configured threshold, served `a`'s answer for `b`. */
  hit: boolean;
  /** False when a guard vetoed the pair: no threshold makes it a hit. */
  eligible: boolean;
}

/** A point of the hit-rate / false-hit-rate curve: the rates when hits need `score >= threshold`. */
export interface CurvePoint {
  threshold: number;
  /** Share of label-1 pairs served (recall). */
  hitRate: number;
  /** Share of label-0 pairs served: each is a wrong answer. */
  falseHitRate: number;
}

export interface MethodSummary {
  /** `cosine` or a strategy name. */
  method: string;
  /** True when a learned verifier model scored the pairs. */
  learned: boolean;
  /** Rates at the method's configured threshold. */
  operatingPoint: { hitRate: number; falseHitRate: number };
  /** Best hit rate with a false-hit rate of at most 1%, and the threshold that gives it. */
  recallAtFhr1: number;
  thresholdAtFhr1: number;
  /** The same at 5%. */
  recallAtFhr5: number;
  thresholdAtFhr5: number;
  /** The curve read at fixed false-hit rates (0.5%, 1%, 2%, 5%, 10%, 20%): the best hit rate at or below each. */
  atFalseHitRates: CurvePoint[];
  /** The curve, thinned to at most 40 points. */
  curve: CurvePoint[];
}

/** False-hit rates at which the curve is read for reports. */
export const REPORTED_FALSE_HIT_RATES = [0.005, 0.01, 0.02, 0.05, 0.1, 0.2];

export interface EvaluationSummary {
  embedder: string;
  pairs: number;
  positives: number;
  negatives: number;
  methods: MethodSummary[];
}

export interface EvaluationResult {
  summary: EvaluationSummary;
  /** Per pair, per method (same order as `summary.methods`). */
  outcomes: PairOutcome[][];
  labels: (0 | 1)[];
}

const EVAL_NAMESPACE = 'strata-eval';
/** Raw cosine has no threshold of its own: its operating point uses the smart strategy's no-model default. */
const RAW_COSINE_THRESHOLD = 0.9;

/**
 * Stores each pair's `a` in a partition of its own, asks `b` there under every strategy, and measures how often
 * the right answers (label 1) and the wrong ones (label 0) are served.
 */
export async function evaluatePairs(pairs: readonly QuestionPair[], options: EvaluationOptions): Promise<EvaluationResult> {
  const cache = new SemanticCache<number>({
    embedder: new BatchingEmbedder(options.embedder),
    embeddingStore: options.embeddingStore,
    ...(options.verifierWeights === undefined ? {} : { verifierWeights: options.verifierWeights }),
    candidates: 1,
  });
  const texts = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
  const chunk = 256;
  for (let i = 0; i < texts.length; i += chunk) {
    // Concurrent calls within a tick reach the model as one batch through the BatchingEmbedder.
    await Promise.all(texts.slice(i, i + chunk).map((t) => cache.embed(t)));
    options.onProgress?.('embed', Math.min(i + chunk, texts.length), texts.length);
  }
  const outcomes: PairOutcome[][] = [];
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i]!;
    const scope = { namespace: EVAL_NAMESPACE, tenant: `pair-${i}` };
    await cache.set(scope, pair.a, i);
    const row: PairOutcome[] = [];
    const first = await cache.lookup(scope, pair.b, { strategy: options.strategies[0] ?? 'smart' });
    row.push({ score: first.similarity, hit: first.similarity >= RAW_COSINE_THRESHOLD, eligible: true });
    for (const strategy of options.strategies) {
      const r = strategy === options.strategies[0] ? first : await cache.lookup(scope, pair.b, { strategy });
      row.push({ score: r.score, hit: r.hit, eligible: !r.vetoed });
    }
    cache.dropPartition(scope);
    outcomes.push(row);
    if ((i + 1) % 2000 === 0 || i + 1 === pairs.length) options.onProgress?.('lookup', i + 1, pairs.length);
  }
  const labels = pairs.map((p) => p.label);
  const methods: MethodSummary[] = [
    summarise('cosine', false, outcomes.map((r) => r[0]!), labels),
    ...options.strategies.map((s, j) => summarise(s, cache.verifier(s).learned, outcomes.map((r) => r[j + 1]!), labels)),
  ];
  const positives = labels.filter((l) => l === 1).length;
  return { summary: { embedder: options.embedder.id, pairs: pairs.length, positives, negatives: pairs.length - positives, methods }, outcomes, labels };
}

/** The full curve: one point per distinct score among eligible pairs, highest threshold first. */
export function hitRateCurve(outcomes: readonly PairOutcome[], labels: readonly (0 | 1)[]): CurvePoint[] {
  const pos = labels.filter((l) => l === 1).length;
  const neg = labels.length - pos;
  const ranked = outcomes.map((o, i) => ({ score: o.score, label: labels[i]!, eligible: o.eligible })).filter((o) => o.eligible).sort((a, b) => b.score - a.score);
  const curve: CurvePoint[] = [];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < ranked.length; i++) {
    if (ranked[i]!.label === 1) tp++;
    else fp++;
    if (i + 1 === ranked.length || ranked[i + 1]!.score !== ranked[i]!.score) {
      curve.push({ threshold: ranked[i]!.score, hitRate: pos === 0 ? 0 : tp / pos, falseHitRate: neg === 0 ? 0 : fp / neg });
    }
  }
  return curve;
}

/** The highest hit rate whose false-hit rate stays at or below `maxFalseHitRate`, and its threshold. */
export function recallAtFalseHitRate(curve: readonly CurvePoint[], maxFalseHitRate: number): { recall: number; threshold: number } {
  let best = { recall: 0, threshold: Infinity };
  for (const p of curve) if (p.falseHitRate <= maxFalseHitRate && p.hitRate > best.recall) best = { recall: p.hitRate, threshold: p.threshold };
  return best;
}

function summarise(method: string, learned: boolean, outcomes: readonly PairOutcome[], labels: readonly (0 | 1)[]): MethodSummary {
  const curve = hitRateCurve(outcomes, labels);
  const at1 = recallAtFalseHitRate(curve, 0.01);
  const at5 = recallAtFalseHitRate(curve, 0.05);
  let tp = 0;
  let fp = 0;
  outcomes.forEach((o, i) => {
    if (o.hit && labels[i] === 1) tp++;
    if (o.hit && labels[i] === 0) fp++;
  });
  const pos = labels.filter((l) => l === 1).length;
  const neg = labels.length - pos;
  return {
    method,
    learned,
    operatingPoint: { hitRate: pos === 0 ? 0 : tp / pos, falseHitRate: neg === 0 ? 0 : fp / neg },
    recallAtFhr1: at1.recall,
    thresholdAtFhr1: at1.threshold,
    recallAtFhr5: at5.recall,
    thresholdAtFhr5: at5.threshold,
    atFalseHitRates: REPORTED_FALSE_HIT_RATES.map((level) => {
      const { recall, threshold } = recallAtFalseHitRate(curve, level);
      return { threshold, hitRate: recall, falseHitRate: level };
    }),
    curve: thin(curve, 40),
  };
}

function thin(curve: readonly CurvePoint[], points: number): CurvePoint[] {
  if (curve.length <= points) return [...curve];
  const step = (curve.length - 1) / (points - 1);
  return Array.from({ length: points }, (_, i) => curve[Math.round(i * step)]!);
}
