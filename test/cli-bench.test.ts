import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import bench from '../src/cli/commands/bench.js';
import { ErrorCode, StrataError } from '../src/index.js';

const invalid = (message: RegExp) => (error: unknown) => error instanceof StrataError && error.code === ErrorCode.INVALID_OPTION && message.test(error.message);

describe('strata bench cluster --instances', () => {
  it('rejects an instance count that is not a whole number of at least 2', async () => {
    await assert.rejects(bench.run(['cluster', '--instances', '1']), invalid(/2 or more/));
    await assert.rejects(bench.run(['cluster', '--instances', 'ten']), invalid(/whole number/));
    await assert.rejects(bench.run(['cluster', '--instances']), invalid(/whole number/));
  });

  it('takes --instances for the cluster suite alone', async () => {
    await assert.rejects(bench.run(['l1', '--instances', '3']), invalid(/cluster suite alone/));
    await assert.rejects(bench.run(['cluster', 'l1', '--instances', '3']), invalid(/cluster suite alone/));
  });
});
