import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createStrata, type Strata } from '../src/index.js';
import { adminCommand, LOCAL_SENTINEL_MASTER } from '../src/redis/localTopology.js';
import { useRedisTopology } from './support/redis.js';

const standalone = useRedisTopology('standalone');
const sentinel = useRedisTopology('sentinel');

const open: Strata[] = [];
after(async () => {
  await Promise.all(open.map((cache) => cache.close()));
});

function cacheOn(url: string, prefix: string, replicaWaitTimeoutMs = 100): Strata {
  const cache = createStrata({
    prefix,
    l2: { url, tier: { timeoutMs: 500, replicaWaitTimeoutMs, writeRetries: 0, breaker: { openDurationMs: 100 } } },
    l3: false,
    sync: false,
  });
  open.push(cache);
  return cache;
}

describe('Strata.setWithInfo', () => {
  it('names L1 alone when no Redis is configured, and says nothing about replication', async () => {
    const cache = createStrata({ l3: false });
    open.push(cache);
    assert.deepEqual(await cache.setWithInfo('k', 1, { class: 'llm_responses' }), { tiers: ['l1'], replicated: undefined });
    assert.equal(await cache.get('k', { class: 'llm_responses' }), 1);
  });

  it('reports L2 for a class without replicas, and the value is in Redis', async () => {
    const t = await standalone();
    const cache = cacheOn(t.url, 'swi1');
    assert.deepEqual(await cache.setWithInfo('plain', 'v', { class: 'products' }), { tiers: ['l1', 'l2'], replicated: undefined });
    assert.equal(await adminCommand(t.serverPorts[0] as number, 'EXISTS', 'swi1:default:products:plain'), 1);
  });

  it('reports a replicated write as not replicated (and not in L2) when no replica acknowledges it', async () => {
    const t = await standalone();
    const cache = cacheOn(t.url, 'swi2');
    assert.deepEqual(await cache.setWithInfo('answer', 'v', { class: 'llm_responses' }), { tiers: ['l1'], replicated: false });
  });

  it('reports a replicated write as replicated once a replica acknowledged it, and the replica has it', async () => {
    const t = await sentinel();
    // A loaded CI machine can take longer than the 100 ms default for a replica's acknowledgement.
    const cache = cacheOn(t.url, 'swi3', 5_000);
    assert.deepEqual(await cache.setWithInfo('answer', { text: 'hello' }, { class: 'llm_responses' }), { tiers: ['l1', 'l2'], replicated: true });
    const [, masterPort] = (await adminCommand(t.sentinelPorts[0] as number, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', LOCAL_SENTINEL_MASTER)) as [string, string];
    const replica = t.serverPorts.find((p) => p !== Number(masterPort)) as number;
    assert.equal(await adminCommand(replica, 'EXISTS', 'swi3:default:llm_responses:answer'), 1);
  });

  it('does not throw while Redis is down: L2 is missing from the answer and the value is still served from L1', async () => {
    const t = await standalone();
    const cache = cacheOn(t.url, 'swi4');
    await cache.setWithInfo('warm', 1, { class: 'products' });
    const node = t.nodes[0]!;
    await t.kill(node.name);
    try {
      assert.deepEqual(await cache.setWithInfo('down', 2, { class: 'products' }), { tiers: ['l1'], replicated: undefined });
      assert.deepEqual(await cache.setWithInfo('down-replicated', 3, { class: 'llm_responses' }), { tiers: ['l1'], replicated: false });
      await cache.set('down-plain', 4, { class: 'products' });
      assert.equal(await cache.get('down', { class: 'products' }), 2);
    } finally {
      await t.restart(node.name);
    }
  });

  it('rejects bad input before writing anything, like set', async () => {
    const cache = createStrata({ l3: false });
    open.push(cache);
    await assert.rejects(cache.setWithInfo('', 1), { name: 'StrataError' });
    await assert.rejects(cache.setWithInfo('k', 1, { class: 'no-such-class' }), { name: 'StrataError' });
  });
});
