import { createStrata } from '../../src/index.js';
import { ProductAssistant, type AnswerModel, type Product } from './productAssistant.js';

const catalog = new Map<string, Product>(
  [
    { id: 'x200', name: 'X200 wireless headphones', price: 199, description: 'Noise cancelling headphones; the battery lasts 30 hours on a single charge.' },
    { id: 'z9', name: 'Z9 bluetooth speaker', price: 89, description: 'A waterproof speaker; the battery lasts 12 hours.' },
    { id: 'k1', name: 'K1 mechanical keyboard', price: 129, description: 'A keyboard with hot-swappable switches and a USB-C cable.' },
  ].map((p) => [p.id, p]),
);

/** Stands in for an LLM: slow like one, and it writes its answer from the products it is given. */
const localModel: AnswerModel = async (question, products) => {
  await new Promise((resolve) => setTimeout(resolve, 300));
  const [best] = products;
  if (best === undefined) return 'I could not find that product.';
  return /\b(cost|price|much)\b/i.test(question)
    ? `The ${best.name} cost $${best.price}.`
    : `${best.name}: ${best.description}`;
};

// The embedded mode: L1 in memory, no Redis, no disk tier (pass `l2: process.env.REDIS_URL` to share it).
const cache = createStrata({ namespace: 'shop', l3: false });
const assistant = new ProductAssistant(cache, catalog, localModel);

async function ask(question: string): Promise<void> {
  const started = performance.now();
  const answer = await assistant.answer(question);
  const ms = (performance.now() - started).toFixed(1);
  console.log(`[${answer.source.padEnd(8)}] ${ms.padStart(6)} ms  Q: ${question}\n                     A: ${answer.text}`);
}

await ask('How long does the battery of the X200 headphones last on a single charge?');
await ask('How long does the battery of the X200 headphones last on a single charge?');
await ask('So how long does the battery of the X200 headphones last on a single charge?');
await ask('How much do the X200 wireless headphones cost?');
await ask('How long does the battery of the Z9 speaker last?');

console.log('\n-- product update: X200 now costs $179 (RagCache.invalidateProduct("x200"))\n');
await assistant.updateProduct('x200', { price: 179 });

await ask('How much do the X200 wireless headphones cost?');
await ask('How much do the X200 wireless headphones cost?');

console.log(`\nmodel calls: ${assistant.calls.llm}, searches run: ${assistant.calls.search}, embeddings computed: ${assistant.calls.embedder}`);
await cache.close();
