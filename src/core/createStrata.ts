import { isByteTier, resolveOptions, type StrataOptions } from '../config/options.js';
import { createRedisClient } from '../redis/connection.js';
import { DiskTier } from '../tiers/disk.js';
import { RedisTier } from '../tiers/redis.js';
import type { ByteTier } from '../tiers/tier.js';
import { Strata } from './strata.js';
import { TierStack } from './tierStack.js';

/**
 * Creates a cache. Throws INVALID_OPTION / INVALID_TTL for bad options, INVALID_REDIS_CONFIG for a bad Redis URL,
 * and TIER_FAILURE when the L3 directory cannot be opened (pass `l3: false` to run without a disk tier).
 * Redis is connected in the background: until it answers, reads fall through to L3 and the factory.
 */
export function createStrata(options: StrataOptions = {}): Strata {
  const resolved = resolveOptions(options);
  let l2: ByteTier | undefined;
  if (resolved.l2 !== undefined) {
    l2 = isByteTier(resolved.l2) ? resolved.l2 : new RedisTier(createRedisClient(resolved.l2.connection), resolved.l2.tier);
  }
  let l3: ByteTier | undefined;
  if (resolved.l3 !== undefined) {
    l3 = isByteTier(resolved.l3) ? resolved.l3 : DiskTier.openSync({ path: resolved.l3.path, maxBytes: resolved.l3.maxBytes });
  }
  return new Strata(new TierStack(resolved, l2, l3), resolved.namespace);
}
