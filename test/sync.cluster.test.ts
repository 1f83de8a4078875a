import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createStrata, type Strata } from '../src/index.js';
import { useRedisTopology } from './support/redis.js';

const open: Strata[] = [];
// Registered before the topology's own hook, so the caches close while Redis is still up.
after(async () => {
  await Promise.all(open.map((s) => s.close().catch(() => undefined)));
});
const topology = useRedisTopology('cluster');

async function instance(url: string): Promise<Strata> {
  const cache = createStrata({ prefix: 'synccluster', l2: url, l3: false });
  open.push(cache);
  await cache.ready();
  return cache;
}

describe('coherence on a 3+3 Redis Cluster', () => {
  it('invalidations reach the other instance and concurrent getOrSet runs one factory', async () => {
    const { url } = await topology();
    const a = await instance(url);
    const b = await instance(url);
    const applied = async (count: number) => {
      for (let i = 0; i < 2000 && (b.stats().sync?.applied ?? 0) < count; i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(b.stats().sync?.applied, count);
    };
    await a.set('doc', 'v1', { tags: ['t:1'] });
    await applied(1);
    assert.equal(await b.get('doc'), 'v1');
    await a.invalidateTags(['t:1']);
    await applied(2);
    assert.equal(await b.get('doc'), undefined);

    let calls = 0;
    const factory = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 30));
      return 'once';
    };
    const values = await Promise.all([a, b].flatMap((cache) => Array.from({ length: 20 }, (_, i) => cache.getOrSet(`cold:${i % 4}`, factory))));
    assert.equal(calls, 4);
    assert.ok(values.every((v) => v === 'once'));
  });
});
