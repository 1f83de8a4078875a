import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createStrata, HashingEmbedder, runRagSimulation, STRATEGIES } from '../src/index.js';

describe('RAG simulation', () => {
  it('reports consistent counters and no wrong or stale answer without paraphrases', async () => {
    const cache = createStrata();
    const report = await runRagSimulation(cache, { embedder: new HashingEmbedder(), products: 8, questions: 300, paraphrases: false, updateEvery: 20, timeScale: 0, concurrency: 3 });
    await cache.close();
    assert.equal(report.questions, 300);
    assert.equal(report.answers.exact + report.answers.semantic + report.answers.misses, 300);
    assert.equal(report.llmCalls.withCache, report.answers.misses);
    assert.equal(report.llmCalls.withoutCache, 300);
    assert.ok(report.llmCalls.withCache < 300, 'a tiny catalogue without paraphrases repeats questions');
    assert.equal(report.productUpdates, 14);
    assert.equal(report.wrong, 0);
    assert.equal(report.stale, 0);
    assert.deepEqual(report.mistakes, []);
    assert.equal(report.tokens.used + report.tokens.saved > 0, true);
  });

  it('reports the upper bound of savings and the steady state beside the measured reduction', async () => {
    const cache = createStrata();
    const report = await runRagSimulation(cache, { embedder: new HashingEmbedder(), products: 10, questions: 400, updateEvery: 25, timeScale: 0, concurrency: 2 });
    await cache.close();
    assert.ok(report.upperBound.distinctQuestions > 0 && report.upperBound.distinctQuestions < 400);
    assert.ok(report.llmCalls.withCache >= report.upperBound.distinctQuestions, 'no cache answers a question before it was first asked');
    assert.ok(report.llmCalls.reduction <= report.upperBound.reduction);
    assert.equal(report.steadyState.fromQuestion, 200);
    assert.equal(report.steadyState.questions, 200);
    assert.ok(report.steadyState.llmCalls <= report.llmCalls.withCache);
    assert.ok(report.steadyState.llmCalls >= report.steadyState.distinctQuestions);
    assert.equal(report.missedReuse.count, report.llmCalls.withCache - report.upperBound.distinctQuestions);
    assert.equal(report.wrong, 0);
    assert.equal(report.stale, 0);
  });

  it('counts wrong answers (another intent or language) when the verifier accepts any candidate', async () => {
    // The checker must be able to fail on a wrong answer too: a strategy without guards or threshold serves them.
    const cache = createStrata();
    const anything = { ...STRATEGIES.aggressive, name: 'anything', minCosine: -1, cosineThreshold: -1, attributesMustMatch: false, languageMustMatch: false, canonicalMatch: false };
    const report = await runRagSimulation(cache, { embedder: new HashingEmbedder(), strategy: anything, products: 4, questions: 200, updateEvery: 0, timeScale: 0, concurrency: 1 });
    await cache.close();
    assert.equal(report.strategy, 'anything');
    assert.ok(report.wrong > 0, `expected wrong answers, got ${JSON.stringify(report.answers)}`);
    assert.equal(report.mistakes[0]?.kind, 'wrong');
  });

  it('counts a stale answer when invalidation is bypassed', async () => {
    // The checker must be able to fail: with product updates that never reach the cache, reused answers go stale.
    const cache = createStrata();
    const bypassing = { ...cacheMethods(cache), invalidateTags: () => Promise.resolve() };
    const report = await runRagSimulation(bypassing, { embedder: new HashingEmbedder(), products: 4, questions: 200, paraphrases: false, updateEvery: 10, timeScale: 0, concurrency: 1 });
    await cache.close();
    assert.ok(report.stale > 0, `expected stale answers, got ${JSON.stringify(report.answers)}`);
    assert.equal(report.wrong, 0);
  });
});

function cacheMethods(cache: ReturnType<typeof createStrata>) {
  return {
    name: cache.name,
    getSync: cache.getSync.bind(cache),
    get: cache.get.bind(cache),
    set: cache.set.bind(cache),
    getOrSetWithInfo: cache.getOrSetWithInfo.bind(cache),
    delete: cache.delete.bind(cache),
    invalidateTags: cache.invalidateTags.bind(cache),
    on: cache.on.bind(cache),
    off: cache.off.bind(cache),
  };
}
