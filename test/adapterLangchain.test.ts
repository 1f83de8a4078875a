import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BaseCache } from '@langchain/core/caches';
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import type { BaseMessage } from '@langchain/core/messages';
import { HumanMessage, SystemMessage, AIMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { FakeListChatModel, FakeLLM } from '@langchain/core/utils/testing';
import { createStrata } from '../src/index.js';
import { StrataLangChainCache } from '../src/adapters/langchainCache.js';
import { HashingEmbedder } from '../src/semantic/hashingEmbedder.js';
import { SemanticCache } from '../src/semantic/semanticCache.js';

/** The fake chat model with a temperature (part of LangChain's llmKey) and a count of the calls that reached it. */
class CountingChatModel extends FakeListChatModel {
  calls = 0;
  readonly temperature: number;

  constructor(fields: { responses: string[]; temperature: number; cache: BaseCache }) {
    super({ responses: fields.responses, cache: fields.cache });
    this.temperature = fields.temperature;
  }

  override _identifyingParams(): Record<string, unknown> {
    return { temperature: this.temperature };
  }

  override async _generate(messages: BaseMessage[], options: this['ParsedCallOptions'], runManager?: CallbackManagerForLLMRun): Promise<ChatResult> {
    this.calls++;
    return super._generate(messages, options, runManager);
  }
}

function newCache(semantic: boolean): StrataLangChainCache {
  return new StrataLangChainCache({
    cache: createStrata({ l3: false }),
    ...(semantic ? { semantic: new SemanticCache<string>({ embedder: new HashingEmbedder() }) } : {}),
  });
}

const QUESTION = 'How long does standard shipping take for an order of the X200 headphones to Canada?';

describe('StrataLangChainCache', () => {
  it('serves the second identical call from the cache: the model is called once', async () => {
    const cache = newCache(false);
    const model = new CountingChatModel({ responses: ['About five days.', 'A different answer.'], temperature: 0, cache });
    const first = await model.invoke(QUESTION);
    const second = await model.invoke(QUESTION);
    assert.equal(model.calls, 1);
    assert.equal(second.content, 'About five days.');
    assert.equal(second.content, first.content);
    assert.ok(second instanceof AIMessage, 'a cached chat generation comes back as an AIMessage');
  });

  it('misses for another llmKey: a different temperature calls the model again', async () => {
    const cache = newCache(false);
    const cold = new CountingChatModel({ responses: ['cold answer'], temperature: 0, cache });
    const warm = new CountingChatModel({ responses: ['warm answer'], temperature: 0.9, cache });
    await cold.invoke(QUESTION);
    const answer = await warm.invoke(QUESTION);
    assert.equal(warm.calls, 1);
    assert.equal(answer.content, 'warm answer');
    assert.equal((await cold.invoke(QUESTION)).content, 'cold answer');
    assert.equal(cold.calls, 1);
  });

  it('in semantic mode serves a paraphrase, and never an answer about another model number', async () => {
    const cache = newCache(true);
    const model = new CountingChatModel({ responses: ['About five days.', 'X300: about a week.'], temperature: 0, cache });
    await model.invoke(QUESTION);
    const paraphrase = await model.invoke('Please tell me how long does standard shipping take for an order of the X200 headphones to Canada?');
    assert.equal(model.calls, 1);
    assert.equal(paraphrase.content, 'About five days.');
    const other = await model.invoke('How long does standard shipping take for an order of the X300 headphones to Canada?');
    assert.equal(model.calls, 2);
    assert.equal(other.content, 'X300: about a week.');
  });

  it('in semantic mode keeps models apart: a paraphrase under another temperature misses', async () => {
    const cache = newCache(true);
    const cold = new CountingChatModel({ responses: ['cold answer'], temperature: 0, cache });
    const warm = new CountingChatModel({ responses: ['warm answer'], temperature: 0.9, cache });
    await cold.invoke(QUESTION);
    assert.equal((await warm.invoke('Please tell me how long does standard shipping take for an order of the X200 headphones to Canada?')).content, 'warm answer');
    assert.equal(warm.calls, 1);
  });

  it('in semantic mode keeps conversations apart: the same last question after another system prompt misses', async () => {
    const cache = newCache(true);
    const model = new CountingChatModel({ responses: ['brief', 'detailed'], temperature: 0, cache });
    await model.invoke([new SystemMessage('Answer in one word.'), new HumanMessage(QUESTION)]);
    const answer = await model.invoke([new SystemMessage('Answer at length.'), new HumanMessage(`Please tell me ${QUESTION.toLowerCase()}`)]);
    assert.equal(model.calls, 2);
    assert.equal(answer.content, 'detailed');
    assert.equal((await model.invoke([new SystemMessage('Answer in one word.'), new HumanMessage(`Please tell me ${QUESTION.toLowerCase()}`)])).content, 'brief');
    assert.equal(model.calls, 2);
  });

  it('in semantic mode reads the last human turn as the question and the turns before it as its context', async () => {
    const cache = newCache(true);
    const model = new CountingChatModel({ responses: ['X200: 30 hours.', 'Z9: 12 hours.'], temperature: 0, cache });
    const about = (product: string) => [new HumanMessage(`Tell me about the ${product}.`), new AIMessage(`The ${product} is one of our products.`)];
    const battery = 'How long does the battery of this product last on a single charge when fully charged?';
    await model.invoke([...about('X200'), new HumanMessage(battery)]);
    const paraphrase = await model.invoke([...about('X200'), new HumanMessage(`So ${battery.toLowerCase()}`)]);
    assert.equal(paraphrase.content, 'X200: 30 hours.');
    assert.equal(model.calls, 1);
    const otherProduct = await model.invoke([...about('Z9'), new HumanMessage(`So ${battery.toLowerCase()}`)]);
    assert.equal(otherProduct.content, 'Z9: 12 hours.');
    assert.equal(model.calls, 2);
  });

  it('caches text LLMs too (FakeLLM): a changed model answer is not seen for a cached prompt', async () => {
    const cache = newCache(false);
    const llm = new FakeLLM({ cache });
    assert.equal(await llm.invoke('echo this'), 'echo this');
    llm.response = 'changed';
    assert.equal(await llm.invoke('echo this'), 'echo this');
    assert.equal(await llm.invoke('echo that'), 'changed');
  });
});
