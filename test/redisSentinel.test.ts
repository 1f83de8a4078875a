import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRedisClient, type RedisConnection } from '../src/redis/connection.js';
import { adminCommand, LOCAL_SENTINEL_MASTER } from '../src/redis/localTopology.js';
import { RedisMonitor } from '../src/redis/monitor.js';
import { RedisTier } from '../src/tiers/redis.js';
import { decodeEntry } from '../src/codec/envelope.js';
import { createStrata } from '../src/index.js';
import { failoverUnderLoad, useRedisTopology } from './support/redis.js';

const topology = useRedisTopology('sentinel', { sentinelReplicas: 2 });

async function currentMasterPort(sentinelPort: number): Promise<number> {
  const reply = (await adminCommand(sentinelPort, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', LOCAL_SENTINEL_MASTER)) as string[];
  return Number(reply[1]);
}

describe('RedisTier through Sentinel (1 master, 2 replicas, 3 Sentinels)', () => {
  let tier: RedisTier;
  let monitor: RedisMonitor;
  let monitorConnection: RedisConnection;

  before(async () => {
    const t = await topology();
    tier = new RedisTier(createRedisClient({ url: t.url, keyPrefix: 'strata:' }), {
      timeoutMs: 500,
      breaker: { failureThreshold: 5, windowMs: 2000, openDurationMs: 300 },
    });
    monitorConnection = createRedisClient(t.url);
    monitor = new RedisMonitor(monitorConnection);
  });
  after(async () => {
    await tier.close();
    await monitor.close();
    await monitorConnection.close();
  });

  it('acknowledges replicas:1 writes on the master Sentinel names', async () => {
    // The default WAIT bound (100 ms) is tuned for failover; a loaded CI machine can exceed it, and this test is
    // about WAIT reaching the replicas of the master Sentinel names, so it gives them time.
    const patient = new RedisTier(createRedisClient({ url: (await topology()).url, keyPrefix: 'strata:' }), { replicaWaitTimeoutMs: 5_000, timeoutMs: 10_000 });
    try {
      await patient.setMany(Array.from({ length: 20 }, (_, i) => ({ key: `s:${i}`, bytes: Buffer.from(`v${i}`), hardExpiresAt: Date.now() + 60_000 })), { replicas: 1 });
      await patient.set('s:one', Buffer.from('1'), Date.now() + 60_000, { replicas: 2 });
      assert.equal(patient.stats().unacknowledgedWrites, 0);
    } finally {
      await patient.close();
    }
    assert.equal(Buffer.from((await tier.get('s:3')) as Uint8Array).toString(), 'v3');
  });

  it('monitors the master and its replicas', async () => {
    const t = await topology();
    const health = await monitor.nodeHealth();
    assert.equal(health.length, 3);
    assert.equal(health.filter((h) => h.role === 'master')[0]?.address, `127.0.0.1:${await currentMasterPort(t.sentinelPorts[0] as number)}`);
    assert.ok(health.every((h) => h.reachable));
    const lags = await monitor.replicationLag();
    assert.equal(lags.length, 2);
    const stats = await monitor.clusterStats();
    assert.equal(stats.state, 'ok');
    assert.equal(stats.slotsCovered, null);
    assert.ok(stats.keys >= 21);
  });

  it('starts a client again after ioredis gave it up, and leaves a closed one closed', async () => {
    const t = await topology();
    const connection = createRedisClient(t.url);
    await connection.client.ping();
    // What a +switch-master arriving mid-reconnect does to an ioredis Sentinel client: it ends for good.
    connection.client.disconnect();
    let pong: unknown;
    for (let attempt = 0; attempt < 50 && pong !== 'PONG'; attempt++) {
      await new Promise((r) => setTimeout(r, 100));
      pong = await connection.client.ping().catch(() => undefined);
    }
    assert.equal(pong, 'PONG');
    await connection.close();
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(connection.client.status, 'end');
  });

  it('fails over when the master is SIGKILLed, loses no acknowledged write, and the old master comes back as a replica', async () => {
    const t = await topology();
    const sentinel = t.sentinelPorts[0] as number;
    const oldMasterPort = await currentMasterPort(sentinel);
    const oldMaster = t.nodes.find((n) => n.port === oldMasterPort)!;

    const report = await failoverUnderLoad(tier, { kill: () => t.kill(oldMaster.name), ownedByKilled: () => true, deadlineMs: 40_000 });
    console.log(
      `sentinel failover: writes recovered ${report.recoveryMs} ms after SIGKILL (down-after-milliseconds 1000); ` +
        `writes ${JSON.stringify(report.writes)}, replicated ${JSON.stringify(report.replicatedWrites)}, reads ${JSON.stringify(report.reads)}, ` +
        `tier ${JSON.stringify(tier.stats())}`,
    );
    const views = await Promise.all(t.sentinelPorts.map((p) => currentMasterPort(p).catch((err: unknown) => String(err))));
    assert.notEqual(report.recoveryMs, undefined, `writes succeed again after the failover (old master ${oldMasterPort}, Sentinels now say ${views.join(', ')})`);
    assert.notEqual(await currentMasterPort(sentinel), oldMasterPort);

    await t.restart(oldMaster.name);
    const deadline = Date.now() + 20_000;
    let role = '';
    while (Date.now() < deadline) {
      const reply = (await adminCommand(oldMasterPort, 'ROLE')) as unknown[];
      role = String(reply[0]);
      if (role === 'slave' && reply[3] === 'connected') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(role, 'slave', 'Sentinel turns the restarted master into a replica');

    const keys = [...report.acknowledged.keys()];
    const values = await tier.getMany(keys);
    const missing = keys.filter((k, i) => values[i] === undefined || Buffer.from(values[i] as Uint8Array).toString() !== report.acknowledged.get(k));
    assert.deepEqual(missing, [], 'every acknowledged replicas:1 write is readable after the failover');
  });

  it('through the Strata facade: no error reaches get or getOrSet callers during a failover, and every write setWithInfo reported replicated survives it', async () => {
    const t = await topology();
    const cache = createStrata({ prefix: 'facade', l2: t.url, l3: false, sync: false });
    const reader = createRedisClient(t.url);
    const oldMasterPort = await currentMasterPort(t.sentinelPorts[0] as number);
    const oldMaster = t.nodes.find((n) => n.port === oldMasterPort)!;
    let callerErrors = 0;
    // The adapter throws when L2 did not take the write, so failoverUnderLoad counts exactly what setWithInfo reports.
    const facade = {
      async get(key: string) {
        try {
          await cache.get(key, { class: 'llm_responses' });
          await cache.getOrSet(`g:${key}`, () => key, { class: 'products' });
        } catch (err) {
          callerErrors++;
          throw err;
        }
        return undefined;
      },
      async set(key: string, bytes: Uint8Array, _hardExpiresAt: number, options?: { replicas?: number }) {
        const replicated = (options?.replicas ?? 0) > 0;
        const info = await cache.setWithInfo(key, Buffer.from(bytes).toString(), { class: replicated ? 'llm_responses' : 'products' });
        if (!info.tiers.includes('l2') || (replicated && info.replicated !== true)) throw new Error(`L2 did not take ${key}`);
      },
    };
    try {
      const report = await failoverUnderLoad(facade, { kill: () => t.kill(oldMaster.name), ownedByKilled: () => true, deadlineMs: 30_000 });
      assert.equal(callerErrors, 0);
      assert.equal(report.reads.failed, 0);
      assert.notEqual(report.recoveryMs, undefined, 'writes reach L2 again after the failover');
      assert.ok(report.acknowledged.size > 0);
      const missing: string[] = [];
      const read = async (key: string): Promise<Buffer | null> => {
        // Sentinel may still be settling (a second +switch-master is possible): retry a failed read for a while.
        for (let attempt = 0; ; attempt++) {
          try {
            return await reader.client.getBuffer(key);
          } catch (err) {
            if (attempt >= 50) throw err;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      };
      for (const [key, value] of report.acknowledged) {
        const bytes = await read(`facade:default:llm_responses:${key}`);
        if (bytes === null || decodeEntry(bytes).value !== value) missing.push(key);
      }
      assert.deepEqual(missing, [], 'every write reported replicated is in Redis after the failover');
    } finally {
      await cache.close();
      await reader.close();
      await t.restart(oldMaster.name);
    }
  });
});
