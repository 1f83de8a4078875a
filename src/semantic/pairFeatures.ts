import type { QuestionSignals, QuestionType } from './questionSignals.js';

/** Names of the features, in the order of `pairFeatures`' output and of the learned weights. */
export const FEATURE_NAMES = [
  'cosine',
  'cosineSquared',
  'contentJaccard',
  'trigramCosine',
  'unmatchedQuery',
  'unmatchedCandidate',
  'numbersMismatch',
  'codesMismatch',
  'negationMismatch',
  'questionTypeMismatch',
  'openTypeMismatch',
  'lengthRatio',
  'cosineTimesJaccard',
] as const;

// what/which/how/none questions are often paraphrases of each other ("what is the best way to…" = "how do I…").
const OPEN_TYPES: ReadonlySet<QuestionType> = new Set(['what', 'which', 'how', 'none']);

/** True when the two questions ask for different kinds of answer (why vs when, how many vs who…). */
export function questionTypesConflict(a: QuestionType, b: QuestionType, strict: boolean): boolean {
  if (a === b) return false;
  if (!strict && (a === 'none' || b === 'none')) return false;
  return strict || !(OPEN_TYPES.has(a) && OPEN_TYPES.has(b));
}

export function setsDiffer(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return true;
  for (const x of a) if (!b.has(x)) return true;
  return false;
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let both = 0;
  for (const x of a) if (b.has(x)) both++;
  return both / (a.size + b.size - both);
}

function unmatched(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let n = 0;
  for (const x of a) if (!b.has(x)) n++;
  return Math.min(n, 6) / 6;
}

function countCosine(a: Map<string, number>, b: Map<string, number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [g, c] of a) {
    na += c * c;
    dot += c * (b.get(g) ?? 0);
  }
  for (const c of b.values()) nb += c * c;
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** The two unit embeddings of a pair, for models that weigh each dimension of their agreement. */
export interface PairVectors {
  query: Float32Array;
  candidate: Float32Array;
}

/**
 * Per-dimension agreement of two embeddings: their product and absolute difference (2 × dimensions values).
 * A linear model on these learns which directions of the embedding space matter for "same question", which a
 * single cosine cannot; on QQP it is most of the verifier's gain (docs/adr-002-embedder.md).
 */
export function interactionFeatures(vectors: PairVectors): number[] {
  const { query, candidate } = vectors;
  const out = new Array<number>(2 * query.length);
  for (let i = 0; i < query.length; i++) {
    out[i] = query[i]! * candidate[i]!;
    out[query.length + i] = Math.abs(query[i]! - candidate[i]!);
  }
  return out;
}

/** The feature vector of a (query, candidate) pair whose embeddings have cosine similarity `cosine`. */
export function pairFeatures(query: QuestionSignals, candidate: QuestionSignals, cosine: number): number[] {
  const contentJaccard = jaccard(query.content, candidate.content);
  const lq = query.tokens.length;
  const lc = candidate.tokens.length;
  return [
    cosine,
    cosine * cosine,
    contentJaccard,
    countCosine(query.trigrams, candidate.trigrams),
    unmatched(query.content, candidate.content),
    unmatched(candidate.content, query.content),
    setsDiffer(query.numbers, candidate.numbers) ? 1 : 0,
    setsDiffer(query.codes, candidate.codes) ? 1 : 0,
    query.negated !== candidate.negated ? 1 : 0,
    questionTypesConflict(query.questionType, candidate.questionType, true) ? 1 : 0,
    questionTypesConflict(query.questionType, candidate.questionType, false) ? 1 : 0,
    lq === 0 || lc === 0 ? 0 : Math.min(lq, lc) / Math.max(lq, lc),
    cosine * contentJaccard,
  ];
}
