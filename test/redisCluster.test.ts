import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import calculateSlot from 'cluster-key-slot';
import { createRedisClient, type RedisConnection } from '../src/redis/connection.js';
import { adminCommand, waitForClusterHealthy } from '../src/redis/localTopology.js';
import { RedisMonitor } from '../src/redis/monitor.js';
import { RedisTier } from '../src/tiers/redis.js';
import { ErrorCode, isStrataError } from '../src/errors.js';
import type { Cluster } from 'ioredis';
import { failoverUnderLoad, useRedisTopology } from './support/redis.js';

const topology = useRedisTopology('cluster');

/** Slot ranges per master port, from CLUSTER SLOTS. */
async function slotOwners(port: number): Promise<Array<{ start: number; end: number; port: number }>> {
  const reply = (await adminCommand(port, 'CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>;
  return reply.map(([start, end, [, masterPort]]) => ({ start, end, port: Number(masterPort) }));
}

async function masterPorts(port: number): Promise<number[]> {
  return [...new Set((await slotOwners(port)).map((r) => r.port))];
}

/**
 * Waits until every node's CLUSTER NODES names 3 masters and 3 replicas: right after `cluster create` a node may
 * still list the replicas as masters until gossip reaches it, which the monitor tests would report as they see it.
 */
async function waitForRolesAgreed(ports: number[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const views = await Promise.all(ports.map(async (port) => String(await adminCommand(port, 'CLUSTER', 'NODES'))));
    const agreed = views.every((view) => {
      const flags = view.split('\n').filter((l) => l.trim() !== '').map((l) => l.split(' ')[2] ?? '');
      return flags.filter((f) => f.includes('master')).length === 3 && flags.filter((f) => f.includes('slave')).length === 3;
    });
    if (agreed) return;
    if (Date.now() > deadline) throw new Error(`cluster nodes do not agree on roles:\n${views.join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('RedisTier on a 3+3 Redis Cluster', () => {
  let tier: RedisTier;
  let monitor: RedisMonitor;
  let monitorConnection: RedisConnection;
  let seed: number;

  before(async () => {
    const t = await topology();
    seed = t.serverPorts[0] as number;
    await waitForRolesAgreed(t.serverPorts);
    // The L2 defaults (soft timeout, WAIT timeout, breaker), so the logged recovery is what an application gets.
    tier = new RedisTier(createRedisClient({ url: t.url, keyPrefix: 'strata:' }));
    monitorConnection = createRedisClient(t.url);
    monitor = new RedisMonitor(monitorConnection);
    // The client loads the slot map on its first command; on a loaded machine that can outlast one soft timeout.
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        await tier.get('warm-up');
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await tier.delete('warm-up');
  });
  after(async () => {
    await tier.close();
    await monitor.close();
    await monitorConnection.close();
  });

  it('writes, reads and deletes 1,000 keys spread over every master without CROSSSLOT errors', async () => {
    const errorsBefore = tier.stats().errors;
    const items = Array.from({ length: 1000 }, (_, i) => ({ key: `bulk:${i}`, bytes: Buffer.from(`value-${i}`), hardExpiresAt: Date.now() + 60_000 }));
    const slots = new Set(items.map((i) => calculateSlot(`strata:${i.key}`)));
    assert.ok(slots.size > 900, `keys cover ${slots.size} slots`);
    await tier.setMany(items);
    const values = await tier.getMany(items.map((i) => i.key));
    values.forEach((v, i) => assert.equal(Buffer.from(v as Uint8Array).toString(), `value-${i}`));

    const perMaster = await Promise.all((await masterPorts(seed)).map((p) => adminCommand(p, 'DBSIZE')));
    assert.equal(perMaster.length, 3);
    assert.ok(perMaster.every((n) => Number(n) > 200), `keys per master: ${perMaster.join(',')}`);

    await tier.deleteMany(items.map((i) => i.key));
    const gone = await tier.getMany(items.map((i) => i.key));
    assert.ok(gone.every((v) => v === undefined));
    assert.equal(tier.stats().errors, errorsBefore);
  });

  it('deletes by pattern on every master and leaves other prefixes alone', async () => {
    const items = Array.from({ length: 300 }, (_, i) => ({ key: `doc:${i}`, bytes: Buffer.from('d'), hardExpiresAt: Date.now() + 60_000 }));
    await tier.setMany(items);
    await tier.setMany([{ key: 'keep:doc:1', bytes: Buffer.from('k'), hardExpiresAt: Date.now() + 60_000 }]);
    const other = new RedisTier(createRedisClient({ url: (await topology()).url, keyPrefix: 'other:' }));
    await other.setMany(items.slice(0, 50));
    try {
      assert.equal(await tier.deletePattern('doc:*'), 300);
      assert.ok((await tier.getMany(items.map((i) => i.key))).every((v) => v === undefined));
      assert.notEqual(await tier.get('keep:doc:1'), undefined);
      assert.ok((await other.getMany(items.slice(0, 50).map((i) => i.key))).every((v) => v !== undefined));
    } finally {
      await other.deletePattern('*');
      await other.close();
    }
  });

  it('reads a key of another type as a miss', async () => {
    const owner = (await slotOwners(seed)).find((r) => r.start <= calculateSlot('strata:a-hash') && calculateSlot('strata:a-hash') <= r.end);
    await adminCommand(owner!.port, 'HSET', 'strata:a-hash', 'f', 'v');
    assert.equal(await tier.get('a-hash'), undefined);
    assert.equal((await tier.getMany(['a-hash']))[0], undefined);
  });

  it('getOrClaim takes the claim in the read when both keys share a slot, and leaves it to the caller when they do not', async () => {
    const together = await tier.getOrClaim('{user42}:v', { key: '{user42}:lock', value: 't', ttlMs: 5_000 });
    assert.deepEqual(together, { bytes: undefined, claimed: true });
    assert.equal((await tier.getOrClaim('{user42}:v', { key: '{user42}:lock', value: 'u', ttlMs: 5_000 })).claimed, false);
    let apart = 'apart:0';
    for (let i = 1; calculateSlot(`strata:${apart}`) === calculateSlot(`strata:${apart}:lock`); i++) apart = `apart:${i}`;
    const missing = await tier.getOrClaim(apart, { key: `${apart}:lock`, value: 'v', ttlMs: 5_000 });
    assert.deepEqual(missing, { bytes: undefined, claimed: undefined });
    await tier.set(apart, Buffer.from('stored'), Date.now() + 60_000);
    const read = await tier.getOrClaim(apart, { key: `${apart}:lock`, value: 'v', ttlMs: 5_000 });
    assert.equal(Buffer.from(read.bytes as Uint8Array).toString(), 'stored');
    assert.equal(read.claimed, undefined);
  });

  it('acknowledges replicas:1 writes on every shard', async () => {
    const items = Array.from({ length: 100 }, (_, i) => ({ key: `durable:${i}`, bytes: Buffer.from('x'), hardExpiresAt: Date.now() + 60_000 }));
    // The default WAIT bound (100 ms) is tuned for failover; a loaded CI machine can exceed it, and this test is
    // about WAIT reaching every shard's replica, so it gives the replicas time.
    const patient = new RedisTier(createRedisClient({ url: (await topology()).url, keyPrefix: 'strata:' }), { replicaWaitTimeoutMs: 5_000, timeoutMs: 10_000 });
    try {
      await patient.setMany(items, { replicas: 1 });
      await patient.set('durable:single', Buffer.from('y'), Date.now() + 60_000, { replicas: 1 });
      assert.equal(patient.stats().unacknowledgedWrites, 0);
      assert.equal(patient.stats().errors, 0);
    } finally {
      await patient.close();
    }
  });

  describe('RedisMonitor', () => {
    it('reports cluster state, slots, keys, ops and memory per node', async () => {
      await tier.setMany(Array.from({ length: 90 }, (_, i) => ({ key: `mon:${i}`, bytes: Buffer.from('m'), hardExpiresAt: Date.now() + 60_000 })));
      const stats = await monitor.clusterStats();
      assert.equal(stats.mode, 'cluster');
      assert.equal(stats.state, 'ok');
      assert.equal(stats.slotsCovered, 16384);
      assert.equal(stats.nodes.length, 6);
      assert.equal(stats.nodes.filter((n) => n.role === 'master').length, 3);
      assert.ok(stats.nodes.every((n) => n.reachable && (n.usedMemory ?? 0) > 0));
      const expectedKeys = (await Promise.all((await masterPorts(seed)).map((p) => adminCommand(p, 'DBSIZE')))).reduce<number>((s, n) => s + Number(n), 0);
      assert.equal(stats.keys, expectedKeys);
      assert.ok(stats.keys >= 90);
    });

    it('reports each node reachable with its role and a PING latency', async () => {
      const health = await monitor.nodeHealth();
      assert.equal(health.length, 6);
      assert.ok(health.every((h) => h.reachable && typeof h.latencyMs === 'number' && h.latencyMs >= 0));
      const replicas = health.filter((h) => h.role === 'replica');
      assert.equal(replicas.length, 3);
      assert.ok(replicas.every((r) => health.some((m) => m.role === 'master' && m.address === r.masterAddress)));
    });

    it('reports the replication lag of every replica', async () => {
      const lags = await monitor.replicationLag();
      assert.equal(lags.length, 3);
      for (const lag of lags) {
        assert.equal(lag.state, 'online');
        assert.ok(lag.offsetLag >= 0);
        assert.ok(typeof lag.lagSeconds === 'number' && lag.lagSeconds >= 0);
      }
    });

    it('forecasts time until maxmemory from the used_memory trend, and null without a limit', async () => {
      const first = await monitor.memoryForecast();
      assert.equal(first.length, 6);
      assert.ok(first.every((f) => f.msUntilFull === null), 'no maxmemory, no forecast');
      const masters = await masterPorts(seed);
      await Promise.all(masters.map((p) => adminCommand(p, 'CONFIG', 'SET', 'maxmemory', String(512 * 1024 * 1024))));
      try {
        for (let round = 0; round < 3; round++) {
          await tier.setMany(Array.from({ length: 200 }, (_, i) => ({ key: `grow:${round}:${i}`, bytes: Buffer.alloc(4096, 1), hardExpiresAt: Date.now() + 60_000 })));
          await new Promise((r) => setTimeout(r, 20));
          await monitor.sampleMemory();
        }
        const forecast = await monitor.memoryForecast();
        const limited = forecast.filter((f) => f.maxMemory > 0);
        assert.equal(limited.length, 3);
        assert.ok(limited.every((f) => f.bytesPerSecond > 0 && f.msUntilFull !== null && f.msUntilFull > 0), JSON.stringify(limited));
      } finally {
        await Promise.all(masters.map((p) => adminCommand(p, 'CONFIG', 'SET', 'maxmemory', '0')));
        await tier.deletePattern('grow:*');
      }
    });
  });

  describe('failover', () => {
    it('keeps serving through a master SIGKILL, loses no acknowledged write, and the old master rejoins as a replica', async () => {
      const t = await topology();
      const victimPort = (await masterPorts(seed))[0] as number;
      const victim = t.nodes.find((n) => n.port === victimPort)!;
      const survivor = t.serverPorts.find((p) => p !== victimPort) as number;
      const owned = (await slotOwners(survivor)).filter((r) => r.port === victimPort);
      const ownedByKilled = (key: string) => {
        const slot = calculateSlot(`strata:${key}`);
        return owned.some((r) => r.start <= slot && slot <= r.end);
      };

      const report = await failoverUnderLoad(tier, { kill: () => t.kill(victim.name), ownedByKilled, deadlineMs: 40_000 });
      console.log(
        `cluster failover: writes to the killed master's slots recovered ${report.recoveryMs} ms after SIGKILL ` +
          `(cluster-node-timeout 2000); writes ${JSON.stringify(report.writes)}, replicated ${JSON.stringify(report.replicatedWrites)}, ` +
          `reads ${JSON.stringify(report.reads)}, breaker ${JSON.stringify(tier.stats())}`,
      );
      assert.notEqual(report.recoveryMs, undefined, 'writes to the failed shard succeed again');
      assert.ok(report.acknowledged.size > 0);

      await t.restart(victim.name);
      const deadline = Date.now() + 20_000;
      let role = '';
      while (Date.now() < deadline && role !== 'slave') {
        role = String(((await adminCommand(victimPort, 'ROLE')) as unknown[])[0]);
        if (role !== 'slave') await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(role, 'slave', 'the restarted node rejoins as a replica');
      await waitForClusterHealthy(t.serverPorts);

      const keys = [...report.acknowledged.keys()];
      const values = await tier.getMany(keys);
      const missing = keys.filter((k, i) => values[i] === undefined || Buffer.from(values[i] as Uint8Array).toString() !== report.acknowledged.get(k));
      assert.deepEqual(missing, [], 'every acknowledged replicas:1 write is readable after the failover');
      // The rejoined replica may still be loading its first sync: a replicated write is acknowledged once it has.
      let acknowledged: unknown = 'never tried';
      for (const until = Date.now() + 20_000; acknowledged !== undefined && Date.now() < until; ) {
        acknowledged = await tier.set('after-rejoin', Buffer.from('z'), Date.now() + 60_000, { replicas: 1 }).then(
          () => undefined,
          (error: unknown) => error,
        );
        if (acknowledged !== undefined) await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(acknowledged, undefined, 'a replicated write is acknowledged again after the rejoin');
    });

    it('routes a killed master\'s slots to the promoted replica as soon as it takes over, and lets the breaker try at once', async () => {
      const t = await topology();
      const until = async (what: string, check: () => Promise<boolean> | boolean, ms = 30_000) => {
        for (const deadline = Date.now() + ms; !(await check()); ) {
          if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      const key = 'takeover:k';
      const slot = calculateSlot(`strata:${key}`);
      const slots = (await adminCommand(seed, 'CLUSTER', 'SLOTS')) as Array<[number, number, [string, number], ...Array<[string, number]>]>;
      const range = slots.find(([start, end]) => start <= slot && slot <= end)!;
      const victimPort = Number(range[2][1]);
      const replicaPorts = range.slice(3).map((r) => Number((r as [string, number])[1]));
      assert.ok(replicaPorts.length > 0, 'the shard has a replica');
      const victim = t.nodes.find((n) => n.port === victimPort)!;
      // An open period far longer than any failover: only the takeover report can let the breaker try again.
      const connection = createRedisClient({ url: t.url, keyPrefix: 'strata:' });
      const lonely = new RedisTier(connection, { breaker: { failureThreshold: 1, openDurationMs: 600_000 }, writeRetries: 0 });
      const reports: unknown[] = [];
      connection.onRecovery((recovery) => reports.push(recovery));
      try {
        await until('the first write', () => lonely.set(key, Buffer.from('before'), Date.now() + 60_000).then(() => true, () => false));
        await t.kill(victim.name);
        await until('the breaker opening', async () => {
          await lonely.set(key, Buffer.from('during'), Date.now() + 60_000).catch(() => undefined);
          return lonely.stats().breakers[`127.0.0.1:${victimPort}`] === 'open';
        });
        const rejectedBefore = lonely.stats().circuitRejections;
        let promoted: number | undefined;
        await until('a replica taking over', async () => {
          for (const port of replicaPorts) {
            const role = (await adminCommand(port, 'ROLE').catch(() => undefined)) as unknown[] | undefined;
            if (role?.[0] === 'master') promoted = port;
          }
          return promoted !== undefined;
        });
        await until('the connection reporting the takeover', () => connection.recoveryStats().takeovers > 0);
        const client = connection.client as Cluster;
        assert.equal(client.slots[slot]?.[0], `127.0.0.1:${promoted}`, 'the slot map names the promoted replica');
        assert.deepEqual(reports[0], { kind: 'failover', failed: `127.0.0.1:${victimPort}`, master: `127.0.0.1:${promoted}`, settled: false });
        assert.equal(lonely.stats().breakers[`127.0.0.1:${victimPort}`], undefined, 'the failed master\'s breaker is dropped with it');
        assert.notEqual(lonely.stats().breaker, 'open', 'L2 tries again without waiting out the open period');
        await lonely.set(key, Buffer.from('after'), Date.now() + 60_000);
        assert.equal(String(await adminCommand(promoted as number, 'GET', `strata:${key}`)), 'after');
        assert.equal(lonely.stats().circuitRejections, rejectedBefore, 'the write after the takeover was not refused');

        // The promoted replica has no replica of its own: a replicated write is refused without sending WAIT, which
        // could only time out while holding the node's connection.
        assert.equal(connection.promotedWithoutReplica(`strata:${key}`), true);
        const waits = async () => Number(/cmdstat_wait:calls=(\d+)/.exec(String(await adminCommand(promoted as number, 'INFO', 'commandstats')))?.[1] ?? 0);
        const waitsBefore = await waits();
        await assert.rejects(lonely.set(key, Buffer.from('replicated'), Date.now() + 60_000, { replicas: 1 }), /acknowledged by 0 of 1/);
        assert.equal(await waits(), waitsBefore);
        assert.equal(lonely.stats().unacknowledgedWrites, 1);
      } finally {
        await lonely.close();
        await t.restart(victim.name);
        await waitForClusterHealthy(t.serverPorts);
      }
    });

    it('refuses only the failed master\'s keys: the other shards keep answering from L2 until the takeover, then the shard is back', async () => {
      const t = await topology();
      const slots = (await adminCommand(seed, 'CLUSTER', 'SLOTS')) as Array<[number, number, [string, number], ...Array<[string, number]>]>;
      const ownerOf = (key: string) => {
        const slot = calculateSlot(`strata:${key}`);
        return Number(slots.find(([start, end]) => start <= slot && slot <= end)![2][1]);
      };
      const masters = [...new Set(slots.map((r) => Number(r[2][1])))].sort((a, b) => a - b);
      assert.equal(masters.length, 3);
      const victimPort = masters[0] as number;
      const victim = t.nodes.find((n) => n.port === victimPort)!;
      const replicaPorts = [...new Set(slots.filter((r) => Number(r[2][1]) === victimPort).flatMap((r) => r.slice(3).map((n) => Number((n as [string, number])[1]))))];
      assert.ok(replicaPorts.length > 0, 'the shard has a replica');
      // Four keys per master, and a getMany batch spanning all three.
      const keysOf = new Map<number, string[]>(masters.map((port) => [port, []]));
      for (let i = 0; [...keysOf.values()].some((keys) => keys.length < 4); i++) {
        const keys = keysOf.get(ownerOf(`shard:${i}`)) as string[];
        if (keys.length < 4) keys.push(`shard:${i}`);
      }
      const victimKeys = keysOf.get(victimPort) as string[];
      const healthyKeys = masters.filter((p) => p !== victimPort).flatMap((p) => keysOf.get(p) as string[]);

      // The breakers' clock stands still: an open circuit stays open until the test moves it (or a takeover probes
      // it), so what is refused does not depend on how fast this machine is. No replica fails over on its own and the
      // healthy masters keep serving with a shard down, so the outage lasts until the test ends it.
      let now = 1_000_000;
      const connection = createRedisClient({ url: t.url, keyPrefix: 'strata:' });
      const sharded = new RedisTier(connection, { timeoutMs: 300, replicaWaitTimeoutMs: 5_000, writeRetries: 0, breaker: { failureThreshold: 3, openDurationMs: 1_000, now: () => now } });
      const restore: Array<() => Promise<unknown>> = [];
      try {
        await Promise.all(t.serverPorts.map((p) => adminCommand(p, 'CONFIG', 'SET', 'cluster-require-full-coverage', 'no')));
        restore.push(() => Promise.all(t.serverPorts.map((p) => adminCommand(p, 'CONFIG', 'SET', 'cluster-require-full-coverage', 'yes').catch(() => undefined))));
        await Promise.all(replicaPorts.map((p) => adminCommand(p, 'CONFIG', 'SET', 'cluster-replica-no-failover', 'yes')));
        restore.push(() => Promise.all(replicaPorts.map((p) => adminCommand(p, 'CONFIG', 'SET', 'cluster-replica-no-failover', 'no').catch(() => undefined))));
        const all = [...victimKeys, ...healthyKeys];
        // replicas: 1, so the replica that takes over holds the victim's keys.
        await sharded.setMany(all.map((key) => ({ key, bytes: Buffer.from(`v:${key}`), hardExpiresAt: Date.now() + 600_000 })), { replicas: 1 });
        assert.deepEqual((await sharded.getMany(all)).map((v) => Buffer.from(v as Uint8Array).toString()), all.map((k) => `v:${k}`));

        await t.kill(victim.name);
        const victimNode = `127.0.0.1:${victimPort}`;
        for (let attempt = 0; sharded.stats().breakers[victimNode] !== 'open'; attempt++) {
          assert.ok(attempt < 50, `the failed master's breaker opens (breakers ${JSON.stringify(sharded.stats().breakers)})`);
          await sharded.get(victimKeys[attempt % victimKeys.length] as string).catch(() => undefined);
        }

        const before = sharded.stats();
        for (const key of healthyKeys) assert.equal(Buffer.from((await sharded.get(key)) as Uint8Array).toString(), `v:${key}`, `${key} is read from a healthy shard`);
        for (const key of victimKeys) await assert.rejects(sharded.get(key), (err: unknown) => isStrataError(err, ErrorCode.CIRCUIT_OPEN));
        const during = sharded.stats();
        assert.equal(during.hits - before.hits, healthyKeys.length, 'every healthy-shard read is an L2 hit');
        assert.equal(during.circuitRejections - before.circuitRejections, victimKeys.length, 'only the failed shard\'s reads are refused');
        assert.equal(during.breaker, 'half-open', 'L2 as a whole is partly available');
        assert.equal(sharded.isHealthy(), true);
        assert.deepEqual(
          Object.entries(during.breakers).filter(([, state]) => state !== 'closed'),
          [[victimNode, 'open']],
        );

        // A batch spanning every shard: the healthy shards answer, the failed shard's keys come back missing.
        const batch = await sharded.getMany(all);
        assert.deepEqual(
          batch.map((v) => (v === undefined ? undefined : Buffer.from(v).toString())),
          all.map((k) => (victimKeys.includes(k) ? undefined : `v:${k}`)),
        );
        // A write batch: the healthy shards take their keys, the call reports the failed shard's.
        await assert.rejects(
          sharded.setMany(all.map((key) => ({ key, bytes: Buffer.from(`w:${key}`), hardExpiresAt: Date.now() + 600_000 }))),
          (err: unknown) => isStrataError(err, ErrorCode.CIRCUIT_OPEN),
        );
        for (const key of healthyKeys) assert.equal(String(await adminCommand(ownerOf(key), 'GET', `strata:${key}`)), `w:${key}`);
        assert.equal(sharded.stats().breakers[victimNode], 'open', 'the healthy shards\' successes did not close the failed shard\'s breaker');

        // The takeover: the connection's failover watch sees it, moves the slots and probes the breakers.
        await adminCommand(replicaPorts[0] as number, 'CLUSTER', 'FAILOVER', 'TAKEOVER');
        let back: unknown[] = [];
        for (let attempt = 0; attempt < 200; attempt++) {
          back = await Promise.all(victimKeys.map((key) => sharded.get(key).then((v) => (v === undefined ? undefined : Buffer.from(v).toString()), () => 'failed')));
          if (back.every((v, i) => v === `v:${victimKeys[i]}`)) break;
          await new Promise((r) => setTimeout(r, 50));
          now += 200;
        }
        assert.deepEqual(back, victimKeys.map((k) => `v:${k}`), 'the failed shard\'s keys are served again after the takeover');
        assert.equal(sharded.stats().breakers[victimNode], undefined, 'the failed master\'s breaker is dropped once it serves no slot');
        assert.equal(sharded.stats().breaker, 'closed');
      } finally {
        await sharded.close();
        await t.restart(victim.name);
        for (const undo of restore.reverse()) await undo();
        await waitForClusterHealthy(t.serverPorts);
      }
    });
  });
});
