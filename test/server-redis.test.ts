import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRedisClient, createStrata, RedisMonitor, RedisTier, type Strata } from '../src/index.js';
import type { LocalTopology } from '../src/redis/localTopology.js';
import { createServer, type StrataServer } from '../src/server/index.js';
import { useRedisTopology } from './support/redis.js';

const sentinel = useRedisTopology('sentinel');
let topology: LocalTopology;
let cache: Strata;
let monitor: RedisMonitor;
let server: StrataServer;
let base = '';

before(async () => {
  topology = await sentinel();
  const connection = createRedisClient(topology.url);
  monitor = new RedisMonitor(connection);
  cache = createStrata({ l2: new RedisTier(connection), l3: false });
  server = createServer({ cache, monitor, port: 0 });
  base = await server.listen();
});
after(async () => {
  await server.close();
  await cache.close();
  await monitor.close();
});

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (last !== undefined) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms`);
}

describe('the server with Redis (Sentinel: a master and a replica) as L2', () => {
  it('is ready once Redis answers, and serves values through L2', async () => {
    await eventually('ready', async () => ((await fetch(`${base}/health/ready`)).status === 200 ? true : undefined));
    assert.equal((await fetch(`${base}/v1/ns/r/keys/k?class=products`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"value":"in redis"}' })).status, 204);
    await cache.namespace('r').getMany(['k'], { class: 'products' });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /strata_tier_operation_duration_seconds_count\{tier="l2",operation="set",ok="true"\} [1-9]/);
    assert.match(metrics, /strata_circuit_breaker_state\{tier="l2",state="closed"\} 1/);
  });

  it('reports nodes with roles and health, replication lag and a memory forecast', async () => {
    const report = (await (await fetch(`${base}/v1/redis`)).json()) as {
      configured: boolean;
      monitored: boolean;
      cluster: { mode: string; state: string };
      health: Array<{ address: string; role: string; reachable: boolean }>;
      replication: Array<{ replica: string; master: string; offsetLag: number }>;
      memory: Array<{ address: string; usedMemory: number }>;
    };
    assert.equal(report.configured, true);
    assert.equal(report.monitored, true);
    assert.equal(report.cluster.mode, 'sentinel');
    assert.equal(report.cluster.state, 'ok');
    assert.deepEqual(report.health.map((n) => n.role).sort(), ['master', 'replica']);
    assert.ok(report.health.every((n) => n.reachable));
    const replica = report.health.find((n) => n.role === 'replica');
    assert.equal(report.replication.length, 1);
    assert.equal(report.replication[0]?.replica, replica?.address);
    assert.ok((report.replication[0]?.offsetLag ?? -1) >= 0);
    assert.equal(report.memory.length, 2);
    assert.ok(report.memory.every((m) => m.usedMemory > 0));
    const dashboard = (await (await fetch(`${base}/v1/dashboard`)).json()) as { mode: string; redis: { configured: boolean } };
    assert.equal(dashboard.mode, 'redis');
    assert.equal(dashboard.redis.configured, true);
  });

  it('stops being ready when Redis goes away, and keeps answering reads', async () => {
    for (const node of topology.nodes.filter((n) => n.kind === 'server')) await topology.kill(node.name);
    await eventually('not ready', async () => ((await fetch(`${base}/health/ready`)).status === 503 ? true : undefined));
    const ready = (await (await fetch(`${base}/health/ready`)).json()) as { error: { code: string } };
    assert.equal(ready.error.code, 'UNAVAILABLE');
    // The report is refreshed at most once a second, so the first one may predate the kill.
    await eventually('a report with no reachable node', async () => {
      const report = (await (await fetch(`${base}/v1/redis`)).json()) as { health: Array<{ reachable: boolean }> };
      return report.health.every((n) => !n.reachable) ? true : undefined;
    });
    assert.equal((await fetch(`${base}/health/live`)).status, 200);
    const read = await fetch(`${base}/v1/ns/r/keys/k?class=products`);
    assert.ok(read.status === 200 || read.status === 404, `a read with Redis down is a hit from L1 or a miss, got ${read.status}`);
  });
});
