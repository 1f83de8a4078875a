import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createStrata, HashingEmbedder, RagCache, type Embedder } from '../src/index.js';
import { useRedisTopology } from './support/redis.js';

const topology = useRedisTopology('standalone');

/** Counts the texts that reach the model. */
function countingEmbedder(): Embedder & { texts: number } {
  const inner = new HashingEmbedder();
  const embedder = {
    id: inner.id,
    dimensions: inner.dimensions,
    texts: 0,
    embed(texts: readonly string[]) {
      embedder.texts += texts.length;
      return inner.embed(texts);
    },
  };
  return embedder;
}

describe('RagCache on two instances sharing Redis', () => {
  it('shares embeddings and answers through L2', async () => {
    const { serverPorts } = await topology();
    const l2 = { url: `redis://127.0.0.1:${serverPorts[0]!}` };
    const first = createStrata({ l2, namespace: 'rag-shared' });
    const second = createStrata({ l2, namespace: 'rag-shared' });
    const embedA = countingEmbedder();
    const embedB = countingEmbedder();
    const a = new RagCache({ cache: first, embedder: embedA });
    const b = new RagCache({ cache: second, embedder: embedB });
    try {
      const vector = await a.getOrCreateEmbedding('¿Cuánto cuesta el portátil Orion L-300?');
      const shared = await b.getOrCreateEmbedding('cuanto cuesta el portatil orion l 300');
      assert.equal(embedA.texts, 1);
      assert.equal(embedB.texts, 0, 'the second instance read the vector from Redis');
      assert.deepEqual([...shared], [...vector]);

      let calls = 0;
      const generate = () => Promise.resolve({ answer: `answer ${++calls}`, tokens: 50 });
      const input = { question: 'What is the price of the Orion laptop L-300?', tenant: 'shop', documents: [{ id: 'doc-l300', productIds: ['l300'] }] };
      assert.equal((await a.getOrGenerate(input, generate)).outcome, 'miss');
      const there = await b.getOrGenerate(input, generate);
      assert.deepEqual([there.outcome, there.value, calls], ['exact', 'answer 1', 1]);
    } finally {
      a.close();
      b.close();
      await first.close();
      await second.close();
    }
  });
});
