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

describe('strata bench cluster --rate / --seconds', () => {
  it('rejects a sweep that is not a list of positive rates or closed', async () => {
    await assert.rejects(bench.run(['cluster', '--rate', '100,fast']), invalid(/comma-separated list/));
    await assert.rejects(bench.run(['cluster', '--rate', '0,100']), invalid(/positive ops per second/));
    await assert.rejects(bench.run(['cluster', '--rate', '']), invalid(/got ''/));
    await assert.rejects(bench.run(['cluster', '--rate', '100,,closed']), invalid(/comma-separated list/));
  });

  it('takes --seconds as a positive length, with --rate only, for the cluster suite alone', async () => {
    await assert.rejects(bench.run(['cluster', '--rate', '100', '--seconds', '0']), invalid(/positive number of seconds/));
    await assert.rejects(bench.run(['cluster', '--rate', '100', '--seconds', 'x']), invalid(/positive number of seconds/));
    await assert.rejects(bench.run(['cluster', '--seconds', '5']), invalid(/give --rate too/));
    await assert.rejects(bench.run(['l1', '--rate', '100']), invalid(/cluster suite alone/));
  });
});
