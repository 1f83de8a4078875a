import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { resolveRedisConfig, parseRedisUrl } from '../src/redis/redisConfig.js';
import { createRedisClient, type RedisConnection } from '../src/redis/connection.js';
import { isStrataError } from '../src/errors.js';
import { useRedisTopology } from './support/redis.js';

const topology = useRedisTopology('standalone');
const invalidConfig = (err: unknown) => isStrataError(err, 'INVALID_REDIS_CONFIG');

describe('Redis connection settings', () => {
  it('reads the standalone, TLS, Sentinel and Cluster URL schemes', () => {
    assert.deepEqual(resolveRedisConfig('redis://u%40x:p%3Aw@cache.local:6380/2').nodes, [{ host: 'cache.local', port: 6380 }]);
    const standalone = resolveRedisConfig('redis://u%40x:p%3Aw@cache.local:6380/2');
    assert.equal(standalone.username, 'u@x');
    assert.equal(standalone.password, 'p:w');
    assert.equal(standalone.db, 2);
    assert.equal(standalone.tls, undefined);
    assert.deepEqual(resolveRedisConfig('rediss://cache.local').tls, {});
    const sentinel = resolveRedisConfig('redis+sentinel://:secret@10.0.0.1,10.0.0.2:26380/mymaster');
    assert.equal(sentinel.mode, 'sentinel');
    assert.equal(sentinel.name, 'mymaster');
    assert.equal(sentinel.password, 'secret');
    assert.deepEqual(sentinel.sentinels, [{ host: '10.0.0.1', port: 26379 }, { host: '10.0.0.2', port: 26380 }]);
    const cluster = resolveRedisConfig('rediss+cluster://a:7000,b:7001,[::1]:7002?connectTimeoutMs=500&retryOnTimeout=true&keyPrefix=app:');
    assert.equal(cluster.mode, 'cluster');
    assert.deepEqual(cluster.nodes.map((n) => `${n.host}:${n.port}`), ['a:7000', 'b:7001', '::1:7002']);
    assert.equal(cluster.connectTimeoutMs, 500);
    assert.equal(cluster.retryOnTimeout, true);
    assert.equal(cluster.keyPrefix, 'app:');
    assert.deepEqual(cluster.tls, {});
  });

  it('lets object fields override the URL and applies defaults', () => {
    const config = resolveRedisConfig({ url: 'redis://h:1', commandTimeoutMs: 50, keyPrefix: 's:' });
    assert.equal(config.commandTimeoutMs, 50);
    assert.equal(config.keyPrefix, 's:');
    assert.equal(config.connectTimeoutMs, 2000);
    const object = resolveRedisConfig({ mode: 'cluster', nodes: ['h:7000', { host: 'g', port: 7001 }] });
    assert.equal(object.nodes.length, 2);
  });

  it('rejects invalid settings with INVALID_REDIS_CONFIG and a hint', () => {
    const bad: unknown[] = [
      'http://localhost',
      'redis://',
      'redis://a:1,b:2',
      'redis+sentinel://a:1',
      'redis+cluster://a:1/3',
      'redis://a:99999',
      'redis://a:1?unknown=1',
      'redis://a:1?connectTimeoutMs=-5',
      { mode: 'ring' },
      { mode: 'cluster' },
      { mode: 'sentinel', sentinels: ['a:1'] },
      { mode: 'cluster', nodes: ['a:1'], db: 1 },
      { nodes: [{ host: '', port: 1 }] },
      { url: 'redis://a', retryOnTimeout: 'yes' },
      42,
    ];
    for (const config of bad) assert.throws(() => resolveRedisConfig(config as string), invalidConfig, JSON.stringify(config));
    assert.throws(() => parseRedisUrl('redis+sentinel://a:1'), /master name/);
  });

  describe('createRedisClient', () => {
    const connections: RedisConnection[] = [];
    after(async () => {
      await Promise.all(connections.map((c) => c.close()));
    });

    it('connects to a real server from a URL and reports a passing health check', async () => {
      const t = await topology();
      const connection = createRedisClient(`${t.url}?healthCheckIntervalMs=50`);
      connections.push(connection);
      assert.equal(connection.mode, 'standalone');
      assert.equal(await connection.client.ping(), 'PONG');
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(connection.healthCheck().ok, true);
      assert.ok(connection.healthCheck().checkedAt > 0);
      assert.equal(connection.masters().length, 1);
    });

    it('does not crash the process when the server is unreachable', async () => {
      const connection = createRedisClient({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 200, healthCheckIntervalMs: 0 });
      connections.push(connection);
      await assert.rejects(connection.client.get('k'));
    });

    it('throws INVALID_REDIS_CONFIG for a bad URL', () => {
      assert.throws(() => createRedisClient('redis+cluster://'), invalidConfig);
    });
  });
});
