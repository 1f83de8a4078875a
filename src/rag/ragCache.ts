import { createHash } from 'node:crypto';
import { ErrorCode, StrataError } from '../errors.js';
import { dot, type Embedder } from '../semantic/embedder.js';
import { normalize } from '../semantic/normalize.js';
import { contextSignature } from '../semantic/partition.js';
import { SemanticCache, type SemanticLookup, type SemanticScope } from '../semantic/semanticCache.js';
import type { Strategy, StrategyName } from '../semantic/strategies.js';
import type { InvalidationEvent } from '../sync/events.js';
import type { BackingCache } from './backingCache.js';
import { CanonicalFlights } from './canonicalFlights.js';
import { standsAlone } from './standsAlone.js';
import { StrataEmbeddingStore } from './strataEmbeddingStore.js';

/** A retrieved document; its product ids tag every answer and search result built from it. */
export interface RagDocument {
  id: string;
  /** Products the document describes: `invalidateProduct(id)` drops whatever used it. */
  productIds?: readonly string[];
  /**
   * The document's name (a product name, in every language it is sold in). With `documentsInSignature`, questions
   * that differ only in how they name the retrieved documents ask the same thing ("price of the Vega X-200
   * headphones" / "X-200 price").
   */
  title?: string;
}

export interface ConversationTurn {
  role: 'user' | 'assistant';
  content: string;
}

export interface RagCacheOptions {
  /** The cache whose tiers hold embeddings, search results and answers (a `Strata` instance). */
  cache: BackingCache;
  /** Turns questions into vectors for the semantic match. */
  embedder: Embedder;
  /** Strategy of the semantic match (default 'smart'). */
  strategy?: StrategyName | Strategy;
  /** Data class of answers (default `llm_responses`). */
  answerClass?: string;
  /** Data class of search results (default `search_results`). */
  searchClass?: string;
  /** Data class of embeddings (default `embeddings`). */
  embeddingClass?: string;
  /** Put the ids of the documents an answer was generated from in its partition, so it is reused only with the same sources (default true). */
  documentsInSignature?: boolean;
  /** Most questions per semantic partition (default 100 000). */
  maxEntriesPerPartition?: number;
}

/** How a lookup was answered: put it in a header (`X-Cache: semantic; similarity=0.93`) or a metric. */
export interface RagOutcome {
  /** `exact`: the same normalised question in the same context; `semantic`: a verified paraphrase; `miss`: computed. */
  outcome: 'exact' | 'semantic' | 'miss';
  /** Cosine similarity of the best semantic candidate (1 for exact, 0 when nothing was compared). */
  similarity: number;
  /** Why it was a hit or a miss (the verifier's reason on a semantic lookup). */
  reason: string;
  /** On a semantic hit, the question the answer was stored under. */
  matchedQuestion?: string;
}

export interface RagResult<V> extends RagOutcome {
  value: V;
  /** When the value was known to be current (ms since the epoch): pass a search result's as `retrievedAt` to `getOrGenerate`. */
  validAt: number;
}

export interface SearchOptions {
  /** Tenants never share results. */
  tenant: string;
  /** Search filters; results are reused only under equal filters (key order does not matter). */
  filters?: Readonly<Record<string, unknown>>;
}

export interface AskInput {
  question: string;
  /** Tenants never share answers. */
  tenant: string;
  systemPrompt?: string;
  /** Generation parameters (model, temperature…): part of the partition. */
  params?: Readonly<Record<string, unknown>>;
  /** The retrieved documents the answer is generated from: their products tag the answer. */
  documents?: readonly RagDocument[];
  /** Earlier turns of the conversation; part of the partition unless the question stands alone (see `standsAlone`). */
  history?: readonly ConversationTurn[];
  /**
   * When `documents` were known to be current (the `validAt` of the `getOrSearch` result they came from; default: now).
   * An answer generated from documents a product invalidation has outdated since is returned but not cached.
   */
  retrievedAt?: number;
}

/** What a generator returns: the answer and the tokens the LLM call cost (counted as saved on every reuse). */
export interface Generation<A> {
  answer: A;
  tokens?: number;
}

export interface RagLookupCounters {
  lookups: number;
  exact: number;
  semantic: number;
  misses: number;
}

export interface RagStats {
  answers: RagLookupCounters;
  searches: RagLookupCounters;
  /** Generator (LLM) calls made. */
  llmCalls: number;
  /** Tokens spent by those calls. */
  tokensUsed: number;
  /** Tokens the reused answers had cost when they were generated. */
  tokensSaved: number;
  /** Search function calls made. */
  searchCalls: number;
  /** Semantic entries dropped by tag invalidations (local or received through the `invalidate` event). */
  semanticDropped: number;
  /** Semantic matches whose stored value had expired or been invalidated, found at lookup and removed. */
  danglingDropped: number;
}

interface StoredAnswer<A> {
  answer: A;
  tokens: number;
}

/** An answer a generation shares with the paraphrases that waited for it, and what it was generated from. */
interface SharedAnswer {
  stored: StoredAnswer<unknown>;
  question: string;
  tags: readonly string[];
  /** When its inputs were known current. */
  since: number;
}

const PRODUCT_TAG = 'product:';
const CONVERSATION_PARAM = 'strata:conversation';
/** Runs joined before a caller accepts one started before an invalidation (a bound, should invalidations never stop). */
const MAX_JOIN_ATTEMPTS = 4;
const OUTDATED = 'computed from data a product update has outdated since: returned, not cached';

/**
 * The RAG cache of the specification: embeddings, search results and LLM answers, each reused exactly (same
 * normalised text in the same context) and semantically (a verified paraphrase in the same partition).
 *
 * The semantic index stores only a pointer (the exact key) to the value held in the cache's tiers, and a semantic
 * hit reads the value through that pointer. So a tag invalidation that reached this instance's cache (made here, or
 * mirrored by the replicated log) also defeats a semantic match even where the index was not told, and the index is
 * cleaned lazily. Tag invalidations announced through the cache's `invalidate` event drop the semantic entries eagerly.
 */
export class RagCache {
  private readonly cache: BackingCache;
  private readonly answerClass: string;
  private readonly searchClass: string;
  private readonly documentsInSignature: boolean;
  private readonly answers: SemanticCache<string>;
  private readonly searches: SemanticCache<string>;
  private readonly answerFlights = new CanonicalFlights<SharedAnswer>();
  private readonly answerCounters: RagLookupCounters = { lookups: 0, exact: 0, semantic: 0, misses: 0 };
  private readonly searchCounters: RagLookupCounters = { lookups: 0, exact: 0, semantic: 0, misses: 0 };
  private llmCalls = 0;
  private tokensUsed = 0;
  private tokensSaved = 0;
  private searchCalls = 0;
  private semanticDropped = 0;
  private danglingDropped = 0;
  /** What each computed value was built from: its product tags, and since when its inputs were known current. */
  private readonly runInputs = new WeakMap<object, { tags: readonly string[]; since: number }>();
  /** When each product tag was last invalidated, as far as this instance has seen. */
  private readonly invalidatedAt = new Map<string, number>();
  private readonly onInvalidate = (event: InvalidationEvent): void => {
    if (event.type === 'tags') this.dropSemantic(event.tags, event.at);
  };

  constructor(options: RagCacheOptions) {
    if (options === null || typeof options !== 'object' || options.cache === undefined || options.embedder === undefined) {
      throw new StrataError(ErrorCode.INVALID_OPTION, 'RagCache needs { cache, embedder }: a Strata cache and an embedder');
    }
    this.cache = options.cache;
    this.answerClass = options.answerClass ?? 'llm_responses';
    this.searchClass = options.searchClass ?? 'search_results';
    this.documentsInSignature = options.documentsInSignature ?? true;
    const embeddingStore = new StrataEmbeddingStore(this.cache, { class: options.embeddingClass ?? 'embeddings' });
    const semantic = { embedder: options.embedder, embeddingStore, strategy: options.strategy, maxEntriesPerPartition: options.maxEntriesPerPartition };
    this.answers = new SemanticCache<string>(semantic);
    this.searches = new SemanticCache<string>(semantic);
    this.cache.on('invalidate', this.onInvalidate);
  }

  /** The embedding of a text, from the tiers when any instance computed it before. */
  getOrCreateEmbedding(text: string): Promise<Float32Array> {
    if (typeof text !== 'string') throw new StrataError(ErrorCode.INVALID_OPTION, 'getOrCreateEmbedding expects a string');
    return this.answers.embed(text);
  }

  /**
   * Search results for a query: cached under the normalised query, else a verified paraphrase's results, else
   * `search(query)`'s (tagged with the products of the documents found).
   */
  async getOrSearch<D extends RagDocument>(query: string, search: (query: string) => Promise<readonly D[]>, options: SearchOptions): Promise<RagResult<readonly D[]>> {
    checkText('query', query);
    checkTenant(options?.tenant);
    const validAt = now();
    if (typeof search !== 'function') throw new StrataError(ErrorCode.INVALID_OPTION, 'getOrSearch needs a search function as its second argument');
    const scope: SemanticScope = { namespace: this.cache.name, tenant: options.tenant, generationParams: options.filters === undefined ? undefined : { filters: options.filters } };
    const key = exactKey('search', scope, query);
    const counters = this.searchCounters;
    counters.lookups++;
    const exact = await this.cache.get<readonly D[]>(key, { class: this.searchClass });
    if (exact !== undefined) {
      counters.exact++;
      return { value: exact, outcome: 'exact', similarity: 1, reason: 'same normalised query', validAt };
    }
    const found = await this.searches.lookup(scope, query);
    const reused = await this.dereference<readonly D[]>(this.searches, found, this.searchClass);
    if (reused !== undefined) {
      counters.semantic++;
      return { value: reused, outcome: 'semantic', similarity: found.similarity, reason: found.reason, matchedQuestion: found.matchedQuestion, validAt };
    }
    let tags: string[] = [];
    let outdated = false;
    const { value, ran } = await this.compute<readonly D[]>(key, this.searchClass, undefined, now, async (context) => {
      this.searchCalls++;
      const began = now();
      const documents = await search(query);
      if (!Array.isArray(documents)) throw new StrataError(ErrorCode.INVALID_OPTION, 'the search function must return an array of documents');
      tags = productTags(documents);
      context.setTags(tags);
      outdated = this.invalidatedSince(tags, began);
      if (outdated) context.setTtl(0);
      return { value: documents, tags };
    });
    // A concurrent call for the same key shares one run (single-flight): only the call that ran it missed.
    if (!ran) {
      counters.exact++;
      return { value, outcome: 'exact', similarity: 1, reason: 'same normalised query (computed concurrently)', validAt };
    }
    counters.misses++;
    if (outdated) {
      await this.forgetOutdated(key, this.searchClass);
      return { value, outcome: 'miss', similarity: found.similarity, reason: OUTDATED, validAt };
    }
    await this.searches.set(scope, query, key, { id: key, tags });
    return { value, outcome: 'miss', similarity: found.similarity, reason: found.hit ? 'semantic match no longer valid' : found.reason, validAt };
  }

  /**
   * An LLM answer: cached under the normalised question in the same context (tenant, system prompt, parameters,
   * documents, and the conversation when the question does not stand alone), else a verified paraphrase's answer,
   * else `generate()`'s, tagged with the products of `documents`.
   */
  async getOrGenerate<A>(input: AskInput, generate: () => Promise<Generation<A>>): Promise<RagResult<A>> {
    if (input === null || typeof input !== 'object') throw new StrataError(ErrorCode.INVALID_OPTION, 'getOrGenerate expects { question, tenant, … }');
    checkText('question', input.question);
    checkTenant(input.tenant);
    const validAt = now();
    const retrievedAt = input.retrievedAt ?? validAt;
    if (typeof retrievedAt !== 'number' || !Number.isFinite(retrievedAt)) throw new StrataError(ErrorCode.INVALID_OPTION, 'retrievedAt must be a time in milliseconds since the epoch (a search result\'s validAt)');
    if (typeof generate !== 'function') throw new StrataError(ErrorCode.INVALID_OPTION, 'getOrGenerate needs a generate function as its second argument');
    const scope = this.answerScope(input);
    const key = exactKey('answer', scope, input.question);
    const tags = productTags(input.documents ?? []);
    const counters = this.answerCounters;
    counters.lookups++;
    const exact = await this.cache.get<StoredAnswer<A>>(key, { class: this.answerClass });
    if (exact !== undefined) {
      counters.exact++;
      this.tokensSaved += exact.tokens;
      return { value: exact.answer, outcome: 'exact', similarity: 1, reason: 'same normalised question', validAt };
    }
    const context = this.documentContext(input.documents);
    const found = await this.answers.lookup(scope, input.question, { context });
    const reused = await this.dereference<StoredAnswer<A>>(this.answers, found, this.answerClass);
    if (reused !== undefined) {
      counters.semantic++;
      this.tokensSaved += reused.tokens;
      return { value: reused.answer, outcome: 'semantic', similarity: found.similarity, reason: found.reason, matchedQuestion: found.matchedQuestion, validAt };
    }
    const canonicalKey = this.answers.canonicalKey(scope, input.question, { context });
    const flight = canonicalKey === undefined ? undefined : await this.shareOrLead(canonicalKey, key);
    if (flight !== undefined && 'shared' in flight) {
      const { stored, question } = flight.shared;
      counters.semantic++;
      this.tokensSaved += stored.tokens;
      const similarity = dot(await this.answers.embed(input.question), await this.answers.embed(question));
      return { value: stored.answer as A, outcome: 'semantic', similarity, reason: 'same canonical question (computed concurrently)', matchedQuestion: question, validAt };
    }
    let shared: SharedAnswer | undefined;
    try {
      let outdated = false;
      const { value: answer, ran } = await this.compute<StoredAnswer<A>>(key, this.answerClass, tags, () => retrievedAt, async (context) => {
        this.llmCalls++;
        const generated = await generate();
        const tokens = generated?.tokens ?? 0;
        if (typeof tokens !== 'number' || !Number.isFinite(tokens) || tokens < 0) {
          throw new StrataError(ErrorCode.INVALID_OPTION, `generate must return { answer, tokens? } with tokens a non-negative number, got ${String(tokens)}`);
        }
        this.tokensUsed += tokens;
        outdated = this.invalidatedSince(tags, retrievedAt);
        if (outdated) context.setTtl(0);
        return { value: { answer: generated.answer, tokens }, tags };
      });
      if (!outdated) {
        const inputs = this.runInputs.get(answer);
        shared = { stored: answer, question: input.question, tags: inputs?.tags ?? tags, since: inputs?.since ?? retrievedAt };
      }
      if (!ran) {
        counters.exact++;
        this.tokensSaved += answer.tokens;
        return { value: answer.answer, outcome: 'exact', similarity: 1, reason: 'same normalised question (computed concurrently)', validAt };
      }
      counters.misses++;
      if (outdated) {
        await this.forgetOutdated(key, this.answerClass);
        return { value: answer.answer, outcome: 'miss', similarity: found.similarity, reason: OUTDATED, validAt };
      }
      await this.answers.set(scope, input.question, key, { id: key, tags, context });
      return { value: answer.answer, outcome: 'miss', similarity: found.similarity, reason: found.hit ? 'semantic match no longer valid' : found.reason, validAt };
    } finally {
      // Ends the flight only once the answer is in the semantic index, so no paraphrase falls between the two.
      if (flight !== undefined && 'finish' in flight) flight.finish(shared);
    }
  }

  /**
   * Drops every answer and search result built from a product's documents: in the tiers through a tag invalidation
   * (which the cache replicates to other instances when L2 is configured) and in this instance's semantic index.
   */
  async invalidateProduct(productId: string): Promise<void> {
    checkText('productId', productId);
    const tag = PRODUCT_TAG + productId;
    await this.cache.invalidateTags([tag]);
    this.dropSemantic([tag], now());
  }

  stats(): RagStats {
    return {
      answers: { ...this.answerCounters },
      searches: { ...this.searchCounters },
      llmCalls: this.llmCalls,
      tokensUsed: this.tokensUsed,
      tokensSaved: this.tokensSaved,
      searchCalls: this.searchCalls,
      semanticDropped: this.semanticDropped,
      danglingDropped: this.danglingDropped,
    };
  }

  /** Stops listening to the cache's invalidations; the cache itself stays open. */
  close(): void {
    this.cache.off('invalidate', this.onInvalidate);
  }

  private answerScope(input: AskInput): SemanticScope {
    const history = input.history ?? [];
    if (!Array.isArray(history)) throw new StrataError(ErrorCode.INVALID_OPTION, 'history must be an array of { role, content } turns');
    let params = input.params;
    if (history.length > 0 && !standsAlone(input.question)) {
      params = { ...params, [CONVERSATION_PARAM]: history.map((turn) => `${turn.role}: ${normalize(String(turn.content))}`) };
    }
    const documentIds = this.documentsInSignature && input.documents !== undefined ? input.documents.map((d) => d.id) : undefined;
    return { namespace: this.cache.name, tenant: input.tenant, systemPrompt: input.systemPrompt, generationParams: params, documentIds };
  }

  /**
   * The retrieved documents' titles, when the partition is keyed by those documents: only then do all the questions
   * of the partition name the same things, so the words naming them can be set aside.
   */
  private documentContext(documents: readonly RagDocument[] | undefined): string | undefined {
    if (!this.documentsInSignature || documents === undefined) return undefined;
    const titles = documents.map((d) => d.title).filter((t): t is string => typeof t === 'string');
    return titles.length === 0 ? undefined : titles.join(' ');
  }

  /**
   * Runs `produce` through the cache's single-flight. A call that joined another call's run asks again when a product
   * the run used was invalidated after the run's inputs were read: this caller may have asked after the update.
   * (The core already refuses to store such a value; this keeps it from being handed to the joiners.)
   * `since` is when the run's inputs were known current; `produce` reports the tags it used.
   */
  private async compute<V extends object>(
    key: string,
    className: string,
    tags: readonly string[] | undefined,
    since: () => number,
    produce: (context: { setTags(tags: readonly string[]): void; setTtl(ttl: number): void }) => Promise<{ value: V; tags: readonly string[] }>,
  ): Promise<{ value: V; ran: boolean }> {
    for (let attempt = 1; ; attempt++) {
      let ran = false;
      const answer = await this.cache.getOrSetWithInfo<V>(
        key,
        async (context) => {
          ran = true;
          const inputsSince = since();
          const produced = await produce(context);
          this.runInputs.set(produced.value, { tags: produced.tags, since: inputsSince });
          return produced.value;
        },
        { class: className, tags },
      );
      const inputs = this.runInputs.get(answer.value);
      if (ran || answer.outcome !== 'miss' || attempt >= MAX_JOIN_ATTEMPTS || (inputs !== undefined && !this.invalidatedSince(inputs.tags, inputs.since))) {
        return { value: answer.value, ran };
      }
    }
  }

  /**
   * Waits for a generation under way for the same canonical question in the same partition (another wording) and
   * takes its answer, unless a product it used was invalidated after its inputs were read; when it failed or was
   * refused, waits for the next one, and when none is under way, leads one. Undefined when the same wording is under
   * way (the cache's single-flight shares it) or after `MAX_JOIN_ATTEMPTS` refused runs (the caller then generates
   * alone).
   */
  private async shareOrLead(canonicalKey: string, key: string): Promise<{ shared: SharedAnswer } | { finish: (shared: SharedAnswer | undefined) => void } | undefined> {
    for (let attempt = 1; attempt <= MAX_JOIN_ATTEMPTS; attempt++) {
      const flight = this.answerFlights.current(canonicalKey);
      if (flight === undefined) return { finish: this.answerFlights.lead(canonicalKey, key) };
      if (flight.exactKey === key) return undefined;
      const shared = await flight.shared;
      if (shared !== undefined && !this.invalidatedSince(shared.tags, shared.since)) return { shared };
    }
    return undefined;
  }

  /**
   * Removes a value stored from outdated inputs. Its zero TTL alone is not enough: the core's hit path compares expiry
   * with a millisecond clock that can lag while a long chain of promises runs, so the entry could still read as fresh.
   */
  private async forgetOutdated(key: string, className: string): Promise<void> {
    await this.cache.delete(key, { class: className });
  }

  private invalidatedSince(tags: readonly string[], since: number): boolean {
    return tags.some((tag) => (this.invalidatedAt.get(tag) ?? 0) >= since);
  }

  /** The value a semantic match points to, or undefined (and the match removed) when it expired or was invalidated. */
  private async dereference<V>(index: SemanticCache<string>, found: SemanticLookup<string>, className: string): Promise<V | undefined> {
    if (!found.hit || found.value === undefined) return undefined;
    const value = await this.cache.get<V>(found.value, { class: className });
    if (value === undefined && found.matchedId !== undefined && index.delete(found.matchedId)) this.danglingDropped++;
    return value;
  }

  private dropSemantic(tags: readonly string[], at: number): void {
    for (const tag of tags) {
      if (!tag.startsWith(PRODUCT_TAG)) continue;
      this.invalidatedAt.set(tag, Math.max(at, this.invalidatedAt.get(tag) ?? 0));
      this.semanticDropped += this.answers.deleteByTag(tag) + this.searches.deleteByTag(tag);
    }
  }
}

/** Milliseconds since the epoch with sub-millisecond precision, the clock the core stamps invalidations with. */
function now(): number {
  return performance.timeOrigin + performance.now();
}

function exactKey(kind: 'answer' | 'search', scope: SemanticScope, text: string): string {
  const digest = createHash('sha256').update(JSON.stringify([scope.tenant, contextSignature(scope), normalize(text)])).digest('base64url');
  return `${kind}:${digest}`;
}

function productTags(documents: readonly RagDocument[]): string[] {
  const tags = new Set<string>();
  for (const document of documents) {
    if (document === null || typeof document !== 'object' || typeof document.id !== 'string') {
      throw new StrataError(ErrorCode.INVALID_OPTION, 'documents must be objects { id: string, productIds?: string[] }');
    }
    for (const id of document.productIds ?? []) tags.add(PRODUCT_TAG + id);
  }
  return [...tags];
}

function checkText(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.trim() === '') throw new StrataError(ErrorCode.INVALID_OPTION, `${name} must be a non-empty string`);
}

function checkTenant(tenant: unknown): asserts tenant is string {
  if (typeof tenant !== 'string' || tenant === '') throw new StrataError(ErrorCode.INVALID_OPTION, 'a tenant is required ({ tenant: "acme" }): tenants never share cached answers');
}
