import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createStrata, ErrorCode, isStrataError, type Strata, type StrataOptions, type WarmProgress, type WarmReport } from '../src/index.js';
import { HeavyHitters } from '../src/sync/heavyHitters.js';
import { MemoryTier } from '../src/tiers/memory.js';
import { adminCommand } from '../src/redis/localTopology.js';
import { createServer } from '../src/server/index.js';
import { useRedisTopology } from './support/redis.js';

const open: Strata[] = [];
let prefixCount = 0;
after(async () => {
  await Promise.all(open.map((s) => s.close().catch(() => undefined)));
});
const topology = useRedisTopology('standalone');

function freshPrefix(): string {
  return `warm${process.pid}x${prefixCount++}`;
}

/** Every read sampled, so what an instance publishes does not depend on chance. */
function instance(url: string, prefix: string, extra: Partial<StrataOptions> = {}): Strata {
  const cache = createStrata({ prefix, l2: url, l3: false, hotKeys: { sampleEvery: 1 }, ...extra });
  open.push(cache);
  return cache;
}

const never = (): never => {
  throw new Error('the factory must not run: the value is cached');
};

/** Instance A: writes `count` keys to Redis and reads the first `hot` of them `times` times each, then publishes. */
async function publisher(url: string, prefix: string, count: number, hot: number, times = 5): Promise<Strata> {
  const a = instance(url, prefix);
  await a.ready();
  await a.setMany(Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: { n: i } })));
  for (let t = 0; t < times; t++) for (let i = 0; i < hot; i++) a.getSync(`k${i}`);
  await a.publishHotKeys();
  return a;
}

describe('HeavyHitters (Space-Saving)', () => {
  it('finds the head of a skewed stream with far fewer counters than keys', () => {
    const sketch = new HeavyHitters(64);
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    // Keys 0..9 take half the reads; 5,000 other keys share the rest.
    for (let i = 0; i < 50_000; i++) sketch.offer(random() < 0.5 ? `hot${i % 10}` : `cold${Math.floor(random() * 5000)}`);
    assert.equal(sketch.size, 64);
    const top = sketch.top(10).map((e) => e.key).sort();
    assert.deepEqual(top, Array.from({ length: 10 }, (_, i) => `hot${i}`).sort());
  });

  it('fades old counts so new keys can take over', () => {
    const sketch = new HeavyHitters(4);
    for (let i = 0; i < 100; i++) sketch.offer('old');
    sketch.decay(0.01, 0.5);
    for (let i = 0; i < 5; i++) sketch.offer('new');
    assert.equal(sketch.top(1)[0]?.key, 'new');
    sketch.decay(0.01, 0.5);
    assert.equal(sketch.size, 0);
  });
});

describe('MemoryTier.sampleReads', () => {
  it('hands over about one read in N, including misses and batched reads, and stops when told', () => {
    const tier = new MemoryTier<number>({ maxBytes: 1000 });
    const partition = tier.partition('p');
    partition.set('a', 1, 1);
    const seen: string[] = [];
    tier.sampleReads(4, (from, key) => {
      assert.equal(from, partition);
      seen.push(key);
    });
    for (let i = 0; i < 4000; i++) partition.getFresh(i % 2 === 0 ? 'a' : 'missing', 0);
    assert.ok(seen.length > 800 && seen.length < 1200, `${seen.length} samples of 4000 reads at one in 4`);
    assert.ok(seen.includes('a') && seen.includes('missing'));
    seen.length = 0;
    tier.sampleReads(1, (_, key) => seen.push(key));
    partition.noteReads(['x', 'y']);
    assert.deepEqual(seen, ['x', 'y']);
    tier.sampleReads(1, undefined);
    partition.getFresh('a', 0);
    assert.deepEqual(seen, ['x', 'y']);
    assert.throws(() => tier.sampleReads(0, () => undefined), (e) => isStrataError(e, ErrorCode.INVALID_OPTION));
  });
});

describe('warm-up of a new instance', () => {
  it('prefetches the keys instance A published into the L1 of a new instance B before B is ready', async () => {
    const { url } = await topology();
    const prefix = freshPrefix();
    await publisher(url, prefix, 200, 20);
    const b = instance(url, prefix, { hotKeys: { sampleEvery: 1, warmOnStart: { top: 20 } } });
    let done: WarmReport | undefined;
    b.on('warm:done', (report) => (done = report));
    await b.ready();
    assert.ok(done !== undefined, 'ready() resolved before the warm-up finished');
    assert.equal(done.total, 20);
    assert.equal(done.loaded, 20);
    assert.equal(b.stats().l1?.entries, 20);
    // Warmed keys are answered by L1 without a round trip; a key that was not hot comes from Redis.
    for (let i = 0; i < 20; i++) assert.deepEqual(await b.getOrSetWithInfo(`k${i}`, never), { value: { n: i }, outcome: 'hit', tier: 'l1' });
    assert.equal((await b.getOrSetWithInfo('k150', never)).tier, 'l2');
    assert.equal(b.stats().classes.default?.hits.l1, 20);
  });

  it('publishes by itself every interval, sampling one read in 16 by default', async () => {
    const { url } = await topology();
    const prefix = freshPrefix();
    const a = createStrata({ prefix, l2: url, l3: false, hotKeys: { publishIntervalMs: 100 } });
    open.push(a);
    await a.ready();
    await a.setMany(Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: i })));
    // k0..k4 take 5,000 reads, the 45 others one each: the sampled head must be exactly k0..k4.
    for (let t = 0; t < 1000; t++) for (let i = 0; i < 5; i++) a.getSync(`k${i}`);
    for (let i = 5; i < 50; i++) a.getSync(`k${i}`);
    const b = instance(url, prefix);
    let report: WarmReport | undefined;
    for (let attempt = 0; attempt < 50 && (report?.loaded ?? 0) < 5; attempt++) {
      await new Promise((r) => setTimeout(r, 50));
      report = await b.warm({ top: 5 });
    }
    assert.equal(report?.loaded, 5);
    for (let i = 0; i < 5; i++) assert.equal(b.getSync(`k${i}`), i);
    const hot = a.stats().hotKeys;
    assert.ok(hot !== undefined && hot.publications >= 1 && hot.publishFailures === 0);
    // 5,045 reads at one in 16 on average.
    assert.ok(hot.sampled > 200 && hot.sampled < 450, `${hot.sampled} reads sampled`);
  });

  it('merges the lists of several instances and keeps the hottest first', async () => {
    const { url } = await topology();
    const prefix = freshPrefix();
    const a = await publisher(url, prefix, 100, 10, 3);
    const c = instance(url, prefix);
    await c.ready();
    // C reads k50..k54 more often than A reads anything: they must rank first.
    for (let t = 0; t < 10; t++) {
      for (let i = 50; i < 55; i++) if (c.getSync(`k${i}`) === undefined) await c.get(`k${i}`);
    }
    await c.publishHotKeys();
    await a.publishHotKeys();
    const b = instance(url, prefix);
    await b.ready();
    assert.equal(b.stats().l1?.entries ?? 0, 0, 'nothing is prefetched unless asked');
    const progress: WarmProgress[] = [];
    const report = await b.warm({ top: 8, batchSize: 3, onProgress: (p) => progress.push(p) });
    assert.equal(report.total, 8);
    assert.equal(report.loaded, 8);
    assert.deepEqual(progress.map((p) => p.done), [3, 6, 8]);
    for (let i = 50; i < 55; i++) assert.equal(b.getSync(`k${i}`) !== undefined, true, `k${i} (C's hottest) was not prefetched`);
    const fromA = Array.from({ length: 10 }, (_, i) => b.getSync(`k${i}`)).filter((v) => v !== undefined);
    assert.equal(fromA.length, 3);
    const again = await b.warm({ top: 8 });
    assert.equal(again.alreadyInL1, 8);
    assert.equal(again.loaded, 0);
  });

  it('skips keys deleted since they were published, and warms only the namespaces asked for', async () => {
    const { url } = await topology();
    const prefix = freshPrefix();
    const a = await publisher(url, prefix, 10, 10);
    const other = a.namespace('other');
    await other.set('x', 1);
    other.getSync('x');
    await a.publishHotKeys();
    await a.delete('k3');
    const b = instance(url, prefix);
    await b.ready();
    const report = await b.warm({ top: 100 });
    assert.equal(report.total, 10);
    assert.equal(report.loaded, 9);
    assert.equal(report.notFound, 1);
    assert.equal(b.getSync('k3'), undefined);
    assert.equal(b.namespace('other').getSync('x'), undefined);
    const everything = await b.warm({ namespaces: '*' });
    assert.equal(everything.loaded, 1);
    const classes = [...everything.classes].sort((x, y) => x.namespace.localeCompare(y.namespace));
    assert.deepEqual(classes, [
      { namespace: 'default', className: 'default', keys: 10 },
      { namespace: 'other', className: 'default', keys: 1 },
    ]);
    assert.equal(b.namespace('other').getSync('x'), 1);
  });

  it('syncFromRedis replaces stale L1 copies with what Redis holds and drops keys Redis lost', async () => {
    const { url } = await topology();
    const prefix = freshPrefix();
    // Without the replicated log, B keeps serving its L1 copies: the case syncFromRedis is for.
    const a = instance(url, prefix, { sync: false });
    const b = instance(url, prefix, { sync: false });
    await a.set('p', 'v1');
    await a.set('q', 'v1');
    assert.equal(await b.get('p'), 'v1');
    assert.equal(await b.get('q'), 'v1');
    await a.set('p', 'v2');
    await a.delete('q');
    assert.equal(b.getSync('p'), 'v1');
    assert.equal(b.getSync('q'), 'v1');
    const report = await b.syncFromRedis(['p', 'q', 'r']);
    assert.deepEqual(report, { loaded: 1, notFound: 2, failed: 0 });
    assert.equal(b.getSync('p'), 'v2');
    assert.equal(b.getSync('q'), undefined);
  });

  it('refuses bad options with a StrataError code', async () => {
    const { url } = await topology();
    const b = instance(url, freshPrefix());
    await assert.rejects(async () => b.warm({ top: 0 }), (e) => isStrataError(e, ErrorCode.INVALID_OPTION));
    await assert.rejects(async () => b.warm({ namespaces: ['bad name'] }), (e) => isStrataError(e, ErrorCode.INVALID_OPTION));
    await assert.rejects(async () => b.syncFromRedis(['s'], { class: 'user_sessions' }), (e) => isStrataError(e, ErrorCode.INVALID_OPTION));
    assert.throws(() => createStrata({ l3: false, hotKeys: true }), (e) => isStrataError(e, ErrorCode.INVALID_OPTION));
    assert.throws(() => createStrata({ l2: url, l3: false, hotKeys: { sampleEvery: 0 } }), (e) => isStrataError(e, ErrorCode.INVALID_OPTION));
    const embedded = createStrata({ l3: false });
    open.push(embedded);
    assert.throws(() => embedded.warm(), (e) => isStrataError(e, ErrorCode.INVALID_OPTION));
  });

  it('becomes ready without its warm-up when Redis cannot be reached, and says why', async () => {
    const b = createStrata({ l2: { url: 'redis://127.0.0.1:1', tier: { timeoutMs: 100 } }, l3: false, sync: false, hotKeys: { redisTimeoutMs: 200, warmOnStart: true } });
    open.push(b);
    const errors: Array<{ operation: string; error: unknown }> = [];
    b.on('tier:error', (info) => errors.push(info));
    await b.ready();
    const warm = errors.find((e) => e.operation === 'warm');
    assert.ok(warm !== undefined, 'no tier:error for the warm-up');
    assert.ok(isStrataError(warm.error, ErrorCode.TIER_FAILURE));
  });

  it('reports /health/ready 503 while the warm-up waits for Redis, 200 once it is done', async () => {
    const { url, serverPorts } = await topology();
    const prefix = freshPrefix();
    await publisher(url, prefix, 50, 50);
    await adminCommand(serverPorts[0] as number, 'CLIENT', 'PAUSE', 1500, 'ALL');
    const b = instance(url, prefix, { sync: false, hotKeys: { sampleEvery: 1, warmOnStart: { namespaces: '*' } } });
    const server = createServer({ cache: b, port: 0 });
    const base = await server.listen();
    try {
      const early = await fetch(`${base}/health/ready`);
      assert.equal(early.status, 503);
      await b.ready();
      assert.equal(b.stats().l1?.entries, 50);
      const later = await fetch(`${base}/health/ready`);
      assert.equal(later.status, 200);
    } finally {
      await server.close();
    }
  });
});

describe('strata warm', () => {
  const tsx = import.meta.resolve('tsx');
  const cli = join(resolve('.'), 'src/cli/main.ts');
  const strata = (args: string[]) => spawnSync(process.execPath, ['--import', tsx, cli, 'warm', ...args], { encoding: 'utf8', env: { ...process.env, STRATA_REDIS_URL: '' } });

  it('prints progress lines and a JSON summary of the keys it prefetched', async () => {
    const { url } = await topology();
    const prefix = freshPrefix();
    await publisher(url, prefix, 30, 30);
    const run = strata(['--redis', url, '--prefix', prefix, '--top', '25', '--json']);
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as WarmReport;
    assert.equal(report.total, 25);
    assert.equal(report.loaded, 25);
    assert.match(run.stderr, /^warm: 25\/25 keys, 25 loaded$/m);
    const text = strata(['--redis', url, '--prefix', prefix, '--namespace', 'default']);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /Warmed 30 of 30 hot keys/);
  });

  it('strata serve with Redis warms its L1 from the published hot keys before /health/ready says ready', async () => {
    const { url } = await topology();
    const prefix = freshPrefix();
    await publisher(url, prefix, 40, 40);
    const child = spawn(process.execPath, ['--import', tsx, cli, 'serve', '--redis', url, '--prefix', prefix, '--no-l3', '--port', '0', '--log-level', 'warn'], { env: { ...process.env, STRATA_REDIS_URL: '' } });
    try {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      let base: string | undefined;
      for (let i = 0; i < 400 && base === undefined; i++) {
        await new Promise((r) => setTimeout(r, 50));
        base = /Dashboard: (http:\/\/127\.0\.0\.1:\d+)\//.exec(output)?.[1];
      }
      assert.ok(base !== undefined, `strata serve did not start:\n${output}`);
      let status = 0;
      for (let i = 0; i < 200 && status !== 200; i++) {
        status = (await fetch(`${base}/health/ready`)).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(status, 200);
      const stats = (await (await fetch(`${base}/v1/stats`)).json()) as { tiers: { l1: { entries: number } } };
      assert.equal(stats.tiers.l1.entries, 40);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('warms a running server through POST /v1/warm, which streams its progress, and strata warm --url follows it', async () => {
    const { url } = await topology();
    const prefix = freshPrefix();
    await publisher(url, prefix, 30, 30);
    const b = instance(url, prefix);
    await b.ready();
    const server = createServer({ cache: b, port: 0 });
    const base = await server.listen();
    const noRedis = createStrata({ l3: false });
    open.push(noRedis);
    const plain = createServer({ cache: noRedis, port: 0 });
    const plainBase = await plain.listen();
    try {
      const post = (at: string, body: unknown) => fetch(`${at}/v1/warm`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const response = await post(base, { top: 10, namespaces: ['default'] });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /application\/x-ndjson/);
      const lines = (await response.text()).trim().split('\n').map((line) => JSON.parse(line) as { progress?: WarmProgress; report?: WarmReport });
      assert.ok(lines.some((line) => line.progress !== undefined), 'progress lines come before the report');
      assert.equal(lines.at(-1)?.report?.loaded, 10);
      assert.equal(b.stats().l1?.entries, 10);
      assert.equal((await post(base, { top: 0 })).status, 400);
      assert.equal((await post(base, { namespaces: ['no such ns!'] })).status, 400);
      const withoutRedis = await post(plainBase, {});
      assert.equal(withoutRedis.status, 400);
      assert.match(await withoutRedis.text(), /INVALID_OPTION/);
      // The server answers while the CLI runs, so the CLI must not block this process's event loop.
      const child = spawn(process.execPath, ['--import', tsx, cli, 'warm', '--url', base, '--top', '20', '--json'], { env: { ...process.env, STRATA_REDIS_URL: '' } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const status = await new Promise<number | null>((done) => child.on('close', done));
      assert.equal(status, 0, stderr);
      assert.equal((JSON.parse(stdout) as WarmReport).total, 20);
      assert.match(stderr, /^warm: 20\/20 keys/m);
      assert.equal(b.stats().l1?.entries, 20);
    } finally {
      await server.close();
      await plain.close();
    }
  });

  it('explains bad flags and a missing Redis URL with the error code', () => {
    const noRedis = strata([]);
    assert.equal(noRedis.status, 2);
    assert.match(noRedis.stderr, /needs a server or Redis.*\(INVALID_OPTION\)/);
    const badTop = strata(['--redis', 'redis://127.0.0.1:1', '--top', 'many']);
    assert.equal(badTop.status, 2);
    assert.match(badTop.stderr, /--top: expected a positive whole number.*\(INVALID_OPTION\)/);
    const unknown = strata(['--redis', 'redis://127.0.0.1:1', '--frobnicate']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown option.*\(INVALID_OPTION\)/);
    const help = spawnSync(process.execPath, ['--import', tsx, cli, 'warm', '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Usage: strata warm/);
  });
});
