import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStrata, HashingEmbedder, RagCache, StrataEmbeddingStore, standsAlone, type RagResult, type Strata } from '../src/index.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A generator that counts its calls and answers with the call number. */
function counting(): { calls: number; generate: () => Promise<{ answer: string; tokens: number }> } {
  const state = {
    calls: 0,
    generate: () => Promise.resolve({ answer: `answer ${++state.calls}`, tokens: 100 }),
  };
  return state;
}

function withRag(run: (rag: RagCache, cache: Strata) => Promise<void>): () => Promise<void> {
  return async () => {
    const cache = createStrata();
    const rag = new RagCache({ cache, embedder: new HashingEmbedder() });
    try {
      await run(rag, cache);
    } finally {
      rag.close();
      await cache.close();
    }
  };
}

const x200 = [{ id: 'doc-x200', productIds: ['x200'] }];
const x300 = [{ id: 'doc-x300', productIds: ['x300'] }];

describe('RagCache answers', () => {
  it(
    'reuses an answer for the same question (exact) and for a verified paraphrase (semantic), and reports how',
    withRag(async (rag) => {
      const llm = counting();
      const first = await rag.getOrGenerate({ question: 'What is the price of the Acme headphones X-200?', tenant: 'shop', documents: x200 }, llm.generate);
      assert.equal(first.outcome, 'miss');
      const exact = await rag.getOrGenerate({ question: '  what is the price of the ACME headphones x-200 ', tenant: 'shop', documents: x200 }, llm.generate);
      assert.deepEqual([exact.outcome, exact.value, exact.similarity], ['exact', 'answer 1', 1]);
      const semantic = await rag.getOrGenerate({ question: 'What is the current price of the Acme headphones X-200?', tenant: 'shop', documents: x200 }, llm.generate);
      assert.equal(semantic.outcome, 'semantic', semantic.reason);
      assert.equal(semantic.value, 'answer 1');
      assert.equal(semantic.matchedQuestion, 'What is the price of the Acme headphones X-200?');
      assert.ok(semantic.similarity > 0 && semantic.similarity < 1);
      const other = await rag.getOrGenerate({ question: 'What is the price of the Acme headphones X-300?', tenant: 'shop', documents: x200 }, llm.generate);
      assert.equal(other.outcome, 'miss');
      assert.equal(other.value, 'answer 2');
      assert.equal(llm.calls, 2);
      const stats = rag.stats();
      assert.deepEqual(stats.answers, { lookups: 4, exact: 1, semantic: 1, misses: 2 });
      assert.equal(stats.llmCalls, 2);
      assert.equal(stats.tokensUsed, 200);
      assert.equal(stats.tokensSaved, 200);
    }),
  );

  it(
    'reuses an answer for the same attribute asked in other words of the retrieved product, and not for another attribute',
    withRag(async (rag) => {
      const llm = counting();
      const documents = [{ id: 'doc-x200', title: 'Acme Wireless Headphones X-200 / Auriculares inalámbricos Acme X-200', productIds: ['x200'] }];
      await rag.getOrGenerate({ question: 'What does the Acme Wireless Headphones X-200 cost?', tenant: 'shop', documents }, llm.generate);
      const reworded = await rag.getOrGenerate({ question: 'X-200 price?', tenant: 'shop', documents }, llm.generate);
      assert.deepEqual([reworded.outcome, reworded.reason, reworded.value], ['semantic', 'same canonical question', 'answer 1']);
      const warranty = await rag.getOrGenerate({ question: 'X-200 warranty?', tenant: 'shop', documents }, llm.generate);
      assert.equal(warranty.outcome, 'miss');
      const spanish = await rag.getOrGenerate({ question: '¿Cuánto cuesta el X-200?', tenant: 'shop', documents }, llm.generate);
      assert.equal(spanish.outcome, 'miss', 'the answer is written in the language it was asked in');
      assert.equal((await rag.getOrGenerate({ question: 'precio de los Auriculares inalámbricos Acme X-200', tenant: 'shop', documents }, llm.generate)).value, 'answer 3');
      assert.equal(llm.calls, 3);
    }),
  );

  it(
    'ignores the titles of the documents when they are not part of the partition',
    async () => {
      const cache = createStrata();
      const rag = new RagCache({ cache, embedder: new HashingEmbedder(), documentsInSignature: false });
      try {
        const llm = counting();
        const vega = [{ id: 'doc-vega', title: 'Vega headphones', productIds: ['vega'] }];
        const nova = [{ id: 'doc-nova', title: 'Nova headphones', productIds: ['nova'] }];
        await rag.getOrGenerate({ question: 'How much are the Vega headphones?', tenant: 'shop', documents: vega }, llm.generate);
        const other = await rag.getOrGenerate({ question: 'How much are the Nova headphones?', tenant: 'shop', documents: nova }, llm.generate);
        assert.notEqual(other.reason, 'same canonical question');
        assert.equal(other.value, 'answer 2', 'another product without a code is another question');
      } finally {
        rag.close();
        await cache.close();
      }
    },
  );

  it(
    'never shares an answer across tenants',
    withRag(async (rag) => {
      const llm = counting();
      const questions = ['What is the price of the Acme headphones X-200?', '¿Cuál es el horario de la tienda?', 'How long does shipping take?'];
      for (const question of questions) await rag.getOrGenerate({ question, tenant: 'tenant-a', documents: x200 }, llm.generate);
      let crossTenant = 0;
      for (const question of questions) {
        if ((await rag.getOrGenerate({ question, tenant: 'tenant-b', documents: x200 }, llm.generate)).outcome !== 'miss') crossTenant++;
      }
      assert.equal(crossTenant, 0);
      assert.equal(llm.calls, 6);
    }),
  );

  it(
    'rejects a missing tenant or question with INVALID_OPTION',
    withRag(async (rag) => {
      const llm = counting();
      await assert.rejects(rag.getOrGenerate({ question: 'hi there friend', tenant: '' }, llm.generate), { code: 'INVALID_OPTION' });
      await assert.rejects(rag.getOrGenerate({ question: ' ', tenant: 'shop' }, llm.generate), { code: 'INVALID_OPTION' });
      await assert.rejects(rag.getOrSearch('x', () => Promise.resolve([]), {} as never), { code: 'INVALID_OPTION' });
    }),
  );
});

/** A generator whose calls wait until `release()`, so that questions asked meanwhile are concurrent with them. */
function gated(): { calls: number; generate: () => Promise<{ answer: string; tokens: number }>; release(): void; fail(): void } {
  const waiting: { resolve: () => void; reject: (error: Error) => void }[] = [];
  const state = {
    calls: 0,
    generate: () => {
      const n = ++state.calls;
      return new Promise<{ answer: string; tokens: number }>((resolve, reject) => {
        waiting.push({ resolve: () => resolve({ answer: `answer ${n}`, tokens: 100 }), reject });
      });
    },
    release: () => {
      for (const run of waiting.splice(0)) run.resolve();
    },
    fail: () => {
      for (const run of waiting.splice(0)) run.reject(new Error('LLM unavailable'));
    },
  };
  return state;
}

/** Lets every pending lookup reach its generation (or its wait for another's). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

const titledX200 = [{ id: 'doc-x200', productIds: ['x200'], title: 'Acme headphones X-200' }];

/** Asks the price of the X-200 in two wordings with the same canonical form, without waiting for either. */
function askPriceInTwoWordings(rag: RagCache, generate: () => Promise<{ answer: string; tokens: number }>): Promise<RagResult<string>>[] {
  return ['What is the price of the Acme headphones X-200?', 'How much does the X-200 cost?'].map((question) => rag.getOrGenerate({ question, tenant: 'shop', documents: titledX200 }, generate));
}

describe('RagCache single-flight across wordings', () => {
  it(
    'calls the LLM once for two paraphrases with the same canonical form asked at the same time',
    withRag(async (rag) => {
      const llm = gated();
      const [first, second] = askPriceInTwoWordings(rag, llm.generate);
      await settle();
      llm.release();
      const [a, b] = await Promise.all([first!, second!]);
      assert.equal(llm.calls, 1);
      assert.deepEqual([a.outcome, a.value], ['miss', 'answer 1']);
      assert.deepEqual([b.outcome, b.value, b.reason, b.matchedQuestion], ['semantic', 'answer 1', 'same canonical question (computed concurrently)', 'What is the price of the Acme headphones X-200?']);
      assert.deepEqual(rag.stats().answers, { lookups: 2, exact: 0, semantic: 1, misses: 1 });
      assert.equal(rag.stats().tokensSaved, 100);
    }),
  );

  it(
    'never waits for another attribute, language, tenant or document set: each calls the LLM',
    withRag(async (rag) => {
      const llm = gated();
      const x300Titled = [{ id: 'doc-x300', productIds: ['x300'], title: 'Acme headphones X-200' }];
      const asked = [
        { question: 'What is the price of the Acme headphones X-200?', tenant: 'shop', documents: titledX200 },
        { question: 'What is the warranty of the X-200?', tenant: 'shop', documents: titledX200 },
        { question: '¿Cuál es el precio del X-200?', tenant: 'shop', documents: titledX200 },
        { question: 'How much does the X-200 cost?', tenant: 'other-shop', documents: titledX200 },
        { question: 'How much does the X-200 cost?', tenant: 'shop', documents: x300Titled },
        { question: 'How much does the X-200 cost?', tenant: 'shop', documents: titledX200, systemPrompt: 'Answer in one word.' },
      ];
      const pending = asked.map((input) => rag.getOrGenerate(input, llm.generate));
      await settle();
      llm.release();
      const results = await Promise.all(pending);
      assert.equal(llm.calls, asked.length);
      assert.deepEqual(
        results.map((r) => r.outcome),
        asked.map(() => 'miss'),
      );
      assert.equal(new Set(results.map((r) => r.value)).size, asked.length);
    }),
  );

  it(
    'keeps the per-wording behaviour for a question without a canonical form',
    withRag(async (rag) => {
      const llm = gated();
      const first = rag.getOrGenerate({ question: 'Tell me something nice about these headphones', tenant: 'shop', documents: titledX200 }, llm.generate);
      const second = rag.getOrGenerate({ question: 'Say something nice about these headphones please', tenant: 'shop', documents: titledX200 }, llm.generate);
      await settle();
      llm.release();
      await Promise.all([first, second]);
      assert.equal(llm.calls, 2);
    }),
  );

  it(
    'does not pass a failed generation on: the paraphrase that waited for it generates its own',
    withRag(async (rag) => {
      const llm = gated();
      const [first, second] = askPriceInTwoWordings(rag, llm.generate);
      await settle();
      assert.equal(llm.calls, 1);
      llm.fail();
      await assert.rejects(first!, /LLM unavailable/);
      await settle();
      assert.equal(llm.calls, 2);
      llm.release();
      const b = await second!;
      assert.deepEqual([b.outcome, b.value], ['miss', 'answer 2']);
      const again = await rag.getOrGenerate({ question: 'Price of the X-200?', tenant: 'shop', documents: titledX200 }, llm.generate);
      assert.deepEqual([again.outcome, again.value], ['semantic', 'answer 2']);
    }),
  );

  it(
    'does not pass on an answer a product update outdated while it was generated',
    withRag(async (rag) => {
      const llm = gated();
      const [first, second] = askPriceInTwoWordings(rag, llm.generate);
      await settle();
      await rag.invalidateProduct('x200');
      llm.release();
      assert.equal((await first!).value, 'answer 1');
      await settle();
      llm.release();
      const b = await second!;
      assert.equal(llm.calls, 2);
      assert.equal(b.value, 'answer 2');
    }),
  );
});

describe('RagCache.invalidateProduct', () => {
  it(
    'drops the answers and search results that used the product, exact and semantic, and keeps the others',
    withRag(async (rag) => {
      const llm = counting();
      let searches = 0;
      const search = (query: string) => {
        searches++;
        return Promise.resolve(query.includes('200') ? x200 : x300);
      };
      const ask200 = 'What is the price of the Acme headphones X-200?';
      const ask300 = 'What is the price of the Acme headphones X-300?';
      await rag.getOrSearch(ask200, search, { tenant: 'shop' });
      await rag.getOrSearch(ask300, search, { tenant: 'shop' });
      await rag.getOrGenerate({ question: ask200, tenant: 'shop', documents: x200 }, llm.generate);
      await rag.getOrGenerate({ question: ask300, tenant: 'shop', documents: x300 }, llm.generate);
      assert.equal((await rag.getOrSearch(ask200, search, { tenant: 'shop' })).outcome, 'exact');

      await rag.invalidateProduct('x200');

      assert.equal((await rag.getOrSearch(ask200, search, { tenant: 'shop' })).outcome, 'miss');
      assert.equal((await rag.getOrSearch('What is the current price of the Acme headphones X-200?', search, { tenant: 'shop' })).outcome, 'semantic', 'the new result is reusable again');
      const after200 = await rag.getOrGenerate({ question: 'What is the current price of the Acme headphones X-200?', tenant: 'shop', documents: x200 }, llm.generate);
      assert.equal(after200.outcome, 'miss', 'no semantic reuse of the invalidated answer');
      assert.equal(after200.value, 'answer 3');
      const kept = await rag.getOrGenerate({ question: ask300, tenant: 'shop', documents: x300 }, llm.generate);
      assert.deepEqual([kept.outcome, kept.value], ['exact', 'answer 2']);
      assert.equal((await rag.getOrSearch(ask300, search, { tenant: 'shop' })).outcome, 'exact');
      assert.equal(searches, 3);
      assert.ok(rag.stats().semanticDropped >= 2);
    }),
  );

  it('defeats a semantic match whose tagged value another RagCache on the same tiers invalidated', async () => {
    const cache = createStrata();
    const a = new RagCache({ cache, embedder: new HashingEmbedder() });
    const llm = counting();
    await a.getOrGenerate({ question: 'What is the price of the Acme headphones X-200?', tenant: 'shop', documents: x200 }, llm.generate);
    // Only the tiers learn of the invalidation: `a` stops listening, as an instance whose log event never arrived.
    a.close();
    const b = new RagCache({ cache, embedder: new HashingEmbedder() });
    await b.invalidateProduct('x200');
    const asked = await a.getOrGenerate({ question: 'What is the current price of the Acme headphones X-200?', tenant: 'shop', documents: x200 }, llm.generate);
    assert.equal(asked.outcome, 'miss');
    assert.equal(asked.reason, 'semantic match no longer valid');
    assert.equal(a.stats().danglingDropped, 1);
    b.close();
    await cache.close();
  });
});

describe('RagCache in a conversation', () => {
  it(
    'does not share a dependent follow-up between conversations about different products',
    withRag(async (rag) => {
      const llm = counting();
      const followUp = 'and how much does it cost?';
      const conversationA = [
        { role: 'user' as const, content: 'Tell me about the Acme headphones X-200' },
        { role: 'assistant' as const, content: 'They are wireless headphones.' },
      ];
      const conversationB = [
        { role: 'user' as const, content: 'Tell me about the Vega blender B-100' },
        { role: 'assistant' as const, content: 'It is a 600 W blender.' },
      ];
      const a = await rag.getOrGenerate({ question: followUp, tenant: 'shop', history: conversationA }, llm.generate);
      const b = await rag.getOrGenerate({ question: followUp, tenant: 'shop', history: conversationB }, llm.generate);
      assert.equal(b.outcome, 'miss');
      assert.notEqual(a.value, b.value);
      assert.equal((await rag.getOrGenerate({ question: followUp, tenant: 'shop', history: conversationA }, llm.generate)).value, a.value);
      // A question that names its subject stands alone: the conversation does not split its partition.
      const alone = 'What is the price of the Acme headphones X-200?';
      await rag.getOrGenerate({ question: alone, tenant: 'shop', history: conversationA }, llm.generate);
      assert.equal((await rag.getOrGenerate({ question: alone, tenant: 'shop', history: conversationB }, llm.generate)).outcome, 'exact');
      assert.equal((await rag.getOrGenerate({ question: alone, tenant: 'shop' }, llm.generate)).outcome, 'exact');
    }),
  );

  it('judges which questions stand alone', () => {
    for (const q of ['What is the price of the Acme X-200?', '¿Cuánto cuesta el portátil L-300?', 'Compare the X-200 and the X-300']) assert.equal(standsAlone(q), true, q);
    for (const q of ['and how much does it cost?', '¿Y cuánto cuesta?', '¿cuánto cuesta?', 'Is that one in stock?', '¿Tiene él garantía?', 'what about the blue version?', '¿Está disponible en ese color?']) {
      assert.equal(standsAlone(q), false, q);
    }
  });
});

describe('StrataEmbeddingStore', () => {
  it('keeps float32 vectors across a restart through L3, and serves them to getOrCreateEmbedding', async () => {
    const path = mkdtempSync(join(tmpdir(), 'strata-rag-'));
    dirs.push(path);
    const first = createStrata({ l3: { path } });
    const vector = Float32Array.from([0.25, -0.5, 0.125]);
    await new StrataEmbeddingStore(first).set('model:abc', vector);
    await first.close();

    const second = createStrata({ l3: { path } });
    const read = await new StrataEmbeddingStore(second).get('model:abc');
    assert.ok(read instanceof Float32Array);
    assert.deepEqual([...read], [0.25, -0.5, 0.125]);
    assert.equal(await new StrataEmbeddingStore(second).get('model:other'), undefined);

    let embedded = 0;
    const embedder = new HashingEmbedder();
    const countingEmbedder = { id: embedder.id, dimensions: embedder.dimensions, embed: (t: readonly string[]) => ((embedded += t.length), embedder.embed(t)) };
    const rag = new RagCache({ cache: second, embedder: countingEmbedder });
    const v1 = await rag.getOrCreateEmbedding('¿Precio del X-200?');
    const v2 = await rag.getOrCreateEmbedding('precio del x 200');
    assert.equal(embedded, 1);
    assert.deepEqual([...v1], [...v2]);
    rag.close();
    await second.close();
  });
});
