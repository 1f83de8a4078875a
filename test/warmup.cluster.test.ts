import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createStrata, type Strata } from '../src/index.js';
import { useRedisTopology } from './support/redis.js';

const open: Strata[] = [];
after(async () => {
  await Promise.all(open.map((s) => s.close().catch(() => undefined)));
});
const topology = useRedisTopology('cluster');

describe('warm-up on a Redis Cluster', () => {
  it('publishes, merges and prefetches hot keys whose values live on every master', async () => {
    const { url } = await topology();
    const options = { prefix: `warmc${process.pid}`, l2: url, l3: false as const, hotKeys: { sampleEvery: 1 } };
    const a = createStrata(options);
    const c = createStrata(options);
    open.push(a, c);
    await Promise.all([a.ready(), c.ready()]);
    await a.setMany(Array.from({ length: 300 }, (_, i) => ({ key: `k${i}`, value: i })));
    for (let i = 0; i < 100; i++) a.getSync(`k${i}`);
    for (let i = 100; i < 200; i++) if (c.getSync(`k${i}`) === undefined) await c.get(`k${i}`);
    await Promise.all([a.publishHotKeys(), c.publishHotKeys()]);

    const b = createStrata({ ...options, hotKeys: { sampleEvery: 1, warmOnStart: { top: 500 } } });
    open.push(b);
    let done: { total: number; loaded: number; failed: number } | undefined;
    b.on('warm:done', (report) => (done = report));
    await b.ready();
    assert.deepEqual(done && { total: done.total, loaded: done.loaded, failed: done.failed }, { total: 200, loaded: 200, failed: 0 });
    for (let i = 0; i < 200; i++) assert.equal(b.getSync(`k${i}`), i);
    assert.equal(b.getSync('k250'), undefined);
  });
});
