import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FrequencySketch, mixHash } from '../src/tiers/policy/frequencySketch.js';

describe('FrequencySketch', () => {
  it('counts occurrences recorded just before a read (the increment buffer is counted first)', () => {
    const sketch = new FrequencySketch(1024);
    const hash = mixHash(42);
    for (let i = 0; i < 3; i++) sketch.increment(hash);
    assert.equal(sketch.frequency(hash), 3);
    assert.equal(sketch.frequency(mixHash(43)), 0);
  });

  it('saturates a counter at 15', () => {
    const sketch = new FrequencySketch(1024);
    const hash = mixHash(7);
    for (let i = 0; i < 200; i++) sketch.increment(hash);
    assert.equal(sketch.frequency(hash), 15);
  });

  it('halves the counts once agingFactor × capacity occurrences were recorded', () => {
    const sketch = new FrequencySketch(8, 2); // 8 expected entries, aging after 16 counted increments
    const hot = mixHash(1);
    for (let i = 0; i < 8; i++) sketch.increment(hot);
    assert.equal(sketch.frequency(hot), 8);
    for (let i = 0; i < 8; i++) sketch.increment(mixHash(1000 + i));
    assert.equal(sketch.frequency(hot), 4);
  });

  it('forgets every count when the table grows', () => {
    const sketch = new FrequencySketch(8);
    const hash = mixHash(5);
    for (let i = 0; i < 5; i++) sketch.increment(hash);
    sketch.ensureCapacity(4096);
    assert.equal(sketch.frequency(hash), 0);
  });

  it('gives the same estimates whether or not reads are interleaved with the increments', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 2000 }), (keys) => {
        const eager = new FrequencySketch(64, 3);
        const lazy = new FrequencySketch(64, 3);
        for (const key of keys) {
          eager.increment(mixHash(key));
          eager.frequency(mixHash(key)); // forces every occurrence to be counted at once
          lazy.increment(mixHash(key));
        }
        for (let key = 0; key <= 300; key++) {
          assert.equal(lazy.frequency(mixHash(key)), eager.frequency(mixHash(key)), `key ${key}`);
        }
      }),
      { numRuns: 50 },
    );
  });
});
