import { createHash } from 'node:crypto';
import { HashingEmbedder, normalize, SemanticCache, type Strata } from '../../src/index.js';

export interface Product {
  id: string;
  name: string;
  price: number;
  description: string;
}

/** The model that writes an answer from the retrieved products (a real one would be an API call). */
export type AnswerModel = (question: string, products: readonly Product[]) => Promise<string>;

export interface Answer {
  text: string;
  /** `llm`: the model ran; `exact`: the same question was answered before; `semantic`: the same question in other words. */
  source: 'llm' | 'exact' | 'semantic';
  /** The products the answer was written from. */
  productIds: readonly string[];
}

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/**
 * A small product assistant on Strata: embeddings, search results and answers are each cached in their data class.
 * Answers carry a `product:<id>` tag per product they used, so `updateProduct` invalidates exactly the answers (and
 * search results) that mention it.
 */
export class ProductAssistant {
  readonly calls = { embedder: 0, search: 0, llm: 0 };
  private readonly embedder = new HashingEmbedder();
  private readonly semantic = new SemanticCache<string>({ embedder: this.embedder });

  constructor(
    private readonly cache: Strata,
    private readonly catalog: Map<string, Product>,
    private readonly model: AnswerModel,
  ) {}

  async answer(question: string): Promise<Answer> {
    const productIds = await this.search(question);
    const tags = productIds.map((id) => `product:${id}`);
    const key = `answer:${sha1(`${productIds.join(',')}\n${normalize(question)}`)}`;
    const exact = await this.cache.get<string>(key, { class: 'llm_responses' });
    if (exact !== undefined) return { text: exact, source: 'exact', productIds };

    // The retrieved products are part of the partition: an answer is reused only where it was written from the same sources.
    const scope = { namespace: this.cache.name, tenant: 'shop', documentIds: productIds };
    const similar = await this.semantic.lookup(scope, question);
    if (similar.hit && similar.value !== undefined) {
      const text = await this.cache.get<string>(similar.value, { class: 'llm_responses' });
      if (text !== undefined) return { text, source: 'semantic', productIds };
    }

    const text = await this.cache.getOrSet(
      key,
      () => {
        this.calls.llm++;
        return this.model(question, productIds.map((id) => this.catalog.get(id)!));
      },
      { class: 'llm_responses', tags },
    );
    await this.semantic.set(scope, question, key, { tags });
    return { text, source: 'llm', productIds };
  }

  /** Changes a product and drops every cached search result and answer that used it. */
  async updateProduct(id: string, changes: Partial<Omit<Product, 'id'>>): Promise<void> {
    const product = this.catalog.get(id);
    if (product === undefined) throw new Error(`no product ${id}`);
    this.catalog.set(id, { ...product, ...changes });
    await this.cache.invalidateTags([`product:${id}`]);
  }

  /** The ids of the products closest to the query, best first. */
  private search(query: string, limit = 2): Promise<string[]> {
    return this.cache.getOrSet(
      `search:${sha1(normalize(query))}`,
      async (context) => {
        this.calls.search++;
        const queryVector = await this.embed(query);
        const scored = await Promise.all([...this.catalog.values()].map(async (p) => ({ id: p.id, score: cosine(queryVector, await this.embed(`${p.name}. ${p.description}`)) })));
        const ids = scored.sort((a, b) => b.score - a.score).slice(0, limit).map((s) => s.id);
        context.setTags(ids.map((id) => `product:${id}`));
        return ids;
      },
      { class: 'search_results' },
    );
  }

  private embed(text: string): Promise<Float32Array> {
    return this.cache.getOrSet(
      `embedding:${this.embedder.id}:${sha1(normalize(text))}`,
      async () => {
        this.calls.embedder++;
        const [vector] = await this.embedder.embed([text]);
        return vector!;
      },
      { class: 'embeddings' },
    );
  }
}
