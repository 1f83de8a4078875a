import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkStaleReads } from '../bench/lib/staleReads.js';

/** Records in the layouts of bench/lib/staleReads.ts. */
const write = (rank: number, version: number, startedAt: number, ackedAt: number, kind: 'set' | 'delete', instance: number) => [rank, version, startedAt, ackedAt, kind === 'set' ? 0 : 1, instance];
const read = (rank: number, version: number, startedAt: number, tier: 'l1' | 'l2' | 'factory', instance: number) => [rank, version, startedAt, ['l1', 'l2', 'l3', 'factory', 'stale'].indexOf(tier), instance];
const applied = (rank: number, at: number, instance: number, changeAt: number) => [rank, at, instance, changeAt];
const f64 = (records: number[][]) => [Float64Array.from(records.flat())];

describe('the cluster benchmark checker', () => {
  it('counts a read as stale only if it started more than the window after a later, non-overlapping write was acknowledged', () => {
    const writes = f64([write(1, 1, 0, 10, 'set', 0), write(1, 2, 20, 30, 'set', 0)]);
    const reads = f64([
      read(1, 1, 35, 'l1', 1), // within the 10 ms window after version 2 was acknowledged: not eligible for version 2, but for 1
      read(1, 1, 45, 'l1', 1), // stale: version 2 acknowledged at 30, read started at 45
      read(1, 2, 45, 'l2', 1),
      read(2, 0, 45, 'l2', 1), // a key never written: not in the denominator
    ]);
    const report = checkStaleReads(writes, reads, f64([applied(1, 50, 1, 21)]), f64([]), 10);
    assert.equal(report.reads, 4);
    assert.equal(report.eligible, 3);
    assert.equal(report.stale, 1);
    assert.deepEqual(report.byCause, { 'event-not-applied-yet': 1 });
    assert.deepEqual(report.byMissedWrite, { set: 1, delete: 0 });
  });

  it('accepts either version of two writes that overlapped in time', () => {
    // Version 2 was taken first but its set finished after version 3's: L2 may hold either.
    const writes = f64([write(1, 2, 0, 30, 'set', 0), write(1, 3, 5, 20, 'set', 1)]);
    const report = checkStaleReads(writes, f64([read(1, 2, 100, 'l2', 2)]), f64([]), f64([]), 10);
    assert.equal(report.stale, 0);
    assert.equal(report.overlappingWrites, 1);
  });

  it('tells an old L1 copy kept after the event from an event not applied yet, and names factory overwrites of L2', () => {
    const writes = f64([write(1, 1, 0, 10, 'delete', 0)]);
    const reads = f64([read(1, 0, 100, 'l1', 1), read(1, 0, 100, 'l1', 2), read(1, 0, 100, 'l2', 3)]);
    const events = f64([applied(1, 50, 1, 1)]);
    const report = checkStaleReads(writes, reads, events, f64([[1, 0, 2]]), 10);
    assert.deepEqual(report.byCause, { 'l1-copy-after-event': 1, 'event-not-applied-yet': 1, 'l2-older-value-from-factory': 1 });
    assert.deepEqual(report.byMissedWrite, { set: 0, delete: 3 });
  });
});
