import { randomUUID } from 'node:crypto';
import { isByteTier, resolveOptions, type StrataOptions } from '../config/options.js';
import { createRedisClient, type RedisConnection } from '../redis/connection.js';
import { HotKeyRegistry } from '../sync/hotKeyRegistry.js';
import { DistributedLock } from '../sync/distributedLock.js';
import { FillGuard } from '../sync/fillGuard.js';
import { InvalidationLog, type LogMetaStore } from '../sync/invalidationLog.js';
import { DiskTier } from '../tiers/disk.js';
import { RedisTier } from '../tiers/redis.js';
import type { ByteTier } from '../tiers/tier.js';
import { Strata } from './strata.js';
import { TierStack } from './tierStack.js';
import { WarmUp } from './warmUp.js';

/**
 * Creates a cache. Throws INVALID_OPTION / INVALID_TTL for bad options, INVALID_REDIS_CONFIG for a bad Redis URL,
 * and TIER_FAILURE when the L3 directory cannot be opened (pass `l3: false` to run without a disk tier).
 * Redis is connected in the background: until it answers, reads fall through to L3 and the factory.
 */
export function createStrata(options: StrataOptions = {}): Strata {
  const resolved = resolveOptions(options);
  let l2: ByteTier | undefined;
  let connection: RedisConnection | undefined;
  if (resolved.l2 !== undefined) {
    if (isByteTier(resolved.l2)) l2 = resolved.l2;
    else {
      connection = createRedisClient(resolved.l2.connection);
      l2 = new RedisTier(connection, resolved.l2.tier);
    }
  }
  let l3: ByteTier | undefined;
  if (resolved.l3 !== undefined) {
    l3 = isByteTier(resolved.l3) ? resolved.l3 : DiskTier.openSync({ path: resolved.l3.path, maxBytes: resolved.l3.maxBytes });
  }
  const stack = new TierStack(resolved, l2, l3);
  if (resolved.sync !== undefined && connection !== undefined) {
    const sync = resolved.sync;
    const keyPrefix = connection.config.keyPrefix + resolved.prefix;
    const meta = l3 !== undefined && typeof (l3 as Partial<LogMetaStore>).getMeta === 'function' ? (l3 as unknown as LogMetaStore) : undefined;
    const log = new InvalidationLog(
      connection.client,
      keyPrefix,
      {
        apply: (event) => stack.applyRemote(event),
        dropAll: () => stack.dropAllLocal(),
        loadTags: (times) => {
          for (const [tag, at] of times) stack.tags.invalidate(tag, at);
        },
      },
      meta,
      { maxLen: sync.maxLen, blockMs: sync.blockMs, instanceId: sync.instanceId },
    );
    // The log reports outages through `sync` stats and the tier's own errors; its retries need no listener.
    log.on('error', () => undefined);
    log.on('applied', (info) => {
      if (stack.listenerCount('sync:applied') > 0) stack.emit('sync:applied', { event: info.event, lagMs: info.lagMs, id: info.id, readAt: info.readAt });
    });
    stack.coherence = {
      log,
      lock: new DistributedLock(connection.client, keyPrefix, sync.lockTtlMs, connection.config.keyPrefix),
      fills: new FillGuard(connection.client, connection.config.keyPrefix, sync.lockTtlMs),
      clockSkewMs: sync.clockSkewMs,
      ready: log.start(),
    };
  }
  const hot = resolved.hotKeys;
  const hotConnection = hot?.connection ?? connection;
  if (hot !== undefined && hotConnection !== undefined && stack.l1 !== undefined) {
    // A list lives three publication intervals: one missed publication does not drop an instance's keys.
    const registry = new HotKeyRegistry(hotConnection.client, hotConnection.config.keyPrefix + resolved.prefix, hot.publishIntervalMs * 3);
    WarmUp.attach(stack, registry, resolved.sync?.instanceId ?? randomUUID(), hot, resolved.namespace);
  }
  return new Strata(stack, resolved.namespace);
}
