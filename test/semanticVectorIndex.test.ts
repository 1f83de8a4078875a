import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseVector } from '../src/semantic/embedder.js';
import { VectorIndex } from '../src/semantic/vectorIndex.js';
import { contextSignature, partitionKey } from '../src/semantic/partition.js';

function randomUnit(dims: number, seed: number): Float32Array {
  let s = seed;
  const next = (): number => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff - 0.5;
  };
  return normaliseVector(Float32Array.from({ length: dims }, next));
}

function bruteForceTop1(vectors: Map<number, Float32Array>, q: Float32Array): number {
  let best = -Infinity;
  let id = -1;
  for (const [k, v] of vectors) {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i]! * q[i]!;
    if (s > best) [best, id] = [s, k];
  }
  return id;
}

describe('VectorIndex', () => {
  it('finds the exact nearest vector while small (brute force)', () => {
    const index = new VectorIndex({ dimensions: 16, bruteForceLimit: 100 });
    for (let i = 0; i < 50; i++) index.add(i, randomUnit(16, i + 1));
    const [first] = index.search(randomUnit(16, 8), 3);
    assert.equal(first?.id, 7);
    assert.ok(Math.abs(first!.similarity - 1) < 1e-5);
  });

  it('agrees with brute force after moving to the HNSW graph', () => {
    const dims = 32;
    const index = new VectorIndex({ dimensions: dims, bruteForceLimit: 64 });
    const all = new Map<number, Float32Array>();
    for (let i = 0; i < 2000; i++) {
      const v = randomUnit(dims, 1000 + i);
      all.set(i, v);
      index.add(i, v);
    }
    let agree = 0;
    for (let q = 0; q < 100; q++) {
      const query = randomUnit(dims, 900_000 + q);
      if (index.search(query, 1)[0]?.id === bruteForceTop1(all, query)) agree++;
    }
    assert.ok(agree >= 95, `recall@1 ${agree}/100`);
    const probe = all.get(1234)!;
    assert.equal(index.search(probe, 1)[0]?.id, 1234);
  });

  it('forgets removed vectors, in both modes', () => {
    for (const bruteForceLimit of [1000, 4]) {
      const index = new VectorIndex({ dimensions: 8, bruteForceLimit });
      for (let i = 0; i < 20; i++) index.add(i, randomUnit(8, i + 1));
      assert.equal(index.remove(5), true);
      assert.equal(index.remove(5), false);
      assert.equal(index.size, 19);
      assert.ok(index.search(randomUnit(8, 6), 20).every((n) => n.id !== 5));
    }
  });

  it('is bounded: adding past maxElements evicts the oldest', () => {
    const index = new VectorIndex({ dimensions: 8, maxElements: 10, bruteForceLimit: 4 });
    const evicted: number[] = [];
    for (let i = 0; i < 15; i++) evicted.push(...index.add(i, randomUnit(8, i + 1)));
    assert.deepEqual(evicted, [0, 1, 2, 3, 4]);
    assert.equal(index.size, 10);
    assert.equal(index.has(4), false);
    assert.equal(index.search(randomUnit(8, 3), 10).some((n) => n.id < 5), false);
  });

  it('rejects vectors of the wrong length', () => {
    assert.throws(() => new VectorIndex({ dimensions: 8 }).add(1, new Float32Array(4)), /4 dimensions/);
  });
});

describe('partitionKey', () => {
  const base = { namespace: 'shop', tenant: 'acme', model: 'use-lite-512' };

  it('differs by tenant, model, system prompt, generation parameters and documents', () => {
    const keys = new Set([
      partitionKey(base),
      partitionKey({ ...base, tenant: 'globex' }),
      partitionKey({ ...base, model: 'other' }),
      partitionKey({ ...base, systemPrompt: 'Answer in Spanish.' }),
      partitionKey({ ...base, generationParams: { temperature: 0.2 } }),
      partitionKey({ ...base, documentIds: ['doc-1'] }),
    ]);
    assert.equal(keys.size, 6);
  });

  it('ignores the order of parameters and document ids', () => {
    assert.equal(contextSignature({ generationParams: { a: 1, b: 2 }, documentIds: ['x', 'y'] }), contextSignature({ generationParams: { b: 2, a: 1 }, documentIds: ['y', 'x'] }));
  });

  it('cannot be confused by separators inside a tenant name', () => {
    assert.notEqual(partitionKey({ ...base, tenant: 'a|b' }), partitionKey({ ...base, namespace: 'shop|a', tenant: 'b' }));
  });

  it('requires a namespace, tenant and model', () => {
    assert.throws(() => partitionKey({ ...base, tenant: '' }), /non-empty tenant/);
  });
});
