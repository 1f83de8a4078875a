import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStrata, type Strata, type StrataOptions } from '../src/index.js';
import { adminCommand } from '../src/redis/localTopology.js';
import { useRedisTopology } from './support/redis.js';

const dirs: string[] = [];
const open: Strata[] = [];
let prefixCount = 0;
// Registered before the topology's own hook, so the caches close while Redis is still up.
after(async () => {
  await Promise.all(open.map((s) => s.close().catch(() => undefined)));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const topology = useRedisTopology('standalone');

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'strata-coherence-'));
  dirs.push(dir);
  return dir;
}

/** A fresh key prefix per test, so tests share the Redis server but not a log. */
function freshPrefix(): string {
  return `coh${process.pid}x${prefixCount++}`;
}

async function instance(url: string, prefix: string, extra: Partial<StrataOptions> = {}): Promise<Strata> {
  const cache = createStrata({ prefix, l2: { url, tier: { timeoutMs: 500, breaker: { openDurationMs: 100 } } }, l3: false, ...extra });
  open.push(cache);
  await cache.ready();
  return cache;
}

/** Waits until `cache` has applied more remote events than `before` (bounded, so a lost event fails the test). */
async function appliedAfter(cache: Strata, before: number, count = 1): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if ((cache.stats().sync?.applied ?? 0) >= before + count) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail(`the instance applied ${cache.stats().sync?.applied} events, expected ${before + count}`);
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** Reads until Redis answers again (a read falls through to nothing while the circuit is open); never the old value. */
async function readsEventually(cache: Strata, key: string, expected: unknown): Promise<void> {
  let value: unknown;
  await waitFor(`${key} to be readable`, async () => {
    value = await cache.get(key);
    return value !== undefined;
  });
  assert.equal(value, expected);
}

function applied(cache: Strata): number {
  return cache.stats().sync?.applied ?? 0;
}

/** A TCP relay to Redis that the test can cut (every socket destroyed, new ones refused) and restore. */
class CuttableLink {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: number) {}

  async up(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target, '127.0.0.1');
      this.sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => (this.server as Server).listen(this.port, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address !== null && typeof address === 'object') this.port = address.port;
  }

  async cut(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => (this.server as Server).close(() => resolve()));
  }
}

describe('coherence across instances sharing one Redis', () => {
  it('a delete, tag invalidation, namespace clear and pattern delete on A are not served by B afterwards', async () => {
    const { url } = await topology();
    const prefix = freshPrefix();
    const a = await instance(url, prefix);
    const b = await instance(url, prefix);

    await a.set('doc:1', 'v1');
    await a.set('doc:2', 'v2', { tags: ['product:42'] });
    await a.set('user:1:a', 'u1');
    await a.set('user:2:a', 'u2');
    await b.set('other', 'o');
    for (const key of ['doc:1', 'doc:2', 'user:1:a', 'user:2:a']) assert.notEqual(await b.get(key), undefined, key);
    assert.equal(b.getSync('doc:1'), 'v1', 'B holds doc:1 in L1');

    let before = applied(b);
    await a.delete('doc:1');
    await appliedAfter(b, before);
    assert.equal(b.getSync('doc:1'), undefined);
    assert.equal(await b.get('doc:1'), undefined);

    before = applied(b);
    await a.invalidateTags(['product:42']);
    await appliedAfter(b, before);
    assert.equal(await b.get('doc:2'), undefined);

    before = applied(b);
    await a.deletePattern('user:1:*');
    await appliedAfter(b, before);
    assert.equal(await b.get('user:1:a'), undefined);
    assert.equal(await b.get('user:2:a'), 'u2', 'keys outside the pattern stay');

    before = applied(b);
    await a.clear();
    await appliedAfter(b, before);
    assert.equal(await b.get('user:2:a'), undefined);
    assert.equal(await b.get('other'), undefined);
  });

  it('a set on A replaces the value B holds in L1', async () => {
    const { url } = await topology();
    const prefix = freshPrefix();
    const a = await instance(url, prefix);
    const b = await instance(url, prefix);
    await a.set('price', 10);
    assert.equal(await b.get('price'), 10);
    const before = applied(b);
    await a.set('price', 12);
    await appliedAfter(b, before);
    assert.equal(await b.get('price'), 12);
    assert.equal(a.stats().sync?.published, 2);
  });

  it('a new instance loads the tag invalidations recorded before it started', async () => {
    const { url } = await topology();
    const prefix = freshPrefix();
    const a = await instance(url, prefix);
    const l3 = tempDir();
    // An instance with a disk tier that holds an entry tagged product:7, then goes away.
    const old = await instance(url, prefix, { l3: { path: l3 } });
    await old.set('answer', 'old', { tags: ['product:7'] });
    await old.close();
    await a.invalidateTags(['product:7']);
    // Redis lost the entry too (eviction): only the tag time can stop the disk copy.
    await adminCommand(Number(new URL(url).port), 'DEL', `${prefix}:default:default:answer`);
    const fresh = await instance(url, prefix, { l3: { path: l3 } });
    assert.equal(await fresh.get('answer'), undefined);
  });

  it('an instance restarted on its disk tier replays what it missed, and drops everything when its position was trimmed', async () => {
    const { url } = await topology();
    const port = Number(new URL(url).port);
    const prefix = freshPrefix();
    const sync = { maxLen: 10 };
    const a = await instance(url, prefix, { sync });
    const l3 = tempDir();
    let b = await instance(url, prefix, { l3: { path: l3 }, sync });
    await b.set('kept', 'k');
    await b.set('gone', 'g');
    await b.close();

    // Missed while down, still in the stream: replayed on restart, the rest of the disk tier survives.
    await a.delete('gone');
    await adminCommand(port, 'DEL', `${prefix}:default:default:kept`);
    b = await instance(url, prefix, { l3: { path: l3 }, sync });
    assert.equal(b.stats().sync?.repairs, 0, 'its position was still in the stream');
    assert.equal(await b.get('kept'), 'k', 'served from the disk tier');
    await waitFor('the missed delete to be replayed', () => (b.stats().sync?.applied ?? 0) >= 1);
    assert.equal(await b.get('gone'), undefined);
    await b.set('stale', 's1');
    await b.close();

    // Missed while down and trimmed away: the restarted instance cannot know what changed, so it keeps nothing.
    await a.set('stale', 's2');
    for (let i = 0; i < 300; i++) await a.delete(`noise:${i}`);
    await adminCommand(port, 'XTRIM', `${prefix}:log`, 'MAXLEN', '5');
    await adminCommand(port, 'DEL', `${prefix}:default:default:stale`, `${prefix}:default:default:kept`);
    b = await instance(url, prefix, { l3: { path: l3 }, sync });
    assert.equal(b.stats().sync?.repairs, 1);
    assert.equal(await b.get('stale'), undefined);
    assert.equal(await b.get('kept'), undefined);
  });

  it('after its Redis connection was cut while invalidations happened, an instance serves nothing stale', async () => {
    const { url } = await topology();
    const port = Number(new URL(url).port);
    const prefix = freshPrefix();
    const a = await instance(url, prefix, { sync: { maxLen: 10 } });
    const link = new CuttableLink(port);
    await link.up();
    const b = await instance(`redis://127.0.0.1:${link.port}`, prefix, { sync: { maxLen: 10, blockMs: 200 } });
    await a.set('p1', 'old');
    await a.set('p2', 'old', { tags: ['product:1'] });
    await a.set('p3', 'old');
    // A's set events may reach B after B's reads below and drop what they filled: let them land first.
    await waitFor('B to apply the three set events', () => (b.stats().sync?.applied ?? 0) >= 3);
    assert.equal(await b.get('p1'), 'old');
    assert.equal(await b.get('p2'), 'old');
    assert.equal(await b.get('p3'), 'old');

    await link.cut();
    await a.set('p1', 'new');
    await a.invalidateTags(['product:1']);
    await a.delete('p3');
    assert.equal(b.getSync('p1'), 'old', 'B cannot know yet');
    const appliedBefore = b.stats().sync?.applied ?? 0;
    await link.up();
    await waitFor('B to catch up', () => (b.stats().sync?.applied ?? 0) >= appliedBefore + 3 && b.stats().sync?.connected === true);
    assert.equal(b.getSync('p1'), undefined);
    await readsEventually(b, 'p1', 'new');
    assert.equal(await b.get('p2'), undefined);
    assert.equal(await b.get('p3'), undefined);

    // A second cut, long enough for the stream to be trimmed past B's position: B drops its copies.
    const appliedBeforeQ = b.stats().sync?.applied ?? 0;
    await a.set('q', 'old');
    await waitFor('B to apply the set event of q', () => (b.stats().sync?.applied ?? 0) > appliedBeforeQ);
    assert.equal(await b.get('q'), 'old');
    await link.cut();
    await a.set('q', 'new');
    for (let i = 0; i < 300; i++) await a.delete(`noise:${i}`);
    await adminCommand(port, 'XTRIM', `${prefix}:log`, 'MAXLEN', '5');
    await link.up();
    await waitFor('B to repair', () => (b.stats().sync?.repairs ?? 0) >= 1);
    assert.equal(b.getSync('q'), undefined);
    await readsEventually(b, 'q', 'new');
    await b.close();
    await link.cut();
  });
});
