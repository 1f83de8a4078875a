import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createStrata, HashingEmbedder, runRagSimulation } from '../src/index.js';

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
