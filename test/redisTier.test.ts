import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRedisClient } from '../src/redis/connection.js';
import { adminClient } from '../src/redis/localTopology.js';
import { RedisTier } from '../src/tiers/redis.js';
import { ErrorCode, isStrataError } from '../src/errors.js';
import { useRedisTopology } from './support/redis.js';

const topology = useRedisTopology('standalone');

describe('RedisTier on a standalone server', () => {
  let tier: RedisTier;
  let port: number;
  const admin = () => adminClient(port);

  before(async () => {
    const t = await topology();
    port = t.serverPorts[0] as number;
    tier = new RedisTier(createRedisClient({ url: t.url, keyPrefix: 'strata-test:' }), {
      timeoutMs: 300,
      replicaWaitTimeoutMs: 100,
      writeRetries: 1,
      breaker: { failureThreshold: 3, windowMs: 5000, openDurationMs: 300 },
    });
  });
  after(async () => {
    await tier.close();
  });

  it('reads back the exact bytes it wrote and misses an absent key', async () => {
    const bytes = randomBytes(2048);
    await tier.set('a', bytes, Date.now() + 60_000);
    assert.deepEqual(Buffer.from((await tier.get('a')) as Uint8Array), bytes);
    assert.equal(await tier.get('absent'), undefined);
    const stats = tier.stats();
    assert.ok(stats.hits >= 1 && stats.misses >= 1);
  });

  it('stores the entry under the key prefix with PX set to the hard expiry', async () => {
    await tier.set('ttl', Buffer.from('x'), Date.now() + 30_000);
    const client = admin();
    await client.connect();
    const pttl = await client.pttl('strata-test:ttl');
    client.disconnect();
    assert.ok(pttl > 25_000 && pttl <= 30_000, `PTTL ${pttl}`);
  });

  it('does not write an entry whose hard expiry has already passed, and keeps no expiry for Infinity', async () => {
    await tier.set('past', Buffer.from('x'), Date.now() - 1);
    assert.equal(await tier.get('past'), undefined);
    await tier.set('forever', Buffer.from('y'), Infinity);
    const client = admin();
    await client.connect();
    assert.equal(await client.pttl('strata-test:forever'), -1);
    client.disconnect();
  });

  it('round-trips getMany / setMany / deleteMany, keeping the order of the keys', async () => {
    const items = Array.from({ length: 50 }, (_, i) => ({ key: `many:${i}`, bytes: Buffer.from(`v${i}`), hardExpiresAt: Date.now() + 60_000 }));
    await tier.setMany(items);
    const keys = ['many:missing', ...items.map((i) => i.key)];
    const values = await tier.getMany(keys);
    assert.equal(values[0], undefined);
    items.forEach((item, i) => assert.equal(Buffer.from(values[i + 1] as Uint8Array).toString(), `v${i}`));
    await tier.deleteMany(items.slice(0, 25).map((i) => i.key));
    const after = await tier.getMany(items.map((i) => i.key));
    assert.equal(after.filter((v) => v === undefined).length, 25);
    assert.ok(after.slice(25).every((v) => v !== undefined));
  });

  it('deletes by pattern with SCAN, only under its own prefix', async () => {
    await tier.setMany(Array.from({ length: 30 }, (_, i) => ({ key: `pat:${i}`, bytes: Buffer.from('p'), hardExpiresAt: Date.now() + 60_000 })));
    const client = admin();
    await client.connect();
    await client.set('other-app:pat:1', 'keep');
    assert.equal(await tier.deletePattern('pat:*'), 30);
    assert.equal(await tier.get('pat:3'), undefined);
    assert.equal(await client.get('other-app:pat:1'), 'keep');
    client.disconnect();
  });

  it('reads a key holding another Redis type as a miss, and random bytes as bytes', async () => {
    const client = admin();
    await client.connect();
    await client.hset('strata-test:hash', 'f', 'v');
    await client.rpush('strata-test:list', 'a', 'b');
    const garbage = randomBytes(64);
    await client.set('strata-test:garbage', garbage);
    client.disconnect();
    const before = tier.stats().wrongTypeKeys;
    assert.equal(await tier.get('hash'), undefined);
    assert.equal(await tier.get('list'), undefined);
    assert.equal(tier.stats().wrongTypeKeys, before + 2);
    assert.deepEqual(Buffer.from((await tier.get('garbage')) as Uint8Array), garbage);
    const many = await tier.getMany(['hash', 'garbage', 'list']);
    assert.equal(many[0], undefined);
    assert.equal(many[2], undefined);
    assert.deepEqual(Buffer.from(many[1] as Uint8Array), garbage);
    assert.ok(tier.isHealthy());
  });

  it('getOrClaim returns a stored value untouched, and sets the claim key (NX, with its TTL) only when the key is missing', async () => {
    const bytes = randomBytes(300);
    await tier.set('claim:present', bytes, Date.now() + 60_000);
    const hit = await tier.getOrClaim('claim:present', { key: 'claim:present:lock', value: 'a', ttlMs: 5_000 });
    assert.deepEqual(Buffer.from(hit.bytes as Uint8Array), bytes);
    assert.equal(hit.claimed, undefined);
    const client = admin();
    await client.connect();
    assert.equal(await client.exists('strata-test:claim:present:lock'), 0);
    const first = await tier.getOrClaim('claim:cold', { key: 'claim:cold:lock', value: 'a', ttlMs: 5_000 });
    assert.deepEqual(first, { bytes: undefined, claimed: true });
    const second = await tier.getOrClaim('claim:cold', { key: 'claim:cold:lock', value: 'b', ttlMs: 5_000 });
    assert.deepEqual(second, { bytes: undefined, claimed: false });
    assert.equal(await client.get('strata-test:claim:cold:lock'), 'a');
    const pttl = await client.pttl('strata-test:claim:cold:lock');
    assert.ok(pttl > 0 && pttl <= 5_000, `PTTL ${pttl}`);
    await client.rpush('strata-test:claim:list', 'x');
    const wrongType = await tier.getOrClaim('claim:list', { key: 'claim:list:lock', value: 'c', ttlMs: 5_000 });
    assert.deepEqual(wrongType, { bytes: undefined, claimed: true });
    client.disconnect();
  });

  it('getWith settles with what its callbacks make of the reply, a miss, a bad key, or a callback that throws', async () => {
    const bytes = randomBytes(100);
    await tier.set('with:present', bytes, Date.now() + 60_000);
    const seen = (found: Uint8Array | undefined) => (found === undefined ? 'miss' : Buffer.from(found).toString('hex'));
    const failedWith = (error: unknown) => (isStrataError(error) ? `failed ${error.code}` : 'failed other');
    assert.equal(await tier.getWith('with:present', seen, failedWith), bytes.toString('hex'));
    assert.equal(await tier.getWith('with:absent', seen, failedWith), 'miss');
    assert.equal(await tier.getWith('', seen, failedWith), 'failed INVALID_KEY');
    await assert.rejects(
      tier.getWith('with:present', () => {
        throw new Error('reader broke');
      }, failedWith),
      /reader broke/,
    );
  });

  it('rejects a replicated write that no replica acknowledged, and counts it', async () => {
    const before = tier.stats();
    await assert.rejects(
      tier.set('replicated', Buffer.from('r'), Date.now() + 60_000, { replicas: 1 }),
      (err: unknown) => isStrataError(err, 'TIER_FAILURE'),
    );
    const after = tier.stats();
    assert.ok(after.unacknowledgedWrites > before.unacknowledgedWrites);
    assert.equal(after.droppedWrites, before.droppedWrites + 1);
    assert.ok(tier.isHealthy(), 'a missing replica is not an outage');
  });

  it('rejects bad input without throwing synchronously', async () => {
    const calls = [
      () => tier.get(''),
      () => tier.set('k', 'not bytes' as unknown as Uint8Array, Date.now() + 1000),
      () => tier.set('k', Buffer.from('x'), Number.NaN),
      () => tier.deletePattern(''),
    ];
    for (const call of calls) {
      let promise: Promise<unknown> | undefined;
      assert.doesNotThrow(() => {
        promise = call();
      });
      await assert.rejects(promise as Promise<unknown>, (err: unknown) => isStrataError(err));
    }
  });

  it('sends the reads of one tick as one MGET (a key of another type reads as a miss), and one GET each with coalescing off', async () => {
    const client = admin();
    await client.connect();
    const calls = async (command: string) => {
      const info = await client.info('commandstats');
      return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
    };
    const values = Array.from({ length: 40 }, (_, i) => randomBytes(32 + i));
    await tier.setMany(values.map((bytes, i) => ({ key: `tick:${i}`, bytes, hardExpiresAt: Date.now() + 60_000 })));
    await client.hset('strata-test:tick:hash', 'f', 'v');
    const keys = [...values.map((_, i) => `tick:${i}`), 'tick:absent', 'tick:hash'];
    const [mgetBefore, getBefore] = [await calls('mget'), await calls('get')];
    const read = await Promise.all(keys.map((key) => tier.get(key)));
    assert.equal((await calls('mget')) - mgetBefore, 1, 'one MGET for the tick');
    assert.equal((await calls('get')) - getBefore, 0, 'no single GET');
    values.forEach((bytes, i) => assert.deepEqual(Buffer.from(read[i] as Uint8Array), bytes));
    assert.equal(read[40], undefined);
    assert.equal(read[41], undefined);

    const perKey = new RedisTier(createRedisClient({ url: (await topology()).url, keyPrefix: 'strata-test:' }), { coalesceReads: false });
    try {
      const [mgetAt, getAt] = [await calls('mget'), await calls('get')];
      const again = await Promise.all(keys.map((key) => perKey.get(key)));
      assert.equal((await calls('mget')) - mgetAt, 0);
      assert.equal((await calls('get')) - getAt, keys.length);
      assert.deepEqual(again, read);
      assert.equal(perKey.stats().wrongTypeKeys, 1, 'a single GET still sees WRONGTYPE');
    } finally {
      await perKey.close();
      client.disconnect();
    }
    const connection = createRedisClient({ url: (await topology()).url });
    assert.throws(
      () => new RedisTier(connection, { coalesceReads: 'yes' as unknown as boolean }),
      (err: unknown) => isStrataError(err, ErrorCode.INVALID_OPTION),
    );
    await connection.close();
  });

  it('opens the breaker while the server is down, fails fast, and closes after it is back', async () => {
    const t = await topology();
    const node = t.nodes[0]!;
    const transitions: string[] = [];
    tier.breaker.onStateChange((to) => transitions.push(to));
    await tier.set('survivor', Buffer.from('s'), Infinity);
    await t.kill(node.name);

    const codes = new Set<string>();
    // Reads of one tick share an MGET: each of them fails on its own, with a StrataError.
    for (const outcome of await Promise.allSettled(Array.from({ length: 8 }, (_, i) => tier.get(`survivor-${i}`)))) {
      codes.add(outcome.status === 'fulfilled' ? 'ok' : isStrataError(outcome.reason) ? outcome.reason.code : 'other');
    }
    for (let i = 0; i < 20; i++) {
      await tier.get('survivor').then(
        () => codes.add('ok'),
        (err: unknown) => codes.add(isStrataError(err) ? err.code : 'other'),
      );
    }
    assert.ok(!codes.has('ok') && !codes.has('other'), [...codes].join());
    assert.ok(codes.has('CIRCUIT_OPEN'), [...codes].join());
    assert.equal(tier.isHealthy(), false);
    await assert.rejects(tier.set('while-down', Buffer.from('x'), Infinity), (err: unknown) => isStrataError(err));

    await t.restart(node.name);
    const deadline = Date.now() + 15_000;
    let value: Uint8Array | undefined;
    while (Date.now() < deadline) {
      value = await tier.get('absent-after-restart').then(
        () => Buffer.from('up'),
        () => undefined,
      );
      if (value !== undefined) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(value !== undefined, 'reads succeed again after the restart');
    assert.equal(tier.breaker.state, 'closed');
    assert.ok(tier.isHealthy());
    assert.deepEqual(transitions.slice(0, 2), ['open', 'half-open']);
    assert.ok(transitions.includes('closed'));
  });
});
