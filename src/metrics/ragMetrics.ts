import { Counter, Histogram } from 'prom-client';

/**
 * Metrics the semantic and RAG layers feed through the functions below. They live outside any registry so that
 * code with no server at hand can record them; `StrataMetrics` adds them to its registry.
 */
export const ragMetrics = {
  similarity: new Histogram({
    name: 'strata_semantic_similarity',
    help: 'Similarity of the best candidate of each semantic lookup, by outcome (hit = served from the cache).',
    labelNames: ['outcome'] as const,
    buckets: [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.92, 0.94, 0.96, 0.98, 0.99, 1],
    registers: [],
  }),
  lookups: new Counter({
    name: 'strata_semantic_lookups_total',
    help: 'Semantic lookups, by outcome (hit or miss).',
    labelNames: ['outcome'] as const,
    registers: [],
  }),
  llmCallsSaved: new Counter({
    name: 'strata_llm_calls_saved_total',
    help: 'LLM calls answered from the cache instead.',
    registers: [],
  }),
  llmTokensSaved: new Counter({
    name: 'strata_llm_tokens_saved_total',
    help: 'LLM tokens (prompt + completion) not spent because the answer came from the cache.',
    registers: [],
  }),
  llmCalls: new Counter({
    name: 'strata_llm_calls_total',
    help: 'LLM calls actually made on a cache miss.',
    registers: [],
  }),
};

/** Records one semantic lookup: the best candidate's similarity (if there was a candidate) and whether it was a hit. */
export function recordSemanticLookup(hit: boolean, similarity?: number): void {
  const outcome = hit ? 'hit' : 'miss';
  ragMetrics.lookups.inc({ outcome });
  if (similarity !== undefined && Number.isFinite(similarity)) ragMetrics.similarity.observe({ outcome }, similarity);
}

/** Records an LLM call avoided by a cache hit, with the tokens it would have cost. */
export function recordLlmCallSaved(tokens = 0): void {
  ragMetrics.llmCallsSaved.inc();
  if (tokens > 0) ragMetrics.llmTokensSaved.inc(tokens);
}

/** Records an LLM call made because the cache missed. */
export function recordLlmCall(): void {
  ragMetrics.llmCalls.inc();
}

/** Totals of the counters above, for the dashboard. */
export async function ragTotals(): Promise<{ hits: number; misses: number; llmCallsSaved: number; tokensSaved: number; llmCalls: number }> {
  const lookups = await ragMetrics.lookups.get();
  const byOutcome = (o: string): number => lookups.values.filter((v) => v.labels.outcome === o).reduce((s, v) => s + v.value, 0);
  const total = async (c: Counter): Promise<number> => (await c.get()).values.reduce((s, v) => s + v.value, 0);
  return {
    hits: byOutcome('hit'),
    misses: byOutcome('miss'),
    llmCallsSaved: await total(ragMetrics.llmCallsSaved),
    tokensSaved: await total(ragMetrics.llmTokensSaved),
    llmCalls: await total(ragMetrics.llmCalls),
  };
}
