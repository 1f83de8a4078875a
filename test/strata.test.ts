import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createStrata, isStrataError, StrataError, type Strata } from '../src/index.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'strata-core-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function rejectsWith(code: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof StrataError, `expected a StrataError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  };
}

describe('get / set', () => {
  it('returns what was set, and undefined for a key never set', async () => {
    const cache = createStrata();
    await cache.set('a', { n: 1, list: [1, 2, 3] });
    assert.deepEqual(await cache.get('a'), { n: 1, list: [1, 2, 3] });
    assert.equal(await cache.get('never'), undefined);
    assert.deepEqual(cache.getSync('a'), { n: 1, list: [1, 2, 3] });
    assert.equal(await cache.has('a'), true);
    assert.equal(await cache.has('never'), false);
    await cache.close();
  });

  it('forgets a value once its TTL has passed', async () => {
    const cache = createStrata();
    await cache.set('short', 'v', { ttl: 20 });
    assert.equal(await cache.get('short'), 'v');
    await sleep(40);
    assert.equal(await cache.get('short'), undefined);
    assert.equal(cache.getSync('short'), undefined);
    await cache.close();
  });

  it('never serves an entry with a zero TTL, even within the same promise chain', async () => {
    const cache = createStrata();
    await cache.set('zero', 'v', { ttl: 0 });
    assert.equal(cache.getSync('zero'), undefined);
    assert.equal(await cache.get('zero'), undefined);
    await cache.close();
  });

  it('reads and writes many keys in one call', async () => {
    const cache = createStrata();
    await cache.setMany([
      { key: 'x', value: 1 },
      { key: 'y', value: 2, ttl: '1h' },
    ]);
    assert.deepEqual(await cache.getMany(['x', 'nope', 'y']), [1, undefined, 2]);
    await cache.deleteMany(['x', 'y']);
    assert.deepEqual(await cache.getMany(['x', 'y']), [undefined, undefined]);
    await cache.close();
  });

  it('deletes by key and by glob pattern', async () => {
    const cache = createStrata();
    await cache.setMany([
      { key: 'user:1:a', value: 1 },
      { key: 'user:1:b', value: 2 },
      { key: 'user:2:a', value: 3 },
    ]);
    await cache.delete('user:2:a');
    assert.equal(await cache.get('user:2:a'), undefined);
    await cache.deletePattern('user:1:*');
    assert.deepEqual(await cache.getMany(['user:1:a', 'user:1:b']), [undefined, undefined]);
    await cache.close();
  });
});

describe('bad input', () => {
  it('rejects bad keys with INVALID_KEY', async () => {
    const cache = createStrata({ maxKeyLength: 16 });
    await assert.rejects(cache.set('', 1), rejectsWith('INVALID_KEY'));
    await assert.rejects(cache.set(42 as unknown as string, 1), rejectsWith('INVALID_KEY'));
    assert.throws(() => cache.get('x'.repeat(17)), rejectsWith('INVALID_KEY'));
    assert.throws(() => cache.get(null as unknown as string), rejectsWith('INVALID_KEY'));
    await cache.close();
  });

  it('refuses values that cannot be stored and keeps the previous value', async () => {
    const cache = createStrata({ maxEntryBytes: 4096 });
    await cache.set('k', 'good');
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    await assert.rejects(cache.set('k', { fn: () => 1 }), rejectsWith('NOT_SERIALIZABLE'));
    await assert.rejects(cache.set('k', { s: Symbol('x') }), rejectsWith('NOT_SERIALIZABLE'));
    await assert.rejects(cache.set('k', cyclic), rejectsWith('NOT_SERIALIZABLE'));
    await assert.rejects(cache.set('k', undefined), rejectsWith('NOT_SERIALIZABLE'));
    await assert.rejects(cache.set('k', 'x'.repeat(10_000)), rejectsWith('VALUE_TOO_LARGE'));
    await assert.rejects(cache.set('k', 'v', { ttl: -1 }), rejectsWith('INVALID_TTL'));
    await assert.rejects(cache.set('k', 'v', { ttl: '10 parsecs' }), rejectsWith('INVALID_TTL'));
    await assert.rejects(cache.set('k', 'v', { class: 'nope' }), rejectsWith('UNKNOWN_CLASS'));
    assert.equal(await cache.get('k'), 'good');
    await cache.close();
  });

  it('rejects invalid options at creation with the path of the option', () => {
    assert.throws(() => createStrata({ l1: { maxBytes: -5 } }), (err) => isStrataError(err, 'INVALID_OPTION') && /l1\.maxBytes/.test(err.message));
    assert.throws(() => createStrata({ namespace: 'a:b' }), rejectsWith('INVALID_OPTION'));
    assert.throws(() => createStrata({ classes: { products: { ttl: 'soon' } } }), (err) => isStrataError(err, 'INVALID_TTL') && /classes\.products\.ttl/.test(err.message));
    assert.throws(() => createStrata({ classes: { x: { tiers: ['l9' as 'l1'] } } }), rejectsWith('INVALID_OPTION'));
    assert.throws(() => createStrata({ profile: 'huge' as 'production' }), rejectsWith('INVALID_OPTION'));
  });
});

describe('getOrSet', () => {
  it('runs the factory once for 1,000 concurrent callers of one missing key', async () => {
    const cache = createStrata();
    let calls = 0;
    const factory = async () => {
      calls++;
      await sleep(20);
      return 'computed';
    };
    const results = await Promise.all(Array.from({ length: 1000 }, () => cache.getOrSet('cold', factory)));
    assert.equal(calls, 1);
    assert.ok(results.every((r) => r === 'computed'));
    assert.equal(await cache.getOrSet('cold', factory), 'computed');
    assert.equal(calls, 1);
    await cache.close();
  });

  it('reports how each call was answered', async () => {
    const dir = tempDir();
    let cache = createStrata({ l3: { path: dir } });
    const first = await cache.getOrSetWithInfo('q', () => 'answer');
    assert.deepEqual(first, { value: 'answer', outcome: 'miss', tier: 'factory' });
    assert.deepEqual(await cache.getOrSetWithInfo('q', () => 'other'), { value: 'answer', outcome: 'hit', tier: 'l1' });
    await cache.close();
    cache = createStrata({ l3: { path: dir } });
    assert.deepEqual(await cache.getOrSetWithInfo('q', () => 'other'), { value: 'answer', outcome: 'hit', tier: 'l3' });
    await cache.close();
  });

  it('lets the factory set the TTL and tags of what it produces', async () => {
    const cache = createStrata();
    await cache.getOrSet('p', (ctx) => {
      ctx.setTtl(20);
      ctx.setTags(['product:1']);
      return 'v1';
    });
    await cache.invalidateTags(['product:1']);
    assert.equal(await cache.get('p'), undefined);
    await cache.getOrSet('p2', (ctx) => {
      ctx.setTtl(20);
      return 'v';
    });
    await sleep(40);
    assert.equal(await cache.get('p2'), undefined);
    await cache.close();
  });

  it('wraps a factory failure in FACTORY_ERROR with the cause when there is nothing stale', async () => {
    const cache = createStrata();
    const boom = new Error('database down');
    await assert.rejects(
      cache.getOrSet('k', () => {
        throw boom;
      }),
      (err) => isStrataError(err, 'FACTORY_ERROR') && err.cause === boom,
    );
    assert.equal(await cache.get('k'), undefined);
    await cache.close();
  });

  it('times out with FACTORY_TIMEOUT after the hard timeout and stores the late value', async () => {
    const cache = createStrata();
    await assert.rejects(
      cache.getOrSet('slow', async () => {
        await sleep(60);
        return 'late';
      }, { hardTimeout: 10 }),
      rejectsWith('FACTORY_TIMEOUT'),
    );
    await sleep(80);
    assert.equal(await cache.get('slow'), 'late');
    await cache.close();
  });
});

describe('grace', () => {
  async function expiredWithGrace(cache: Strata): Promise<void> {
    await cache.set('g', 'old', { ttl: 10, grace: '1h' });
    await sleep(25);
    assert.equal(await cache.get('g'), undefined, 'an expired value is not fresh');
  }

  it('serves the stale value when the factory throws', async () => {
    const cache = createStrata();
    await expiredWithGrace(cache);
    const answer = await cache.getOrSetWithInfo('g', () => {
      throw new Error('source down');
    });
    assert.equal(answer.value, 'old');
    assert.equal(answer.outcome, 'stale');
    assert.equal(cache.stats().classes.default?.staleServed, 1);
    await cache.close();
  });

  it('serves the stale value after the soft timeout and refreshes in the background', async () => {
    const cache = createStrata();
    await expiredWithGrace(cache);
    const answer = await cache.getOrSetWithInfo('g', async (ctx) => {
      assert.equal(ctx.stale, 'old');
      await sleep(50);
      return 'new';
    }, { softTimeout: 5 });
    assert.deepEqual([answer.value, answer.outcome], ['old', 'stale']);
    await sleep(80);
    assert.equal(await cache.get('g'), 'new');
    await cache.close();
  });

  it('keeps grace data after expire() but reads nothing fresh', async () => {
    const cache = createStrata();
    await cache.set('e', 'kept', { grace: '1h' });
    await cache.expire('e');
    assert.equal(await cache.get('e'), undefined);
    assert.equal(await cache.getOrSet('e', () => Promise.reject(new Error('down'))), 'kept');
    assert.equal(await cache.getOrSet('e', () => 'fresh'), 'fresh');
    await cache.close();
  });

  it('never serves a value past its grace period', async () => {
    const cache = createStrata();
    await cache.set('gone', 'old', { ttl: 5, grace: 5 });
    await sleep(30);
    await assert.rejects(cache.getOrSet('gone', () => Promise.reject(new Error('down'))), rejectsWith('FACTORY_ERROR'));
    await cache.close();
  });
});

describe('invalidation', () => {
  it('drops every entry carrying an invalidated tag, in every class', async () => {
    const cache = createStrata();
    await cache.set('answer:1', 'mentions 42', { tags: ['product:42'], class: 'llm_responses' });
    await cache.set('search:1', ['42', '7'], { tags: ['product:42', 'product:7'], class: 'search_results' });
    await cache.set('answer:2', 'mentions 7', { tags: ['product:7'], class: 'llm_responses' });
    await cache.invalidateTags(['product:42']);
    assert.equal(await cache.get('answer:1', { class: 'llm_responses' }), undefined);
    assert.equal(await cache.get('search:1', { class: 'search_results' }), undefined);
    assert.equal(await cache.get('answer:2', { class: 'llm_responses' }), 'mentions 7');
    await cache.set('answer:1', 'rewritten', { tags: ['product:42'], class: 'llm_responses' });
    assert.equal(await cache.get('answer:1', { class: 'llm_responses' }), 'rewritten');
    await cache.close();
  });

  it('does not store a factory result when its tag was invalidated while it ran', async () => {
    const cache = createStrata();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const pending = cache.getOrSet('k', async () => {
      await gate;
      return 'computed from old data';
    }, { tags: ['product:1'] });
    await sleep(5);
    await cache.invalidateTags(['product:1']);
    release();
    assert.equal(await pending, 'computed from old data');
    assert.equal(await cache.get('k'), undefined);
    await cache.close();
  });

  it('does not store a factory result when the key was deleted while it ran', async () => {
    const cache = createStrata();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const pending = cache.getOrSet('k', async () => {
      await gate;
      return 'old';
    });
    await sleep(5);
    await cache.delete('k');
    release();
    await pending;
    assert.equal(await cache.get('k'), undefined);
    await cache.close();
  });
});

describe('namespaces and classes', () => {
  it('keeps namespaces apart and clears one without touching another', async () => {
    const dir = tempDir();
    const cache = createStrata({ l3: { path: dir } });
    const a = cache.namespace('tenant-a');
    const b = cache.namespace('tenant-b');
    await a.set('k', 'A');
    await b.set('k', 'B');
    assert.equal(await a.get('k'), 'A');
    assert.equal(await b.get('k'), 'B');
    assert.equal(await cache.get('k'), undefined);
    await a.clear();
    assert.equal(await a.get('k'), undefined);
    assert.equal(await b.get('k'), 'B');
    assert.equal(cache.namespace('tenant-a'), a);
    await cache.close();
  });

  it('keeps user sessions in memory only', async () => {
    const dir = tempDir();
    let cache = createStrata({ l3: { path: dir } });
    await cache.set('s', { user: 1 }, { class: 'user_sessions' });
    await cache.set('p', { id: 1 }, { class: 'products' });
    await cache.close();
    cache = createStrata({ l3: { path: dir } });
    assert.equal(await cache.get('s', { class: 'user_sessions' }), undefined);
    assert.deepEqual(await cache.get('p', { class: 'products' }), { id: 1 }, 'without Redis, shared classes keep their copy on disk');
    await cache.close();
  });

  it('applies per-cache class overrides', async () => {
    const cache = createStrata({ classes: { products: { ttl: 10 }, custom: { tiers: ['l1'], ttl: '1h' } } });
    await cache.set('p', 1, { class: 'products' });
    await cache.set('c', 2, { class: 'custom' });
    await sleep(30);
    assert.equal(await cache.get('p', { class: 'products' }), undefined);
    assert.equal(await cache.get('c', { class: 'custom' }), 2);
    await cache.close();
  });

  it('throws CLOSED after close', async () => {
    const cache = createStrata();
    await cache.set('k', 1);
    await cache.close();
    await assert.rejects(async () => cache.get('k'), rejectsWith('CLOSED'));
    await assert.rejects(async () => cache.set('k', 2), rejectsWith('CLOSED'));
  });
});

describe('damaged data', () => {
  it('reads bytes that are not an entry as a miss, deletes them and counts a decode error', async () => {
    const { DiskTier } = await import('../src/index.js');
    const disk = DiskTier.openSync({ path: tempDir(), maxBytes: 1 << 24 });
    const cache = createStrata({ l3: disk });
    const decodeErrors: string[] = [];
    cache.on('decode:error', (info) => decodeErrors.push(info.key));
    await disk.set('strata:default:default:bad', Buffer.from('another program wrote this'), Date.now() + 60_000);
    assert.equal(await cache.get('bad'), undefined);
    assert.deepEqual(decodeErrors, ['strata:default:default:bad']);
    assert.equal(cache.stats().classes.default?.errors.decode, 1);
    await sleep(10);
    assert.equal(await disk.get('strata:default:default:bad'), undefined, 'the damaged entry is deleted');
    assert.equal(await cache.getOrSet('bad', () => 'recomputed'), 'recomputed');
    await cache.close();
  });
});

describe('restarts without Redis', () => {
  it('does not serve an entry from disk after a restart when its tag was invalidated before the restart', async () => {
    const dir = tempDir();
    let cache = createStrata({ l3: { path: dir } });
    await cache.set('answer', 'mentions product 42', { tags: ['product:42'], class: 'products' });
    await cache.set('other', 'mentions product 7', { tags: ['product:7'], class: 'products' });
    await cache.invalidateTags(['product:42']);
    await cache.close();
    cache = createStrata({ l3: { path: dir } });
    assert.equal(await cache.get('answer', { class: 'products' }), undefined);
    assert.equal(await cache.get('other', { class: 'products' }), 'mentions product 7');
    await cache.close();
  });
});
