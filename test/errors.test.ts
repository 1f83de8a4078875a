import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StrataError, isStrataError, ErrorCode } from '../src/errors.js';

describe('StrataError', () => {
  it('carries a stable code, a cause and serialisable details', () => {
    const cause = new Error('boom');
    const err = new StrataError(ErrorCode.INVALID_KEY, 'keys must be non-empty strings', { cause, details: { key: '' } });
    assert.equal(err.code, 'INVALID_KEY');
    assert.equal(err.cause, cause);
    assert.ok(isStrataError(err, 'INVALID_KEY'));
    assert.ok(!isStrataError(err, 'CLOSED'));
    assert.deepEqual(JSON.parse(JSON.stringify(err)), { code: 'INVALID_KEY', message: 'keys must be non-empty strings', details: { key: '' } });
  });
});
