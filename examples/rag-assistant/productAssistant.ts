import { HashingEmbedder, RagCache, type Embedder, type RagDocument, type Strata } from '../../src/index.js';

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
 * A small product assistant on `RagCache`: embeddings, search results and answers are each cached in their data
 * class, reused exactly or for a question asked in other words. Answers and search results carry the ids of the
 * products they used, so `updateProduct` (`invalidateProduct`) drops exactly those.
 */
export class ProductAssistant {
  readonly calls = { embedder: 0, search: 0, llm: 0 };
  private readonly rag: RagCache;

  constructor(
    cache: Strata,
    private readonly catalog: Map<string, Product>,
    private readonly model: AnswerModel,
  ) {
    const hashing = new HashingEmbedder();
    const counted: Embedder = {
      id: hashing.id,
      dimensions: hashing.dimensions,
      embed: (texts) => {
        this.calls.embedder += texts.length;
        return hashing.embed(texts);
      },
    };
    this.rag = new RagCache({ cache, embedder: counted });
  }

  async answer(question: string): Promise<Answer> {
    const found = await this.rag.getOrSearch(question, (query) => this.search(query), { tenant: 'shop' });
    const productIds = found.value.map((doc) => doc.id);
    const result = await this.rag.getOrGenerate({ question, tenant: 'shop', documents: found.value, retrievedAt: found.validAt }, async () => {
      this.calls.llm++;
      return { answer: await this.model(question, productIds.map((id) => this.catalog.get(id)!)) };
    });
    return { text: result.value, source: result.outcome === 'miss' ? 'llm' : result.outcome, productIds };
  }

  /** Changes a product and drops every cached search result and answer that used it. */
  async updateProduct(id: string, changes: Partial<Omit<Product, 'id'>>): Promise<void> {
    const product = this.catalog.get(id);
    if (product === undefined) throw new Error(`no product ${id}`);
    this.catalog.set(id, { ...product, ...changes });
    await this.rag.invalidateProduct(id);
  }

  /** The products closest to the query, best first. */
  private async search(query: string, limit = 2): Promise<RagDocument[]> {
    this.calls.search++;
    const queryVector = await this.rag.getOrCreateEmbedding(query);
    const scored = await Promise.all(
      [...this.catalog.values()].map(async (p) => ({ id: p.id, score: cosine(queryVector, await this.rag.getOrCreateEmbedding(`${p.name}. ${p.description}`)) })),
    );
    return scored
      .sort((a, b) => b.score - a.score)
      .slice(0, limit)
      .map((s) => ({ id: s.id, productIds: [s.id] }));
  }
}
