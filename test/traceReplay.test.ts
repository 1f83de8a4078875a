import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { isStrataError } from '../src/errors.js';
import { readTrace, replayTrace } from '../src/tiers/traceReplay.js';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-trace-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('readTrace', () => {
  it('reads one key a line, skipping * lines, blank lines and surrounding spaces', async () => {
    const trace = await readTrace(file('keys.txt', '7\n*\n 8 \r\n\n7\n*\nabc\n8'), 'lines');
    assert.deepEqual([...trace.requests], [0, 1, 0, 2, 1]);
    assert.equal(trace.distinctKeys, 3);
  });

  it('reads gzip-compressed traces the same as plain ones', async () => {
    const text = Array.from({ length: 5000 }, (_, i) => String((i * 31) % 97)).join('\n');
    const plain = await readTrace(file('plain.txt', text), 'lines');
    const gz = await readTrace(file('plain.txt.gz', gzipSync(text)), 'lines');
    assert.deepEqual(gz, plain);
    assert.equal(plain.requests.length, 5000);
    assert.equal(plain.distinctKeys, 97);
  });

  it('reads big-endian 32- and 64-bit keys', async () => {
    const u32 = Buffer.alloc(16);
    [1, 0xffffffff, 1, 5].forEach((v, i) => u32.writeUInt32BE(v, i * 4));
    const trace32 = await readTrace(file('keys.u32', u32), 'u32be');
    assert.deepEqual([...trace32.requests], [0, 1, 0, 2]);

    const u64 = Buffer.alloc(32);
    [1n, 2n ** 60n + 1n, 2n ** 60n + 2n, 1n].forEach((v, i) => u64.writeBigUInt64BE(v, i * 8));
    const trace64 = await readTrace(file('keys.u64', u64), 'u64be');
    assert.deepEqual([...trace64.requests], [0, 1, 2, 0]);
  });

  it('reads xz-compressed traces through the xz program', { skip: spawnSync('xz', ['--version']).status !== 0 }, async () => {
    const keys = Buffer.alloc(4 * 1000);
    for (let i = 0; i < 1000; i++) keys.writeUInt32BE(i % 10, i * 4);
    const path = file('keys.u32.xz', spawnSync('xz', ['-c'], { input: keys }).stdout);
    const trace = await readTrace(path, 'u32be');
    assert.equal(trace.requests.length, 1000);
    assert.equal(trace.distinctKeys, 10);
  });

  it('asks to install xz-utils when the xz program is missing', async () => {
    const path = file('keys.xz', Buffer.alloc(8));
    const savedPath = process.env.PATH;
    process.env.PATH = dir;
    try {
      await assert.rejects(readTrace(path, 'u32be'), (err) => isStrataError(err, 'INVALID_INPUT') && /install xz-utils/.test(err.message));
    } finally {
      process.env.PATH = savedPath;
    }
  });

  it('fails with INVALID_INPUT on a missing file, a truncated binary trace or corrupt compression', async () => {
    await assert.rejects(readTrace(join(dir, 'missing.gz'), 'lines'), (err) => isStrataError(err, 'INVALID_INPUT'));
    await assert.rejects(readTrace(file('short.u32', Buffer.alloc(6)), 'u32be'), (err) => isStrataError(err, 'INVALID_INPUT'));
    await assert.rejects(readTrace(file('bad.gz', 'not gzip at all'), 'lines'), (err) => isStrataError(err, 'INVALID_INPUT'));
    await assert.rejects(readTrace(file('bad.xz', 'not xz at all'), 'u32be'), (err) => isStrataError(err, 'INVALID_INPUT'));
  });
});

describe('replayTrace', () => {
  it('gives the exact hit ratio of a working set that fits', () => {
    const requests = Int32Array.from({ length: 1000 }, (_, i) => i % 10);
    const trace = { requests, distinctKeys: 10 };
    assert.equal(replayTrace(trace, 20, 'lru'), 990 / 1000);
    assert.equal(replayTrace(trace, 20, 'tinylfu'), 990 / 1000);
  });

  it('stays within a point of LRU on a recency-heavy trace (a sliding working set)', () => {
    let seed = 1;
    const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const requests = Int32Array.from({ length: 100_000 }, (_, i) => Math.floor(i / 20) + Math.floor(random() * random() * 300));
    const trace = { requests, distinctKeys: Math.max(...requests) + 1 };
    for (const capacity of [50, 100, 200]) {
      const lru = replayTrace(trace, capacity, 'lru');
      const policy = replayTrace(trace, capacity, 'tinylfu');
      assert.ok(policy >= lru - 0.01, `capacity ${capacity}: policy ${policy}, LRU ${lru}`);
    }
  });

  it('beats LRU on a loop slightly larger than the cache, where LRU never hits', () => {
    const requests = Int32Array.from({ length: 20_000 }, (_, i) => i % 120);
    const trace = { requests, distinctKeys: 120 };
    assert.equal(replayTrace(trace, 100, 'lru'), 0);
    assert.ok(replayTrace(trace, 100, 'tinylfu') > 0.5);
  });
});
