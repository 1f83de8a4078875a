import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { withTimeout } from '../src/resilience/timeout.js';
import { isStrataError } from '../src/errors.js';

describe('withTimeout', () => {
  it('rejects with TIMEOUT when the work is slower, and swallows its late failure', async () => {
    let failLate!: () => void;
    const work = new Promise<void>((_, reject) => (failLate = () => reject(new Error('late'))));
    await assert.rejects(withTimeout(work, 10, 'slow call'), (err: unknown) => isStrataError(err, 'TIMEOUT'));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    failLate();
    await new Promise((r) => setImmediate(r));
    process.off('unhandledRejection', onUnhandled);
    assert.deepEqual(unhandled, []);
  });

  it('passes the outcome through when the work is faster', async () => {
    assert.equal(await withTimeout(Promise.resolve(7), 1000, 'fast'), 7);
    await assert.rejects(withTimeout(Promise.reject(new Error('boom')), 1000, 'fast'), /boom/);
  });
});
