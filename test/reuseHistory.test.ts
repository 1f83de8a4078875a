import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReuseHistory } from '../src/tiers/policy/reuseHistory.js';

describe('ReuseHistory', () => {
  it('returns the last use of a key evicted within the horizon, once', () => {
    const history = new ReuseHistory(64);
    history.record(12345, 7, 10);
    assert.equal(history.take(12345, 20, 10), 7);
    assert.equal(history.take(12345, 20, 10), undefined);
  });

  it('forgets a key evicted longer ago than the horizon, and never knew an unrecorded one', () => {
    const history = new ReuseHistory(64);
    history.record(99, 3, 10);
    assert.equal(history.take(99, 21, 10), undefined);
    assert.equal(history.take(98, 11, 10), undefined);
  });

  it('keeps the newer of two hashes that share a cell', () => {
    const history = new ReuseHistory(16);
    history.record(5, 1, 2);
    history.record(5 + 16, 3, 4);
    assert.equal(history.take(5, 5, 10), undefined);
    assert.equal(history.take(5 + 16, 5, 10), 3);
  });

  it('measures ages across the int32 wrap of the clock', () => {
    const history = new ReuseHistory(16);
    history.record(1, 0x7ffffff0, 0x7ffffffe);
    assert.equal(history.take(1, (0x7ffffffe + 5) | 0, 10), 0x7ffffff0);
  });

  it('forgets everything when it grows, and keeps working at the new size', () => {
    const history = new ReuseHistory(16);
    history.record(40, 1, 2);
    history.ensureCapacity(100);
    assert.equal(history.take(40, 3, 10), undefined);
    // 40 and 56 shared a cell of the 16-cell table; they do not share one of the 128-cell table.
    history.record(40, 1, 3);
    history.record(56, 2, 3);
    assert.equal(history.take(40, 4, 10), 1);
    assert.equal(history.take(56, 4, 10), 2);
  });
});
