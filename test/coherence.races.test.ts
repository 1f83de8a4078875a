import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createStrata, type Strata, type StrataOptions } from '../src/index.js';
import { coalesceEvents } from '../src/sync/coalesceEvents.js';
import { FillGuard } from '../src/sync/fillGuard.js';
import { InvalidationLog } from '../src/sync/invalidationLog.js';
import { useRedisTopology } from './support/redis.js';

const open: Strata[] = [];
const clients: Redis[] = [];
let prefixCount = 0;
// Registered before the topology's own hook, so the caches close while Redis is still up.
after(async () => {
  await Promise.all(open.map((s) => s.close().catch(() => undefined)));
  for (const client of clients) client.disconnect();
});
const topology = useRedisTopology('standalone');

function freshPrefix(): string {
  return `race${process.pid}x${prefixCount++}`;
}

async function instance(url: string, prefix: string, extra: Partial<StrataOptions> = {}): Promise<Strata> {
  const cache = createStrata({ prefix, l2: url, l3: false, ...extra });
  open.push(cache);
  await cache.ready();
  return cache;
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('races between a change and copies of the older value', () => {
  it('an entry older than a change another instance announced is served from L2 but not copied into L1', async () => {
    const { url } = await topology();
    const prefix = freshPrefix();
    const a = await instance(url, prefix);
    const b = await instance(url, prefix);
    // C stands for an instance whose factory read the source before A's change and whose write lands after it
    // (its own copy of A's event arriving only later): without a log, nothing stops its write.
    const c = await instance(url, prefix, { sync: false });
    let release: (value: string) => void = () => undefined;
    const slow = c.getOrSet('price', () => new Promise<string>((resolve) => (release = resolve)));
    await waitFor('C to start its factory', () => c.stats().classes.default?.factory.calls === 1);

    const before = b.stats().sync?.applied ?? 0;
    await a.set('price', 'new');
    await waitFor('B to apply the set', () => (b.stats().sync?.applied ?? 0) > before);
    release('old');
    assert.equal(await slow, 'old');

    // L2 now holds C's older entry; B may read it, but must not keep it.
    assert.equal(await b.get('price'), 'old');
    assert.equal(b.getSync('price'), undefined, 'the older entry was not copied into L1');
    const applied = b.stats().sync?.applied ?? 0;
    await a.set('price', 'newer');
    await waitFor('B to apply the second set', () => (b.stats().sync?.applied ?? 0) > applied);
    assert.equal(await b.get('price'), 'newer');
    assert.equal(b.getSync('price'), 'newer', 'entries at least as new as the change are copied again');
  });

  it('a factory write watched after the change it missed is undone at once', async () => {
    const { url } = await topology();
    const prefix = freshPrefix();
    const redis = new Redis(url);
    clients.push(redis);
    const guard = new FillGuard(redis, '', 5000);
    const key = `${prefix}:default:default:doc`;
    const createdAt = Date.now() - 10;
    // The envelope's created-at is bytes 1–8; the rest does not matter to the guard.
    const entry = Buffer.alloc(32);
    entry.writeDoubleLE(createdAt, 1);
    await redis.set(key, entry);
    guard.noteRemoteChange([key], createdAt + 5);
    guard.watch(key, createdAt);
    await waitFor('the older write to be deleted', async () => (await redis.exists(key)) === 0);

    // A write newer than the change stays.
    const other = `${key}:newer`;
    await redis.set(other, entry);
    guard.noteRemoteChange([other], createdAt - 5);
    guard.watch(other, createdAt);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(await redis.exists(other), 1);
  });

  it('a set resolves with its event in the log, and concurrent sets on one instance share one append per class', async () => {
    const { url } = await topology();
    const prefix = freshPrefix();
    const a = await instance(url, prefix);
    const b = await instance(url, prefix);
    for (let i = 0; i < 5; i++) assert.equal(await b.get(`k${i}`), undefined);
    await Promise.all(Array.from({ length: 5 }, (_, i) => a.set(`k${i}`, i)));
    assert.equal(a.stats().sync?.published, 1, 'one event for the five keys');
    const redis = new Redis(url);
    clients.push(redis);
    const entries = (await redis.xrange(`${prefix}:log`, '-', '+')).map(([, fields]) => fields[fields.indexOf('e') + 1] as string);
    const sets = entries.map((e) => JSON.parse(e) as { type: string; keys?: string[] }).filter((e) => e.type === 'set');
    assert.deepEqual(sets.map((e) => [...(e.keys ?? [])].sort()), [['k0', 'k1', 'k2', 'k3', 'k4']]);
  });
});

describe('the log connection', () => {
  it('an append is not held up by a command in flight on the shared auto-pipelined client', async () => {
    const { url } = await topology();
    const prefix = freshPrefix();
    const shared = new Redis(url, { enableAutoPipelining: true });
    clients.push(shared);
    const log = new InvalidationLog(shared, prefix, { apply: async () => undefined, dropAll: async () => undefined, loadTags: () => undefined }, undefined, { blockMs: 100 });
    await log.start();
    const order: string[] = [];
    // Occupies the shared client's one pipeline in flight for 2 s (nothing is ever pushed to this list).
    const blocked = shared.blpop(`${prefix}:never`, 2).then(() => order.push('blocking command'));
    await new Promise((r) => setImmediate(r));
    await log.publish({ type: 'keys', namespace: 'default', className: 'default', keys: ['k'], at: Date.now() });
    order.push('append');
    await blocked;
    await log.close();
    assert.deepEqual(order, ['append', 'blocking command']);
    assert.equal(log.stats().published, 1);
    const entries = await shared.xrange(`${prefix}:log`, '-', '+');
    assert.ok(entries.some(([, fields]) => (fields[fields.indexOf('e') + 1] ?? '').includes('"keys":["k"]')));
  });
});

describe('coalesceEvents', () => {
  it('merges key events of one type and class, keeps the earliest time and the order of everything else', () => {
    const merged = coalesceEvents([
      { type: 'set', namespace: 'n', className: 'c', keys: ['a'], at: 20 },
      { type: 'tags', tags: ['t'], at: 5 },
      { type: 'keys', namespace: 'n', className: 'c', keys: ['x'], at: 30 },
      { type: 'set', namespace: 'n', className: 'c', keys: ['b'], at: 10 },
      { type: 'set', namespace: 'n', className: 'other', keys: ['a'], at: 1 },
    ]);
    assert.deepEqual(merged, [
      { type: 'set', namespace: 'n', className: 'c', keys: ['a', 'b'], at: 10 },
      { type: 'tags', tags: ['t'], at: 5 },
      { type: 'keys', namespace: 'n', className: 'c', keys: ['x'], at: 30 },
      { type: 'set', namespace: 'n', className: 'other', keys: ['a'], at: 1 },
    ]);
  });

  it('drops the time when one of the merged events has none (an older sender)', () => {
    const [merged] = coalesceEvents([
      { type: 'keys', namespace: 'n', className: 'c', keys: ['a'], at: 20 },
      { type: 'keys', namespace: 'n', className: 'c', keys: ['b'] },
    ]);
    assert.equal(merged?.type === 'keys' ? merged.at : 'wrong type', undefined);
  });
});
