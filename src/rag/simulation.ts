import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, StrataError } from '../errors.js';
import type { Embedder } from '../semantic/embedder.js';
import { normalize } from '../semantic/normalize.js';
import type { Strategy, StrategyName } from '../semantic/strategies.js';
import type { BackingCache } from './backingCache.js';
import { RagCache, type RagDocument } from './ragCache.js';
import { generateCatalogue, questionGenerator, seededRandom, type Intent, type Lang, type SimProduct, type SimQuestion } from './simulationCatalogue.js';

export interface RagSimulationOptions {
  /** Turns questions into vectors (the report names it). */
  embedder: Embedder;
  /** Semantic strategy (default 'smart'). */
  strategy?: StrategyName | Strategy;
  /** Products in the catalogue (default 60). */
  products?: number;
  /** Questions asked (default 2000). */
  questions?: number;
  /** Zipf exponent of product popularity (default 1.1). */
  zipf?: number;
  /** Vary wording (templates, name or code); off, every question of an intent and product has one wording (default true). */
  paraphrases?: boolean;
  /** A product's price changes (and `invalidateProduct` runs) before every n-th question; 0 never (default 40). */
  updateEvery?: number;
  /** Multiplies the simulated service latencies (LLM 300–1500 ms, search 50–200 ms): 0.01 runs 100× faster (default 0.01). */
  timeScale?: number;
  /** Users asking at the same time (default 4). */
  concurrency?: number;
  /** Seed of every random choice (default 1). */
  seed?: number;
  /** Passed to RagCache: answers reused only with the same retrieved documents (default true). */
  documentsInSignature?: boolean;
  /** Tenant the users belong to (default 'shop'). */
  tenant?: string;
}

/** A served answer the checker refused, for the report. */
export interface RagSimulationMistake {
  kind: 'wrong' | 'stale';
  asked: string;
  matchedQuestion?: string;
  outcome: string;
  similarity: number;
  reason: string;
}

export interface RagSimulationReport {
  embedder: string;
  strategy: string;
  documentsInSignature: boolean;
  paraphrases: boolean;
  products: number;
  questions: number;
  productUpdates: number;
  timeScale: number;
  concurrency: number;
  llmCalls: { withCache: number; withoutCache: number; reduction: number };
  /**
   * The most calls any cache could save: each distinct (products at their current versions, intent, language) must be
   * answered once, so the best reduction is 1 − distinct / questions.
   */
  upperBound: { distinctQuestions: number; reduction: number };
  /** The same over the second half of the run, once the cache has warmed up (what a service in steady state sees). */
  steadyState: { fromQuestion: number; questions: number; llmCalls: number; reduction: number; distinctQuestions: number; upperBound: number };
  searchCalls: { withCache: number; withoutCache: number };
  tokens: { used: number; saved: number; withoutCache: number };
  answers: { exact: number; semantic: number; misses: number; exactHitRate: number; semanticHitRate: number };
  /** Answers served for another product, number or intent than asked. */
  wrong: number;
  /** Answers reflecting a product version older than the current one when the question was asked. */
  stale: number;
  wrongOrStaleRate: number;
  /** Wall-clock latency of a question at the time scale (search + answer, including cache work). */
  latencyMs: Percentiles;
  /** The same with the simulated service times at full scale: what a user would wait. */
  modelledLatencyMs: Percentiles;
  durationMs: number;
  /** Up to 10 refused answers. */
  mistakes: RagSimulationMistake[];
  /** LLM calls for a question whose (products, versions, intent, language) had been answered before: reuse the cache missed. */
  missedReuse: { count: number; examples: Array<{ asked: string; askedBefore: string; reason: string; similarity: number }> };
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

/** What the LLM stand-in answers: the intent it answered, in which language, and the product versions it read. */
interface SimAnswer {
  intent: Intent;
  lang: Lang;
  products: ReadonlyArray<{ id: string; version: number; price: number }>;
  text: string;
}

interface SimDocument extends RagDocument {
  productIds: readonly string[];
  version: number;
  price: number;
  stock: number;
  features: readonly string[];
}

const SYSTEM_PROMPT = 'You are the shop assistant. Answer from the documents only, in the language of the question.';

/**
 * A shop's RAG service under load: users ask about products (Zipf popularity, paraphrases, English and Spanish),
 * prices change during the run, a stand-in LLM answers from the retrieved documents with realistic latency and token
 * cost. Every answer served is checked against the catalogue at ask time: WRONG if it answers another product set or
 * intent, STALE if it reflects an older product version.
 */
export async function runRagSimulation(cache: BackingCache, options: RagSimulationOptions): Promise<RagSimulationReport> {
  const productCount = positive('products', options.products ?? 60);
  const questionCount = positive('questions', options.questions ?? 2000);
  const concurrency = positive('concurrency', options.concurrency ?? 4);
  const updateEvery = options.updateEvery ?? 40;
  const timeScale = options.timeScale ?? 0.01;
  const paraphrases = options.paraphrases ?? true;
  const documentsInSignature = options.documentsInSignature ?? true;
  const tenant = options.tenant ?? 'shop';
  if (!(timeScale >= 0) || !Number.isFinite(timeScale)) throw new StrataError(ErrorCode.INVALID_OPTION, `timeScale must be a non-negative number, got ${String(options.timeScale)}`);
  if (!Number.isInteger(updateEvery) || updateEvery < 0) throw new StrataError(ErrorCode.INVALID_OPTION, `updateEvery must be a non-negative integer, got ${String(options.updateEvery)}`);

  const random = seededRandom(options.seed ?? 1);
  // Service times and token counts draw from their own generator: the order in which concurrent users consume them
  // varies between runs, and must not shift the questions or the product updates every variant is compared on.
  const serviceRandom = seededRandom((options.seed ?? 1) + 0x9e3779b9);
  const catalogue = generateCatalogue(productCount, random);
  const byId = new Map(catalogue.map((p) => [p.id, p]));
  const byCode = catalogue.map((p) => ({ product: p, code: ` ${normalize(p.code)} ` }));
  const nextQuestion = questionGenerator(catalogue, { zipf: options.zipf ?? 1.1, paraphrases }, random);
  const questions = Array.from({ length: questionCount }, nextQuestion);
  const pickUpdated = questionGenerator(catalogue, { zipf: options.zipf ?? 1.1, paraphrases: false }, random);
  const rag = new RagCache({ cache, embedder: options.embedder, strategy: options.strategy, documentsInSignature });

  // A keyword search stand-in: the documents of the products whose code the query names.
  const search = async (query: string, waited: { scaled: number; full: number }): Promise<SimDocument[]> => {
    const full = 50 + serviceRandom() * 150;
    await pause(full, timeScale, waited);
    const text = ` ${normalize(query)} `;
    return byCode
      .filter((c) => text.includes(c.code))
      .map(({ product: p }) => ({ id: `doc-${p.id}`, title: `${p.nameEn} / ${p.nameEs}`, productIds: [p.id], version: p.version, price: p.price, stock: p.stock, features: p.features }))
      .sort((x, y) => (x.id < y.id ? -1 : 1));
  };
  const generate = async (question: SimQuestion, documents: readonly SimDocument[], waited: { scaled: number; full: number }): Promise<{ answer: SimAnswer; tokens: number }> => {
    const full = 300 + serviceRandom() * 1200;
    await pause(full, timeScale, waited);
    const promptTokens = Math.ceil((SYSTEM_PROMPT.length + question.text.length + JSON.stringify(documents).length) / 4);
    const completionTokens = 60 + Math.floor(serviceRandom() * 340);
    const products = documents.map((d) => ({ id: d.productIds[0]!, version: d.version, price: d.price }));
    return { answer: { intent: question.intent, lang: question.lang, products, text: `${question.intent}: ${products.map((p) => `${p.id}@${p.price}`).join(', ')}` }, tokens: promptTokens + completionTokens };
  };

  let wrong = 0;
  let stale = 0;
  let updates = 0;
  const mistakes: RagSimulationMistake[] = [];
  const latencies: number[] = [];
  const modelled: number[] = [];
  let tokensWithoutCache = 0;
  let next = 0;
  const started = performance.now();

  const steadyFrom = Math.floor(questionCount / 2);
  /** The first wording of each distinct question. */
  const askedBefore = new Map<string, string>();
  let distinct = 0;
  let steadyDistinct = 0;
  let steadyCalls = 0;
  let missedReuse = 0;
  const missedExamples: RagSimulationReport['missedReuse']['examples'] = [];

  const ask = async (question: SimQuestion, index: number): Promise<void> => {
    const versionsAtAsk = new Map(question.productIds.map((id) => [id, byId.get(id)!.version]));
    const tuple = JSON.stringify([question.productIds.map((id) => `${id}@${versionsAtAsk.get(id)!}`), question.intent, question.lang]);
    const firstWording = askedBefore.get(tuple);
    const seenBefore = firstWording !== undefined;
    if (!seenBefore) {
      askedBefore.set(tuple, question.text);
      distinct++;
      if (index >= steadyFrom) steadyDistinct++;
    }
    const waited = { scaled: 0, full: 0 };
    const t0 = performance.now();
    const found = await rag.getOrSearch(question.text, (q) => search(q, waited), { tenant });
    const documents = found.value as readonly SimDocument[];
    let cost = 0;
    const result = await rag.getOrGenerate({ question: question.text, tenant, systemPrompt: SYSTEM_PROMPT, documents, retrievedAt: found.validAt }, async () => {
      const generated = await generate(question, documents, waited);
      cost = generated.tokens;
      if (index >= steadyFrom) steadyCalls++;
      return generated;
    });
    const wall = performance.now() - t0;
    if (seenBefore && cost > 0) {
      missedReuse++;
      if (missedExamples.length < 10) missedExamples.push({ asked: question.text, askedBefore: firstWording, reason: result.reason, similarity: result.similarity });
    }
    latencies.push(wall);
    modelled.push(wall - waited.scaled + waited.full);
    // Without a cache every question costs one call; a cached answer's cost is estimated by the call that made it.
    tokensWithoutCache += cost > 0 ? cost : estimateTokens(question, documents);
    const served = result.value;
    const askedIds = question.productIds.join(',');
    const servedIds = served.products.map((p) => p.id).sort().join(',');
    let kind: 'wrong' | 'stale' | undefined;
    if (served.intent !== question.intent || served.lang !== question.lang || servedIds !== askedIds) kind = 'wrong';
    else if (served.products.some((p) => p.version < versionsAtAsk.get(p.id)!)) kind = 'stale';
    if (kind === undefined) return;
    if (kind === 'wrong') wrong++;
    else stale++;
    if (mistakes.length < 10) mistakes.push({ kind, asked: question.text, matchedQuestion: result.matchedQuestion, outcome: result.outcome, similarity: result.similarity, reason: result.reason });
  };

  const worker = async (): Promise<void> => {
    while (next < questions.length) {
      const index = next++;
      if (updateEvery > 0 && index > 0 && index % updateEvery === 0) {
        const product = byId.get(pickUpdated().productIds[0]!)!;
        updateProduct(product, random);
        updates++;
        await rag.invalidateProduct(product.id);
      }
      await ask(questions[index]!, index);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    rag.close();
  }

  const stats = rag.stats();
  const served = questionCount;
  return {
    embedder: options.embedder.id,
    strategy: typeof options.strategy === 'object' ? options.strategy.name : (options.strategy ?? 'smart'),
    documentsInSignature,
    paraphrases,
    products: productCount,
    questions: questionCount,
    productUpdates: updates,
    timeScale,
    concurrency,
    llmCalls: { withCache: stats.llmCalls, withoutCache: questionCount, reduction: 1 - stats.llmCalls / questionCount },
    upperBound: { distinctQuestions: distinct, reduction: 1 - distinct / questionCount },
    steadyState: {
      fromQuestion: steadyFrom,
      questions: questionCount - steadyFrom,
      llmCalls: steadyCalls,
      reduction: 1 - steadyCalls / (questionCount - steadyFrom),
      distinctQuestions: steadyDistinct,
      upperBound: 1 - steadyDistinct / (questionCount - steadyFrom),
    },
    searchCalls: { withCache: stats.searchCalls, withoutCache: questionCount },
    tokens: { used: stats.tokensUsed, saved: stats.tokensSaved, withoutCache: tokensWithoutCache },
    answers: {
      exact: stats.answers.exact,
      semantic: stats.answers.semantic,
      misses: stats.answers.misses,
      exactHitRate: stats.answers.exact / served,
      semanticHitRate: stats.answers.semantic / served,
    },
    wrong,
    stale,
    wrongOrStaleRate: (wrong + stale) / served,
    latencyMs: percentiles(latencies),
    modelledLatencyMs: percentiles(modelled),
    durationMs: performance.now() - started,
    mistakes,
    missedReuse: { count: missedReuse, examples: missedExamples },
  };
}

/** A price change: a new version of the product. */
function updateProduct(product: SimProduct, random: () => number): void {
  const factor = 1 + (random() < 0.5 ? -1 : 1) * (0.05 + random() * 0.15);
  product.price = Math.max(1, Math.round(product.price * factor));
  product.version++;
}

function estimateTokens(question: SimQuestion, documents: readonly SimDocument[]): number {
  return Math.ceil((SYSTEM_PROMPT.length + question.text.length + JSON.stringify(documents).length) / 4) + 230;
}

async function pause(fullMs: number, timeScale: number, waited: { scaled: number; full: number }): Promise<void> {
  const scaled = fullMs * timeScale;
  waited.full += fullMs;
  // Timers below a millisecond are not kept: such a pause costs nothing, and nothing is subtracted for it.
  if (scaled < 1) return;
  waited.scaled += scaled;
  await sleep(scaled);
}

function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { p50: 0, p95: 0, p99: 0, mean: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), mean: round(values.reduce((s, v) => s + v, 0) / values.length) };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new StrataError(ErrorCode.INVALID_OPTION, `${name} must be a positive integer, got ${String(value)}`);
  return value;
}
