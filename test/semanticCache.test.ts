import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HashingEmbedder } from '../src/semantic/hashingEmbedder.js';
import { MemoryEmbeddingStore } from '../src/semantic/embeddingStore.js';
import { SemanticCache, type SemanticScope } from '../src/semantic/semanticCache.js';
import { STRATEGIES } from '../src/semantic/strategies.js';
import { UseLiteEmbedder } from '../src/semantic/useLiteEmbedder.js';
import type { Embedder } from '../src/semantic/embedder.js';

const shop = { namespace: 'shop', tenant: 'acme' };

/** Counts the texts that reach the model, to observe the embedding cache. */
class CountingEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;
  texts: string[] = [];
  constructor(private readonly inner: Embedder) {
    this.id = inner.id;
    this.dimensions = inner.dimensions;
  }
  embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.texts.push(...texts);
    return this.inner.embed(texts);
  }
}

describe('SemanticCache', () => {
  it('gets 0 cross-tenant hits: a question stored for tenant A is a miss for tenant B', async () => {
    const cache = new SemanticCache<string>({ embedder: new HashingEmbedder() });
    const questions = ['What is the return policy?', '¿Cuál es el horario de la tienda?', 'How long does shipping take?', 'precio del iPhone 14'];
    for (const q of questions) await cache.set({ namespace: 'shop', tenant: 'tenant-a' }, q, `answer for A: ${q}`);
    let crossTenantHits = 0;
    for (const q of questions) {
      if ((await cache.lookup({ namespace: 'shop', tenant: 'tenant-b' }, q)).hit) crossTenantHits++;
      assert.equal((await cache.lookup({ namespace: 'shop', tenant: 'tenant-a' }, q)).value, `answer for A: ${q}`);
    }
    assert.equal(crossTenantHits, 0);
  });

  it('separates partitions by context: another system prompt or other documents are a miss', async () => {
    const cache = new SemanticCache<string>({ embedder: new HashingEmbedder() });
    await cache.set({ ...shop, systemPrompt: 'Answer briefly.', documentIds: ['d1', 'd2'] }, 'what is the warranty period', 'two years');
    assert.equal((await cache.lookup({ ...shop, systemPrompt: 'Answer briefly.', documentIds: ['d2', 'd1'] }, 'what is the warranty period')).hit, true);
    assert.equal((await cache.lookup({ ...shop, systemPrompt: 'Answer at length.', documentIds: ['d1', 'd2'] }, 'what is the warranty period')).hit, false);
    assert.equal((await cache.lookup({ ...shop, systemPrompt: 'Answer briefly.', documentIds: ['d3'] }, 'what is the warranty period')).hit, false);
  });

  it('never serves the "precio del iPhone 14" answer for "precio del iPhone 15" (real model, every strategy)', async () => {
    const cache = new SemanticCache<string>({ embedder: new UseLiteEmbedder() });
    await cache.set(shop, 'precio del iPhone 14', '799 €');
    await cache.set(shop, 'price of the iPhone 14', '$799');
    for (const strategy of ['conservative', 'smart', 'aggressive'] as const) {
      const es = await cache.lookup(shop, 'precio del iPhone 15', { strategy });
      assert.equal(es.hit, false, `${strategy}: ${es.reason}`);
      const en = await cache.lookup(shop, 'price of the iPhone 15', { strategy });
      assert.equal(en.hit, false, `${strategy}: ${en.reason}`);
      assert.ok(en.similarity > 0.8, 'the embeddings alone would have matched');
    }
    const same = await cache.lookup(shop, '¿Precio del iPhone 14?');
    assert.equal(same.hit, true, same.reason);
    assert.equal(same.value, '799 €');
    assert.equal(same.matchedQuestion, 'precio del iPhone 14');
  });

  it('gives paraphrases of the same canonical question one canonical key, only within one partition', () => {
    const cache = new SemanticCache<string>({ embedder: new HashingEmbedder() });
    const context = 'Acme headphones X-200';
    const key = (scope: SemanticScope, question: string): string | undefined => cache.canonicalKey(scope, question, { context });
    const price = key(shop, 'What is the price of the Acme headphones X-200?');
    assert.notEqual(price, undefined);
    assert.equal(key(shop, 'How much does the X-200 cost?'), price);
    assert.notEqual(key(shop, 'What is the warranty of the X-200?'), price);
    assert.notEqual(key(shop, '¿Cuál es el precio del X-200?'), price);
    assert.notEqual(key({ namespace: 'shop', tenant: 'globex' }, 'How much does the X-200 cost?'), price);
    assert.notEqual(key({ ...shop, documentIds: ['doc-x300'] }, 'How much does the X-200 cost?'), price);
    assert.equal(key(shop, 'Tell me something nice about these headphones'), undefined);
    assert.equal(cache.canonicalKey(shop, 'How much does the X-200 cost?', { context, strategy: { ...STRATEGIES.smart, canonicalMatch: false } }), undefined);
  });

  it('explains every lookup with similarity, score and reason', async () => {
    const cache = new SemanticCache<string>({ embedder: new HashingEmbedder() });
    assert.deepEqual(await cache.lookup(shop, 'anything'), { hit: false, similarity: 0, score: 0, reason: 'empty partition', vetoed: false });
    await cache.set(shop, 'how do I reset my password', 'use the link');
    const miss = await cache.lookup(shop, 'how do I reset my password in 2 steps');
    assert.equal(miss.hit, false);
    assert.equal(miss.reason, 'numbers differ');
    assert.equal(miss.vetoed, true);
    assert.ok(miss.similarity > 0);
  });

  it('deletes by id and by tag', async () => {
    const cache = new SemanticCache<string>({ embedder: new HashingEmbedder() });
    const id = await cache.set(shop, 'is the blue kettle in stock', 'yes', { tags: ['product:kettle'] });
    await cache.set(shop, 'what colours does the kettle come in', 'blue and red', { tags: ['product:kettle'] });
    await cache.set(shop, 'when do you deliver', 'weekdays', { id: 'delivery', tags: ['faq'] });
    assert.equal(cache.delete(id), true);
    assert.equal((await cache.lookup(shop, 'is the blue kettle in stock')).hit, false);
    assert.equal(cache.deleteByTag('product:kettle'), 1);
    assert.equal((await cache.lookup(shop, 'what colours does the kettle come in')).hit, false);
    assert.equal((await cache.lookup(shop, 'when do you deliver')).value, 'weekdays');
    assert.equal(cache.delete('delivery'), true);
    assert.equal(cache.size, 0);
  });

  it('evicts the oldest question when a partition is full', async () => {
    const cache = new SemanticCache<number>({ embedder: new HashingEmbedder(), maxEntriesPerPartition: 3 });
    const qs = ['what is the return policy', 'how long is the warranty', 'do you ship abroad', 'can I pay by card'];
    for (const [i, q] of qs.entries()) await cache.set(shop, q, i);
    assert.equal(cache.size, 3);
    assert.equal((await cache.lookup(shop, qs[0]!)).hit, false);
    assert.equal((await cache.lookup(shop, qs[3]!)).value, 3);
  });

  it('embeds a question once: the second lookup is served from the embedding store', async () => {
    const embedder = new CountingEmbedder(new HashingEmbedder());
    const cache = new SemanticCache<string>({ embedder, embeddingStore: new MemoryEmbeddingStore(100) });
    await cache.set(shop, '¿Dónde está mi pedido?', 'en camino');
    await cache.lookup(shop, 'donde esta mi pedido');
    await cache.lookup(shop, 'DÓNDE está mi pedido');
    assert.deepEqual(embedder.texts, ['donde esta mi pedido']);
  });
});
