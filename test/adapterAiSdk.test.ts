import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateText, streamText, wrapLanguageModel } from 'ai';
import { MockLanguageModelV4, convertArrayToReadableStream } from 'ai/test';
import { createStrata } from '../src/index.js';
import { strataMiddleware, type AiSdkCacheOptions } from '../src/adapters/aiSdkMiddleware.js';
import { HashingEmbedder } from '../src/semantic/hashingEmbedder.js';
import { SemanticCache } from '../src/semantic/semanticCache.js';

const usage = { inputTokens: { total: 12, noCache: 12, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 5, text: 5, reasoning: 0 } };
const finishReason = { unified: 'stop', raw: 'stop' } as const;

/** A mock model whose every answer is numbered, so a served answer says which call produced it. */
function numberedModel(): MockLanguageModelV4 {
  let generated = 0;
  let streamed = 0;
  return new MockLanguageModelV4({
    modelId: 'mock-1',
    doGenerate: async () => ({ content: [{ type: 'text', text: `generated answer ${++generated}` }], finishReason, usage, warnings: [] }),
    doStream: async () => {
      const n = ++streamed;
      return {
        stream: convertArrayToReadableStream([
          { type: 'stream-start', warnings: [] },
          { type: 'text-start', id: 't' },
          { type: 'text-delta', id: 't', delta: 'streamed ' },
          { type: 'text-delta', id: 't', delta: 'answer ' },
          { type: 'text-delta', id: 't', delta: String(n) },
          { type: 'text-end', id: 't' },
          { type: 'finish', finishReason, usage },
        ]),
      };
    },
  });
}

function wrapped(options: Partial<AiSdkCacheOptions> = {}) {
  const mock = numberedModel();
  const model = wrapLanguageModel({ model: mock, middleware: strataMiddleware({ cache: createStrata({ l3: false }), ...options }) });
  return { mock, model };
}

const QUESTION = 'How long does the battery of the X200 headphones last on a single charge?';

describe('strataMiddleware (Vercel AI SDK)', () => {
  it('serves the second generateText from the cache: doGenerate runs once', async () => {
    const { mock, model } = wrapped();
    const first = await generateText({ model, prompt: QUESTION });
    const second = await generateText({ model, prompt: QUESTION });
    assert.equal(mock.doGenerateCalls.length, 1);
    assert.equal(first.text, 'generated answer 1');
    assert.equal(second.text, 'generated answer 1');
    assert.deepEqual(second.providerMetadata?.strata, { cache: 'hit' });
    assert.equal(first.providerMetadata?.strata, undefined);
  });

  it('misses when a setting differs: another temperature calls the model again', async () => {
    const { mock, model } = wrapped();
    await generateText({ model, prompt: QUESTION, temperature: 0 });
    const warmer = await generateText({ model, prompt: QUESTION, temperature: 0.8 });
    assert.equal(mock.doGenerateCalls.length, 2);
    assert.equal(warmer.text, 'generated answer 2');
    assert.equal((await generateText({ model, prompt: QUESTION, temperature: 0 })).text, 'generated answer 1');
    assert.equal(mock.doGenerateCalls.length, 2);
  });

  it('records a live stream and replays it chunk by chunk: same text, same deltas, doStream runs once', async () => {
    const { mock, model } = wrapped();
    const live = streamText({ model, prompt: QUESTION });
    const liveDeltas: string[] = [];
    for await (const delta of live.textStream) liveDeltas.push(delta);
    const replayed = streamText({ model, prompt: QUESTION });
    const replayedDeltas: string[] = [];
    for await (const delta of replayed.textStream) replayedDeltas.push(delta);
    assert.equal(mock.doStreamCalls.length, 1);
    assert.deepEqual(replayedDeltas, ['streamed ', 'answer ', '1']);
    assert.deepEqual(replayedDeltas, liveDeltas);
    assert.equal(await replayed.text, 'streamed answer 1');
    assert.deepEqual((await replayed.providerMetadata)?.strata, { cache: 'hit' });
  });

  it('streams a cached generate result, and generates from a cached stream', async () => {
    const { mock, model } = wrapped();
    await generateText({ model, prompt: QUESTION });
    assert.equal(await streamText({ model, prompt: QUESTION }).text, 'generated answer 1');
    await streamText({ model, prompt: 'Another question about the X200 headphones?' }).text;
    assert.equal((await generateText({ model, prompt: 'Another question about the X200 headphones?' })).text, 'streamed answer 1');
    assert.equal(mock.doGenerateCalls.length, 1);
    assert.equal(mock.doStreamCalls.length, 1);
  });

  it('does not cache a stream that ended in an error', async () => {
    let calls = 0;
    const mock = new MockLanguageModelV4({
      doStream: async () => {
        calls++;
        return {
          stream: convertArrayToReadableStream([
            { type: 'stream-start', warnings: [] },
            { type: 'text-start', id: 't' },
            { type: 'text-delta', id: 't', delta: 'partial' },
            { type: 'error', error: new Error('overloaded') },
            { type: 'finish', finishReason: { unified: 'error', raw: 'error' }, usage },
          ]),
        };
      },
    });
    const model = wrapLanguageModel({ model: mock, middleware: strataMiddleware({ cache: createStrata({ l3: false }) }) });
    for (let i = 0; i < 2; i++) await streamText({ model, prompt: QUESTION, onError: () => {} }).consumeStream();
    assert.equal(calls, 2);
  });

  describe('semantic', () => {
    const semantic = () => ({ semantic: new SemanticCache<string>({ embedder: new HashingEmbedder() }) });

    it('answers a paraphrase of the last user message, and misses another model number', async () => {
      const { mock, model } = wrapped(semantic());
      await generateText({ model, prompt: QUESTION });
      const paraphrase = await generateText({ model, prompt: 'So how long does the battery of the X200 headphones last on a single charge?' });
      assert.equal(paraphrase.text, 'generated answer 1');
      assert.equal(mock.doGenerateCalls.length, 1);
      const other = await generateText({ model, prompt: 'How long does the battery of the X300 headphones last on a single charge?' });
      assert.equal(other.text, 'generated answer 2');
    });

    it('keeps the conversation in the partition when the question refers back to it', async () => {
      const { mock, model } = wrapped(semantic());
      const about = (product: string) => [
        { role: 'user' as const, content: `Tell me about the ${product} headphones.` },
        { role: 'assistant' as const, content: `The ${product} are wireless headphones.` },
      ];
      await generateText({ model, messages: [...about('X200'), { role: 'user', content: 'How long does the battery of those last on a single charge?' }] });
      const sameConversation = await generateText({ model, messages: [...about('X200'), { role: 'user', content: 'So how long does the battery of those last on a single charge?' }] });
      assert.equal(sameConversation.text, 'generated answer 1');
      const otherConversation = await generateText({ model, messages: [...about('Z9'), { role: 'user', content: 'So how long does the battery of those last on a single charge?' }] });
      assert.equal(otherConversation.text, 'generated answer 2');
      assert.equal(mock.doGenerateCalls.length, 2);
    });

    it('shares answers across conversations when the question stands alone, but not across system prompts', async () => {
      const { mock, model } = wrapped(semantic());
      const history = [
        { role: 'user' as const, content: 'Hello!' },
        { role: 'assistant' as const, content: 'Hi, how can I help?' },
      ];
      await generateText({ model, system: 'You are a shop assistant.', messages: [...history, { role: 'user', content: QUESTION }] });
      const fresh = await generateText({ model, system: 'You are a shop assistant.', prompt: `So ${QUESTION.toLowerCase()}` });
      assert.equal(fresh.text, 'generated answer 1');
      const otherSystem = await generateText({ model, system: 'You are a pirate.', prompt: QUESTION });
      assert.equal(otherSystem.text, 'generated answer 2');
      assert.equal(mock.doGenerateCalls.length, 2);
    });
  });
});
