import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createStrata, type Strata, type StrataOptions } from '../src/index.js';
import { adminCommand } from '../src/redis/localTopology.js';
import { FORMAT_VERSION } from '../src/codec/envelope.js';
import { useRedisTopology } from './support/redis.js';

const open: Strata[] = [];
let prefixCount = 0;
// Registered before the topology's own hook, so the caches close while Redis is still up.
after(async () => {
  await Promise.all(open.map((s) => s.close().catch(() => undefined)));
});
const topology = useRedisTopology('standalone');

function freshPrefix(): string {
  return `lock${process.pid}x${prefixCount++}`;
}

async function instance(url: string, prefix: string, extra: Partial<StrataOptions> = {}): Promise<Strata> {
  const cache = createStrata({ prefix, l2: url, l3: false, ...extra });
  open.push(cache);
  await cache.ready();
  return cache;
}

describe('distributed single-flight', () => {
  it('3 instances × 50 concurrent getOrSet of one cold key run the factory once', async () => {
    const { url } = await topology();
    const prefix = freshPrefix();
    const instances = await Promise.all([0, 1, 2].map(() => instance(url, prefix)));
    let calls = 0;
    const factory = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 50));
      return { answer: 42 };
    };
    const results = await Promise.all(instances.flatMap((cache) => Array.from({ length: 50 }, () => cache.getOrSet('cold', factory))));
    assert.equal(calls, 1);
    assert.equal(results.length, 150);
    for (const value of results) assert.deepEqual(value, { answer: 42 });
    const factoryCalls = instances.reduce((sum, c) => sum + (c.stats().classes.default?.factory.calls ?? 0), 0);
    assert.equal(factoryCalls, 1);
  });

  it('releases the lock after writing, so the next cold key is not held up', async () => {
    const { url } = await topology();
    const prefix = freshPrefix();
    const a = await instance(url, prefix);
    await a.getOrSet('k', () => 'v');
    assert.equal(await adminCommand(Number(new URL(url).port), 'EXISTS', `${prefix}:lock:${prefix}:default:default:k`), 0);
  });

  it('a holder that never releases blocks the others only until the lock TTL, then they run the factory', async () => {
    const { url } = await topology();
    const port = Number(new URL(url).port);
    const prefix = freshPrefix();
    const a = await instance(url, prefix, { sync: { lockTtlMs: 300 } });
    // A holder that crashed and whose lock has no expiry at all: the waiter's own bound must end the wait.
    await adminCommand(port, 'SET', `${prefix}:lock:${prefix}:default:default:stuck`, 'crashed-holder');
    let calls = 0;
    const value = await a.getOrSet('stuck', () => {
      calls++;
      return 'computed';
    });
    assert.equal(value, 'computed');
    assert.equal(calls, 1);
  });

  it('a waiter takes the value the lock holder wrote instead of running its own factory', async () => {
    const { url } = await topology();
    const port = Number(new URL(url).port);
    const prefix = freshPrefix();
    const a = await instance(url, prefix, { sync: { lockTtlMs: 10_000 } });
    const b = await instance(url, prefix, { sync: { lockTtlMs: 10_000 } });
    const lockKey = `${prefix}:lock:${prefix}:default:default:slow`;
    let bCalls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const fromA = a.getOrSet('slow', async () => {
      await gate;
      return 'from-a';
    });
    while ((await adminCommand(port, 'EXISTS', lockKey)) !== 1) await new Promise((r) => setTimeout(r, 2));
    const fromB = b.getOrSet('slow', () => {
      bCalls++;
      return 'from-b';
    });
    release();
    assert.equal(await fromA, 'from-a');
    assert.equal(await fromB, 'from-a');
    assert.equal(bCalls, 0);
  });

  it('close() lets a running factory finish and store its value (graceful shutdown)', async () => {
    const { url } = await topology();
    const prefix = freshPrefix();
    const a = await instance(url, prefix);
    const answer = a.getOrSet('draining', async () => {
      await new Promise((r) => setTimeout(r, 50));
      return 'stored before shutdown';
    });
    await new Promise((r) => setTimeout(r, 5));
    await a.close();
    assert.equal(await answer, 'stored before shutdown');
    const b = await instance(url, prefix);
    assert.equal(await b.get('draining'), 'stored before shutdown');
  });

  it('an entry of a future envelope version reads as a miss, never a crash (rolling deploys)', async () => {
    const { url } = await topology();
    const port = Number(new URL(url).port);
    const prefix = freshPrefix();
    const a = await instance(url, prefix);
    const future = Buffer.alloc(64, 7);
    future.writeUInt8((FORMAT_VERSION + 1) << 4, 0);
    await adminCommand(port, 'SET', `${prefix}:default:default:next`, future.toString('latin1'));
    assert.equal(await a.get('next'), undefined);
    assert.equal(await a.getOrSet('next', () => 'this release'), 'this release');
    assert.equal(await a.get('next'), 'this release');
  });
});
