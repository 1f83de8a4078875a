import { createHash } from 'node:crypto';
import { ErrorCode, StrataError } from '../errors.js';
import { dot, normaliseVector, type Embedder } from './embedder.js';
import { MemoryEmbeddingStore, type EmbeddingStore } from './embeddingStore.js';
import { normalize } from './normalize.js';
import { partitionKey, type PartitionContext } from './partition.js';
import { questionSignals, type QuestionSignals } from './questionSignals.js';
import { resolveStrategy, type Strategy, type StrategyName } from './strategies.js';
import { VectorIndex } from './vectorIndex.js';
import { Verifier } from './verifier.js';
import { bundledVerifierWeights, type VerifierWeights } from './verifierModel.js';

/** Where a question is stored and looked up: the partition without the model, which the cache adds. */
export type SemanticScope = Omit<PartitionContext, 'model'>;

export interface SemanticCacheOptions {
  embedder: Embedder;
  /** Exact embedding cache keyed by model + normalised text (default: an in-memory LRU of 10 000 vectors). */
  embeddingStore?: EmbeddingStore;
  /** Default strategy for lookups (default 'smart'). */
  strategy?: StrategyName | Strategy;
  /** Learned verifier models by embedder id (default: the weights shipped in src/semantic/verifier-weights.json). */
  verifierWeights?: VerifierWeights;
  /** Most questions per partition; the oldest is evicted past it (default 100 000). */
  maxEntriesPerPartition?: number;
  /** Nearest neighbours verified per lookup (default 5). */
  candidates?: number;
}

export interface SemanticSetOptions {
  /** A caller-chosen id for deletion; defaults to a hash of the partition and the question. */
  id?: string;
  /** Tags (e.g. product ids) for `deleteByTag`. */
  tags?: readonly string[];
  /** Text naming what the partition is about (e.g. the retrieved documents' titles); see `QuestionSignalsOptions.context`. */
  context?: string;
}

export interface SemanticLookupOptions {
  /** Overrides the cache's strategy for this lookup. */
  strategy?: StrategyName | Strategy;
  /** Text naming what the partition is about, as given to `set`; see `QuestionSignalsOptions.context`. */
  context?: string;
}

/** The answer to a lookup: on a hit the stored value and the question it was stored under. */
export interface SemanticLookup<V> {
  hit: boolean;
  value?: V;
  /** Cosine similarity of the best candidate (0 when the partition is empty). */
  similarity: number;
  /** The verifier's score of the best candidate. */
  score: number;
  reason: string;
  /** True when a guard (numbers, codes, negation, question type, length) refused the best candidate. */
  vetoed: boolean;
  matchedQuestion?: string;
  /** The id of the matched entry. */
  matchedId?: string;
}

interface StoredEntry<V> {
  id: string;
  slot: number;
  partition: string;
  question: string;
  signals: QuestionSignals;
  /** Kept for the verifier, which compares embeddings dimension by dimension (the graph does not return them). */
  vector: Float32Array;
  value: V;
  tags: readonly string[];
}

interface Partition {
  index: VectorIndex;
  slots: Map<number, string>;
  /** The latest entry of each canonical form: found whatever its rank among the nearest neighbours. */
  canonical: Map<string, number>;
}

/**
 * Stores answers under questions and finds them again for questions asked in other words, within one partition
 * (namespace + tenant + model + context signature) only: normalise → embed (through the embedding store) → nearest
 * neighbours in the partition → verify each candidate with the strategy → the best verified candidate, or a miss.
 */
export class SemanticCache<V = unknown> {
  private readonly embedder: Embedder;
  private readonly store: EmbeddingStore;
  private readonly strategy: Strategy;
  private readonly weights: VerifierWeights;
  private readonly maxEntries: number;
  private readonly candidates: number;
  private readonly verifiers = new Map<Strategy, Verifier>();
  private readonly partitions = new Map<string, Partition>();
  private readonly entries = new Map<string, StoredEntry<V>>();
  private readonly bySlot = new Map<number, StoredEntry<V>>();
  private readonly byTag = new Map<string, Set<string>>();
  private nextSlot = 1;

  constructor(options: SemanticCacheOptions) {
    this.embedder = options.embedder;
    this.store = options.embeddingStore ?? new MemoryEmbeddingStore();
    this.strategy = resolveStrategy(options.strategy);
    this.weights = options.verifierWeights ?? bundledVerifierWeights();
    this.maxEntries = options.maxEntriesPerPartition ?? 100_000;
    this.candidates = options.candidates ?? 5;
    if (!Number.isInteger(this.candidates) || this.candidates < 1) {
      throw new StrataError(ErrorCode.INVALID_OPTION, `candidates must be a positive integer, got ${String(options.candidates)}`);
    }
  }

  /** Number of stored questions across all partitions. */
  get size(): number {
    return this.entries.size;
  }

  /** The verifier a strategy uses with this cache's embedder (with its learned model, where one exists). */
  verifier(strategy?: StrategyName | Strategy): Verifier {
    const s = strategy === undefined ? this.strategy : resolveStrategy(strategy);
    let v = this.verifiers.get(s);
    if (v === undefined) {
      v = new Verifier(s, this.weights[this.embedder.id]);
      this.verifiers.set(s, v);
    }
    return v;
  }

  /** The embedding of a question, from the embedding store when it was computed before. */
  async embed(question: string): Promise<Float32Array> {
    const text = normalize(question);
    const key = `${this.embedder.id}:${createHash('sha1').update(text).digest('hex')}`;
    const cached = await this.store.get(key);
    if (cached !== undefined) return cached;
    const [vector] = await this.embedder.embed([text]);
    if (vector === undefined || vector.length !== this.embedder.dimensions) {
      throw new StrataError(ErrorCode.EMBEDDER_FAILED, `embedder ${this.embedder.id} returned no ${this.embedder.dimensions}-dimensional vector`);
    }
    const unit = normaliseVector(Float32Array.from(vector));
    await this.store.set(key, unit);
    return unit;
  }

  /** Stores `value` as the answer to `question` in the scope's partition; returns the entry id. */
  async set(scope: SemanticScope, question: string, value: V, options: SemanticSetOptions = {}): Promise<string> {
    const partitionId = this.partitionId(scope);
    const vector = await this.embed(question);
    const id = options.id ?? createHash('sha1').update(partitionId).update('\n').update(normalize(question)).digest('base64url');
    this.delete(id);
    let partition = this.partitions.get(partitionId);
    if (partition === undefined) {
      partition = { index: new VectorIndex({ dimensions: this.embedder.dimensions, maxElements: this.maxEntries }), slots: new Map(), canonical: new Map() };
      this.partitions.set(partitionId, partition);
    }
    const entry: StoredEntry<V> = { id, slot: this.nextSlot++, partition: partitionId, question, signals: questionSignals(question, { context: options.context }), vector, value, tags: [...(options.tags ?? [])] };
    for (const evicted of partition.index.add(entry.slot, vector)) {
      const old = this.bySlot.get(evicted);
      if (old !== undefined) this.forget(old);
    }
    partition.slots.set(entry.slot, id);
    if (entry.signals.canonical !== undefined) partition.canonical.set(entry.signals.canonical, entry.slot);
    this.entries.set(id, entry);
    this.bySlot.set(entry.slot, entry);
    for (const tag of entry.tags) {
      let ids = this.byTag.get(tag);
      if (ids === undefined) this.byTag.set(tag, (ids = new Set()));
      ids.add(id);
    }
    return id;
  }

  /** Looks `question` up in the scope's partition; never looks into another partition. */
  async lookup(scope: SemanticScope, question: string, options: SemanticLookupOptions = {}): Promise<SemanticLookup<V>> {
    const partition = this.partitions.get(this.partitionId(scope));
    if (partition === undefined || partition.index.size === 0) return { hit: false, similarity: 0, score: 0, reason: 'empty partition', vetoed: false };
    const vector = await this.embed(question);
    const verifier = this.verifier(options.strategy);
    const signals = questionSignals(question, { context: options.context });
    let best: SemanticLookup<V> | undefined;
    const neighbours = partition.index.search(vector, this.candidates);
    const canonicalSlot = signals.canonical === undefined ? undefined : partition.canonical.get(signals.canonical);
    const canonicalEntry = canonicalSlot === undefined ? undefined : this.bySlot.get(canonicalSlot);
    if (canonicalEntry !== undefined && !neighbours.some((n) => n.id === canonicalSlot)) neighbours.push({ id: canonicalEntry.slot, similarity: dot(vector, canonicalEntry.vector) });
    for (const { id: slot, similarity } of neighbours) {
      const entry = this.bySlot.get(slot);
      if (entry === undefined) continue;
      const decision = verifier.decide(signals, entry.signals, similarity, { query: vector, candidate: entry.vector });
      if (decision.hit && (best === undefined || !best.hit || decision.score > best.score)) {
        best = { hit: true, value: entry.value, similarity, score: decision.score, reason: decision.reason, vetoed: false, matchedQuestion: entry.question, matchedId: entry.id };
      } else if (best === undefined) {
        // The nearest candidate's refusal explains the miss best.
        best = { hit: false, similarity, score: decision.score, reason: decision.reason, vetoed: decision.vetoed };
      }
    }
    return best ?? { hit: false, similarity: 0, score: 0, reason: 'no candidate', vetoed: false };
  }

  /**
   * The key two questions share when the verifier would match them on their canonical form alone: the partition and
   * the canonical form (which carries language, attributes, codes, numbers and negation). Undefined when the question
   * has no canonical form or the strategy does not match on it. Lets a caller share one computation among concurrent
   * paraphrases before either is stored.
   */
  canonicalKey(scope: SemanticScope, question: string, options: SemanticLookupOptions = {}): string | undefined {
    if (!this.verifier(options.strategy).strategy.canonicalMatch) return undefined;
    const canonical = questionSignals(question, { context: options.context }).canonical;
    return canonical === undefined ? undefined : JSON.stringify([this.partitionId(scope), canonical]);
  }

  /** Deletes one entry by id; true when it existed. */
  delete(id: string): boolean {
    const entry = this.entries.get(id);
    if (entry === undefined) return false;
    this.partitions.get(entry.partition)?.index.remove(entry.slot);
    this.forget(entry);
    return true;
  }

  /** Deletes every entry stored with `tag` (e.g. every answer that used a product); returns how many. */
  deleteByTag(tag: string): number {
    const ids = [...(this.byTag.get(tag) ?? [])];
    for (const id of ids) this.delete(id);
    return ids.length;
  }

  /** Drops a whole partition (a tenant leaving, a changed system prompt). */
  dropPartition(scope: SemanticScope): number {
    const partitionId = this.partitionId(scope);
    const partition = this.partitions.get(partitionId);
    if (partition === undefined) return 0;
    const ids = [...partition.slots.values()];
    for (const id of ids) this.delete(id);
    this.partitions.delete(partitionId);
    return ids.length;
  }

  private partitionId(scope: SemanticScope): string {
    return partitionKey({ ...scope, model: this.embedder.id });
  }

  private forget(entry: StoredEntry<V>): void {
    this.entries.delete(entry.id);
    this.bySlot.delete(entry.slot);
    const partition = this.partitions.get(entry.partition);
    partition?.slots.delete(entry.slot);
    if (entry.signals.canonical !== undefined && partition?.canonical.get(entry.signals.canonical) === entry.slot) partition.canonical.delete(entry.signals.canonical);
    if (partition !== undefined && partition.slots.size === 0) this.partitions.delete(entry.partition);
    for (const tag of entry.tags) {
      const ids = this.byTag.get(tag);
      ids?.delete(entry.id);
      if (ids?.size === 0) this.byTag.delete(tag);
    }
  }
}
