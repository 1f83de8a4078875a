import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { open } from 'lmdb';
import { DiskTier } from '../src/tiers/disk.js';
import { decodeEntry, encodeEntry } from '../src/codec/envelope.js';
import { isStrataError, ErrorCode } from '../src/errors.js';

const root = mkdtempSync(join(tmpdir(), 'strata-disk-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(root, `env-${dirs++}`);
const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text));
const text = (value: Uint8Array | undefined): string | undefined =>
  value === undefined ? undefined : Buffer.from(value).toString();
const HOUR = 3_600_000;

/** A clock the test moves by hand, so that expiry never depends on how fast the machine is. */
function manualClock(start = 1_760_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => (time += ms) };
}

async function withTier<T>(
  fn: (tier: DiskTier, path: string) => Promise<T>,
  maxBytes = 10 * 1024 * 1024,
  clock?: () => number,
): Promise<T> {
  const path = freshDir();
  const tier = await DiskTier.open({ path, maxBytes, clock });
  try {
    return await fn(tier, path);
  } finally {
    await tier.close();
  }
}

describe('DiskTier', () => {
  it('stores and returns bytes, and forgets deleted keys', async () => {
    await withTier(async (tier) => {
      assert.equal(tier.name, 'l3');
      assert.equal(await tier.get('k'), undefined);
      await tier.set('k', bytes('hello'), Date.now() + HOUR);
      assert.equal(text(await tier.get('k')), 'hello');
      await tier.set('k', bytes('again'), Date.now() + HOUR);
      assert.equal(text(await tier.get('k')), 'again');
      assert.equal(tier.stats().entries, 1);
      await tier.delete('k');
      assert.equal(await tier.get('k'), undefined);
      assert.deepEqual(tier.stats().entries, 0);
      assert.equal(tier.stats().bytes, 0);
      assert.equal(tier.isHealthy(), true);
    });
  });

  it('keeps entries that never expire (Infinity)', async () => {
    await withTier(async (tier) => {
      await tier.set('forever', bytes('x'), Infinity);
      assert.equal(text(await tier.get('forever')), 'x');
      assert.equal(await tier.prune(), 0);
      assert.equal(text(await tier.get('forever')), 'x');
    });
  });

  it('reads, writes and deletes many keys at once, in order', async () => {
    await withTier(async (tier) => {
      const at = Date.now() + HOUR;
      await tier.setMany([
        { key: 'a', bytes: bytes('1'), hardExpiresAt: at },
        { key: 'b', bytes: bytes('2'), hardExpiresAt: at },
        { key: 'c', bytes: bytes('3'), hardExpiresAt: at },
      ]);
      assert.deepEqual((await tier.getMany(['c', 'missing', 'a'])).map(text), ['3', undefined, '1']);
      await tier.deleteMany(['a', 'c', 'missing']);
      assert.deepEqual((await tier.getMany(['a', 'b', 'c'])).map(text), [undefined, '2', undefined]);
      assert.equal(tier.stats().entries, 1);
    });
  });

  it('treats an entry past its hard expiry as a miss and removes it', async () => {
    const clock = manualClock();
    await withTier(
      async (tier) => {
        await tier.set('soon', bytes('x'), clock.now() + 30);
        await tier.set('past', bytes('x'), clock.now() - 1);
        assert.equal(text(await tier.get('soon')), 'x');
        assert.equal(await tier.get('past'), undefined);
        clock.advance(30);
        assert.equal(await tier.get('soon'), undefined);
        assert.equal(tier.stats().entries, 0);
        assert.equal(tier.stats().expired, 1);
      },
      1 << 20,
      clock.now,
    );
  });

  it('prunes expired entries and keeps live ones', async () => {
    const clock = manualClock();
    await withTier(
      async (tier) => {
        const items = [];
        for (let i = 0; i < 2500; i++) {
          items.push({ key: `dead:${i}`, bytes: bytes('d'), hardExpiresAt: clock.now() + 25 + (i % 7) });
          if (i < 10) items.push({ key: `live:${i}`, bytes: bytes('l'), hardExpiresAt: clock.now() + HOUR });
        }
        await tier.setMany(items);
        assert.equal(tier.stats().entries, 2510);
        assert.equal(await tier.prune(), 0);
        clock.advance(40);
        assert.equal(await tier.prune(), 2500);
        assert.equal(tier.stats().entries, 10);
        assert.equal(tier.stats().expired, 2500);
        assert.equal(text(await tier.get('live:3')), 'l');
        assert.equal(await tier.prune(), 0);
      },
      1 << 20,
      clock.now,
    );
  });

  it('prunes on its own every pruneIntervalMs', async () => {
    const clock = manualClock();
    const tier = await DiskTier.open({ path: freshDir(), maxBytes: 1 << 20, pruneIntervalMs: 20, clock: clock.now });
    try {
      await tier.set('k', bytes('x'), clock.now() + 10);
      clock.advance(10);
      const deadline = Date.now() + 5000;
      while (tier.stats().expired === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(tier.stats().expired, 1);
      assert.equal(tier.stats().entries, 0);
    } finally {
      await tier.close();
    }
  });

  it('stays within maxBytes, evicting the entries closest to hard expiry first', async () => {
    const maxBytes = 64 * 1024;
    await withTier(async (tier) => {
      const now = Date.now();
      const value = new Uint8Array(1000).fill(7);
      await tier.set('longest', value, now + 100 * HOUR);
      for (let i = 0; i < 500; i++) {
        await tier.set(`k:${i}`, value, now + HOUR + i * 1000);
        assert.ok(tier.stats().bytes <= maxBytes, `after ${i} writes: ${tier.stats().bytes} bytes`);
      }
      const stats = tier.stats();
      assert.ok(stats.evictions > 400, `evictions ${stats.evictions}`);
      assert.ok(stats.entries >= 55 && stats.entries <= 64, `entries ${stats.entries}`);
      assert.ok(await tier.get('longest'), 'the entry with the latest expiry survives');
      assert.ok(await tier.get('k:499'));
      assert.equal(await tier.get('k:0'), undefined);
    }, maxBytes);
  });

  it('does not store an entry larger than maxBytes', async () => {
    await withTier(async (tier) => {
      await tier.set('small', bytes('x'), Date.now() + HOUR);
      await tier.set('huge', new Uint8Array(5000), Date.now() + HOUR);
      assert.equal(await tier.get('huge'), undefined);
      assert.equal(text(await tier.get('small')), 'x');
    }, 4096);
  });

  it('survives a restart: entries, byte count and meta are kept, expired entries are gone', async () => {
    const path = freshDir();
    const clock = manualClock();
    const first = await DiskTier.open({ path, maxBytes: 1 << 20, clock: clock.now });
    await first.set('kept', bytes('still here'), clock.now() + HOUR);
    await first.set('short', bytes('x'), clock.now() + 30);
    await first.setMeta('log:lastId', '1700000000000-3');
    const before = first.stats();
    await first.close();
    clock.advance(30);

    const second = await DiskTier.open({ path, maxBytes: 1 << 20, clock: clock.now });
    try {
      assert.equal(second.stats().entries, before.entries);
      assert.equal(second.stats().bytes, before.bytes);
      assert.equal(text(await second.get('kept')), 'still here');
      assert.equal(await second.get('short'), undefined);
      assert.equal(second.getMeta('log:lastId'), '1700000000000-3');
      assert.equal(second.getMeta('missing'), undefined);
      assert.equal(second.stats().entries, 1);
    } finally {
      await second.close();
    }
  });

  it('keeps the byte count exact when two tiers share one directory', async () => {
    const path = freshDir();
    const a = await DiskTier.open({ path, maxBytes: 30_000 });
    const b = await DiskTier.open({ path, maxBytes: 30_000 });
    try {
      const at = Date.now() + HOUR;
      for (let i = 0; i < 40; i++) await (i % 2 ? a : b).set(`k:${i}`, new Uint8Array(1000), at + i);
      await a.delete('k:39');
      await b.set('k:0', new Uint8Array(10), at);
      const keys = Array.from({ length: 40 }, (_, i) => `k:${i}`);
      const values = await a.getMany(keys);
      const expected = keys.reduce((n, key, i) => n + (values[i] ? key.length + 9 + (values[i] as Uint8Array).length : 0), 0);
      assert.equal(a.stats().bytes, expected);
      assert.equal(b.stats().bytes, expected);
      assert.equal(b.stats().entries, values.filter(Boolean).length);
      assert.ok(expected <= 30_000, `${expected} bytes`);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('evicts down to a smaller maxBytes when reopened with one', async () => {
    const path = freshDir();
    const first = await DiskTier.open({ path, maxBytes: 1 << 20 });
    const at = Date.now() + HOUR;
    await first.setMany(Array.from({ length: 100 }, (_, i) => ({ key: `k:${i}`, bytes: new Uint8Array(1000), hardExpiresAt: at + i })));
    await first.close();
    const second = await DiskTier.open({ path, maxBytes: 20_000 });
    try {
      assert.ok(second.stats().bytes <= 20_000, `${second.stats().bytes} bytes`);
      assert.ok(second.stats().entries >= 15 && second.stats().entries < 20, `${second.stats().entries} entries`);
      assert.ok(await second.get('k:99'), 'the entry expiring last is kept');
      assert.equal(await second.get('k:0'), undefined);
    } finally {
      await second.close();
    }
  });

  it('deletes keys matching a Redis-style glob and counts them', async () => {
    await withTier(async (tier) => {
      const at = Date.now() + HOUR;
      const keys = ['s:ns:llm:a', 's:ns:llm:b', 's:ns:emb:a', 's:other:llm:a', 's:ns:llm:c1', 'x:ns:llm:a'];
      await tier.setMany(keys.map((key) => ({ key, bytes: bytes(key), hardExpiresAt: at })));
      assert.equal(await tier.deletePattern('s:ns:llm:?'), 2);
      assert.deepEqual((await tier.getMany(keys)).map((v) => v !== undefined), [false, false, true, true, true, true]);
      assert.equal(await tier.deletePattern('*:llm:[ac]*'), 3);
      assert.deepEqual((await tier.getMany(keys)).map((v) => v !== undefined), [false, false, true, false, false, false]);
      assert.equal(await tier.deletePattern('nothing*'), 0);
      assert.equal(tier.stats().entries, 1);
    });
  });

  it('deletes large pattern matches in several batches', async () => {
    await withTier(async (tier) => {
      const at = Date.now() + HOUR;
      const items = Array.from({ length: 2300 }, (_, i) => ({ key: `p:${i}`, bytes: bytes('v'), hardExpiresAt: at }));
      await tier.setMany([...items, { key: 'q:1', bytes: bytes('v'), hardExpiresAt: at }]);
      assert.equal(await tier.deletePattern('p:*'), 2300);
      assert.equal(tier.stats().entries, 1);
    });
  });

  it('treats a record with malformed framing as a miss, deletes it and counts it', async () => {
    const path = freshDir();
    const raw = open({ path, maxDbs: 4 });
    const entries = raw.openDB<Buffer, Buffer>({ name: 'entries', encoding: 'binary', keyEncoding: 'binary' });
    await entries.put(Buffer.from('bad'), Buffer.from([1, 2, 3]));
    await entries.put(Buffer.from('also-bad'), Buffer.alloc(0));
    await raw.close();

    const tier = await DiskTier.open({ path, maxBytes: 1 << 20 });
    try {
      assert.equal(await tier.get('bad'), undefined);
      assert.deepEqual(await tier.getMany(['also-bad', 'bad']), [undefined, undefined]);
      assert.equal(tier.stats().corrupt, 2);
      assert.equal(tier.stats().entries, 0);
      assert.equal(tier.isHealthy(), true);
    } finally {
      await tier.close();
    }
  });

  it('hands back garbage written with the raw LMDB API inside valid framing, and decodeEntry rejects it', async () => {
    const path = freshDir();
    const raw = open({ path, maxDbs: 4 });
    const entries = raw.openDB<Buffer, Buffer>({ name: 'entries', encoding: 'binary', keyEncoding: 'binary' });
    // The framing documented in docs/disk-tier.md: marker 0xA3, hard expiry as float64 LE, then the envelope.
    const framing = Buffer.alloc(9);
    framing[0] = 0xa3;
    framing.writeDoubleLE(Infinity, 1);
    const garbage = Buffer.from([0x1f, 0xff, 0x00, 0x13, 0x37, 0xde, 0xad, 0xbe, 0xef]);
    await entries.put(Buffer.from('planted'), Buffer.concat([framing, garbage]));
    await raw.close();

    const tier = await DiskTier.open({ path, maxBytes: 1 << 20 });
    try {
      const stored = await tier.get('planted');
      assert.deepEqual(Buffer.from(stored as Uint8Array), garbage);
      assert.throws(() => decodeEntry(stored as Uint8Array), (err) => isStrataError(err, ErrorCode.DECODE_FAILED));
      assert.equal(tier.stats().corrupt, 0, 'valid framing is not the tier\'s corruption');
      await tier.delete('planted');
      assert.equal(await tier.get('planted'), undefined);
      assert.equal(tier.stats().entries, 0);
    } finally {
      await tier.close();
    }
  });

  it('hands back well-framed garbage as bytes that decodeEntry rejects with DECODE_FAILED', async () => {
    await withTier(async (tier) => {
      await tier.set('garbage', bytes('definitely not an envelope'), Date.now() + HOUR);
      const stored = await tier.get('garbage');
      assert.ok(stored);
      assert.throws(() => decodeEntry(stored), (err) => isStrataError(err, ErrorCode.DECODE_FAILED));
      const entry = { value: { answer: 'ok' }, createdAt: 1, expiresAt: Infinity, staleUntil: Infinity, tags: [] };
      await tier.set('good', encodeEntry(entry, { compressionThreshold: 0 }), Infinity);
      assert.deepEqual(decodeEntry((await tier.get('good')) as Uint8Array), entry);
    });
  });

  it('after an unclean shutdown, keeps an intact environment', async () => {
    const path = freshDir();
    const first = await DiskTier.open({ path, maxBytes: 1 << 20 });
    await first.set('k', bytes('kept'), Infinity);
    await first.close();
    rmSync(join(path, 'clean-shutdown'));
    const second = await DiskTier.open({ path, maxBytes: 1 << 20 });
    try {
      assert.equal(second.recoveredFromCorruption, false);
      assert.equal(text(await second.get('k')), 'kept');
    } finally {
      await second.close();
    }
  });

  it('after an unclean shutdown, replaces a damaged environment with an empty one instead of crashing', async () => {
    const path = freshDir();
    const first = await DiskTier.open({ path, maxBytes: 1 << 24 });
    await first.setMany(Array.from({ length: 500 }, (_, i) => ({ key: `k:${i}`, bytes: new Uint8Array(500).fill(i), hardExpiresAt: Infinity })));
    await first.close();
    rmSync(join(path, 'clean-shutdown'));
    const data = join(path, 'data.mdb');
    const damaged = readFileSync(data);
    damaged.fill(0x77, 8192);
    writeFileSync(data, damaged);

    const second = await DiskTier.open({ path, maxBytes: 1 << 24 });
    try {
      assert.equal(second.recoveredFromCorruption, true);
      assert.equal(second.stats().entries, 0);
      assert.equal(await second.get('k:1'), undefined);
      await second.set('k:1', bytes('fresh'), Infinity);
      assert.equal(text(await second.get('k:1')), 'fresh');
    } finally {
      await second.close();
    }
  });

  it('refuses, and leaves alone, a data.mdb that is not an LMDB file', async () => {
    const path = freshDir();
    mkdirSync(path);
    writeFileSync(join(path, 'data.mdb'), Buffer.alloc(65536, 0x5a));
    await assert.rejects(DiskTier.open({ path, maxBytes: 1 << 20 }), (err) => {
      assert.ok(isStrataError(err, ErrorCode.TIER_FAILURE));
      assert.match((err as Error).message, /not an LMDB environment/);
      return true;
    });
    assert.equal(readFileSync(join(path, 'data.mdb'))[100], 0x5a);
  });

  it('fails to open an unusable directory with TIER_FAILURE and a helpful message', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'not a directory');
    await assert.rejects(DiskTier.open({ path: join(file, 'l3'), maxBytes: 1 << 20 }), (err) => {
      assert.ok(isStrataError(err, ErrorCode.TIER_FAILURE));
      assert.match((err as Error).message, /writable directory/);
      return true;
    });
  });

  it('rejects bad options and keys with StrataErrors', async () => {
    await assert.rejects(DiskTier.open({ path: freshDir(), maxBytes: 0 }), (err) => isStrataError(err, ErrorCode.INVALID_OPTION));
    await assert.rejects(DiskTier.open({ path: '', maxBytes: 1 }), (err) => isStrataError(err, ErrorCode.INVALID_OPTION));
    await withTier(async (tier) => {
      await assert.rejects(tier.get(''), (err) => isStrataError(err, ErrorCode.INVALID_KEY));
      await assert.rejects(tier.set('x'.repeat(5000), bytes('v'), Infinity), (err) => isStrataError(err, ErrorCode.INVALID_KEY));
      await assert.rejects(tier.set('k', bytes('v'), Number.NaN), (err) => isStrataError(err, ErrorCode.INVALID_TTL));
      assert.equal(tier.isHealthy(), true);
    });
  });

  it('rejects every operation with CLOSED after close', async () => {
    const tier = await DiskTier.open({ path: freshDir(), maxBytes: 1 << 20 });
    await tier.close();
    await tier.close();
    await assert.rejects(tier.get('k'), (err) => isStrataError(err, ErrorCode.CLOSED));
    await assert.rejects(tier.set('k', bytes('v'), Infinity), (err) => isStrataError(err, ErrorCode.CLOSED));
    assert.equal(tier.isHealthy(), false);
  });

  it('rejects writes on a full disk without crashing, goes unhealthy, and recovers', () => {
    // A file-size limit makes the disk "full" for this child process only: writes fail with EFBIG/EIO.
    const script = `
      import { DiskTier } from './src/tiers/disk.ts';
      import { isStrataError } from './src/errors.ts';
      process.on('unhandledRejection', (err) => { console.log('UNHANDLED ' + err); process.exit(3); });
      const tier = await DiskTier.open({ path: ${JSON.stringify(freshDir())}, maxBytes: 1 << 30, pruneIntervalMs: 5 });
      let failure;
      for (let i = 0; i < 2000 && !failure; i++) {
        await tier.set('k' + i, new Uint8Array(4096).fill(i % 256), Infinity).catch((err) => { failure = err; });
      }
      const healthyAfterFailure = tier.isHealthy();
      const stillReads = (await tier.get('k1'))?.length;
      await tier.set('k1', new Uint8Array(10), Infinity);
      await new Promise((resolve) => setTimeout(resolve, 30));
      console.log(JSON.stringify({ code: failure?.code, strata: isStrataError(failure), healthyAfterFailure,
        stillReads, healthyAfterSmallWrite: tier.isHealthy(), errors: tier.stats().errors, message: failure?.message }));
      await tier.close();
    `;
    const child = spawnSync('bash', ['-c', 'ulimit -f 2048; exec node --import tsx --input-type=module -e "$0"', script], {
      cwd: process.cwd(),
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(child.status, 0, `child exited with ${child.status}: ${child.stdout} ${child.stderr}`);
    const lines = child.stdout.trim().split('\n');
    const report = JSON.parse(lines[lines.length - 1] as string) as Record<string, unknown>;
    assert.equal(report.code, ErrorCode.TIER_FAILURE);
    assert.equal(report.strata, true);
    assert.equal(report.healthyAfterFailure, false);
    assert.equal(report.stillReads, 4096);
    assert.equal(report.healthyAfterSmallWrite, true);
    assert.ok((report.errors as number) >= 1);
    assert.match(report.message as string, /free space/);
  });
});
