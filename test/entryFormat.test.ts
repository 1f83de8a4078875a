import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decodeEntry, encodeEntry, FORMAT_VERSION, isNewerFormat, LATEST_FORMAT_VERSION, uncompressedSize } from '../src/codec/envelope.js';
import { adminClient } from '../src/redis/localTopology.js';
import { createStrata, StrataError, type Strata } from '../src/index.js';
import { useRedisTopology } from './support/redis.js';

const standalone = useRedisTopology('standalone');
const entry = { value: { answer: 42, text: 'x'.repeat(2000) }, createdAt: 1000, expiresAt: 2000, staleUntil: 3000, tags: ['product:1'] };
/** The release before entry formats were versioned for rolling deploys: it reads format 1 only. */
const PREVIOUS_RELEASE = '0b8381e';

const dirs: string[] = [];
const caches: Strata[] = [];
after(async () => {
  for (const cache of caches) await cache.close().catch(() => undefined);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The previous release's source, checked out of git next to this one (sharing node_modules), or undefined without the history. */
async function previousRelease(): Promise<typeof import('../src/index.js') | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-previous-'));
  dirs.push(dir);
  try {
    const archive = execFileSync('git', ['archive', PREVIOUS_RELEASE, 'src', 'package.json'], { maxBuffer: 64 * 1024 * 1024 });
    execFileSync('tar', ['-x', '-C', dir], { input: archive });
  } catch {
    return undefined;
  }
  symlinkSync(resolve('node_modules'), join(dir, 'node_modules'));
  return (await import(join(dir, 'src/index.ts'))) as typeof import('../src/index.js');
}

describe('entry format versions', () => {
  it('writes format 1 by default and format 2 on request; reads both to the same entry', () => {
    const v1 = encodeEntry(entry, { compressionThreshold: 1024 });
    const v2 = encodeEntry(entry, { compressionThreshold: 1024, formatVersion: 2 });
    assert.equal((v1[0] as number) >> 4, FORMAT_VERSION);
    assert.equal((v2[0] as number) >> 4, 2);
    assert.deepEqual(decodeEntry(v2), decodeEntry(v1));
    assert.deepEqual(decodeEntry(v1).value, entry.value);
    assert.ok(v1.length < 2000, 'the test entry is compressed');
    assert.equal(uncompressedSize(v2), uncompressedSize(v1) + 2, 'the size accounting skips the extension block');
  });

  it('reports an entry of a newer format as such (a miss for this release), and corrupt bytes as corrupt', () => {
    const newer = Buffer.from(encodeEntry(entry, { compressionThreshold: 0 }));
    newer[0] = ((LATEST_FORMAT_VERSION + 1) << 4) | ((newer[0] as number) & 0x0f);
    assert.throws(() => decodeEntry(newer), (err) => isNewerFormat(err));
    const truncated = encodeEntry(entry, { compressionThreshold: 0, formatVersion: 2 }).subarray(0, 28);
    assert.throws(() => decodeEntry(truncated), (err) => err instanceof StrataError && err.code === 'DECODE_FAILED' && !isNewerFormat(err));
  });

  it('rejects an entryFormat this release cannot write', () => {
    assert.throws(() => createStrata({ l3: false, entryFormat: 3 as 2 }), (err) => err instanceof StrataError && err.code === 'INVALID_OPTION');
  });

  it('side by side on one Redis: format 2 and format 1 instances read each other, a newer entry is a miss left in place', async () => {
    const topology = await standalone();
    const next = createStrata({ l2: topology.url, l3: false, sync: false, prefix: 'fmt', entryFormat: 2 });
    const current = createStrata({ l2: topology.url, l3: false, sync: false, prefix: 'fmt' });
    caches.push(next, current);
    await next.set('written-by-next', 'two', { class: 'products' });
    await current.set('written-by-current', 'one', { class: 'products' });
    assert.equal(await current.get('written-by-next', { class: 'products' }), 'two');
    assert.equal(await next.get('written-by-current', { class: 'products' }), 'one');

    const admin = adminClient(topology.serverPorts[0] as number);
    await admin.connect();
    try {
      const future = Buffer.from(encodeEntry({ ...entry, value: 'from the future', createdAt: Date.now(), expiresAt: Date.now() + 60_000, staleUntil: Date.now() + 60_000 }, { compressionThreshold: 0 }));
      future[0] = ((LATEST_FORMAT_VERSION + 1) << 4) | ((future[0] as number) & 0x0f);
      await admin.set('fmt:default:products:future', future, 'PX', 60_000);
      const errors: unknown[] = [];
      current.on('decode:error', (e) => errors.push(e.error));
      assert.equal(await current.get('future', { class: 'products' }), undefined);
      assert.equal(await current.getOrSet('future', () => 'computed here', { class: 'products', ttl: 0 }), 'computed here');
      assert.ok(errors.length > 0 && errors.every(isNewerFormat));
      assert.equal(await admin.exists('fmt:default:products:future'), 1, 'the newer entry stays for the instances that read it');
    } finally {
      admin.disconnect();
    }
  });

  it('with the previous release on the same Redis: it misses (never crashes, never a wrong value) on format 2 and its format 1 entries are read', async (t) => {
    const previous = await previousRelease();
    if (previous === undefined) {
      t.skip(`git history with ${PREVIOUS_RELEASE} is not available`);
      return;
    }
    const topology = await standalone();
    const old = previous.createStrata({ l2: topology.url, l3: false, sync: false, prefix: 'mixed' });
    const next = createStrata({ l2: topology.url, l1: false, l3: false, sync: false, prefix: 'mixed', entryFormat: 2 });
    caches.push(old as unknown as Strata, next);
    for (let i = 0; i < 20; i++) await next.set(`k${i}`, { n: i, from: 'next' }, { class: 'products' });
    for (let i = 0; i < 20; i++) {
      assert.equal(await old.get(`k${i}`, { class: 'products' }), undefined, 'a format 2 entry is a miss for the previous release');
      assert.deepEqual(await old.getOrSet(`k${i}`, () => ({ n: i, from: 'old' }), { class: 'products' }), { n: i, from: 'old' });
    }
    for (let i = 0; i < 20; i++) assert.deepEqual(await next.get(`k${i}`, { class: 'products' }), { n: i, from: 'old' }, 'the format 1 entry the previous release wrote is read');
  });
});
