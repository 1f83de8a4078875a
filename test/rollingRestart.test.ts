import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rollingRestart } from '../bench/lib/rollingRestart.js';
import { useRedisTopology } from './support/redis.js';

const standalone = useRedisTopology('standalone');
const INSTANCES = 3;

describe('rolling restart', () => {
  it(`restarts each of ${INSTANCES} strata serve instances in turn under load with zero failed requests`, async (t) => {
    const topology = await standalone();
    const report = await rollingRestart({
      redisUrl: topology.url,
      instances: INSTANCES,
      workers: 8,
      keys: 200,
      // Several health-check periods: the load balancer takes the instance out of rotation before its port closes.
      drainDelayMs: 1000,
      healthCheckMs: 100,
      keepAlive: false,
      settleMs: 300,
      deadlineMs: 120_000,
    });
    t.diagnostic(`${report.requests} requests over ${report.loadSeconds.toFixed(1)} s, ${report.retriedOnRefused} retried on a refused connection, ${report.failures.length} failed`);
    assert.deepEqual(report.exitCodes, Array.from({ length: INSTANCES }, () => 0), 'every instance exits 0 after draining');
    assert.ok(report.requests > 200, `the load kept going through the restarts (${report.requests} requests)`);
    assert.equal(report.wrongValues, 0);
    assert.deepEqual(report.failures.slice(0, 20), [], `${report.failures.length} of ${report.requests} requests failed`);
  });
});
