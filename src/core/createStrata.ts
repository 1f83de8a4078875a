import { resolveOptions, type StrataOptions } from '../config/options.js';
import { DiskTier } from '../tiers/disk.js';
import type { ByteTier } from '../tiers/tier.js';
import { Strata } from './strata.js';
import { TierStack } from './tierStack.js';

/**
 * Creates a cache. Throws INVALID_OPTION / INVALID_TTL for bad options, and TIER_FAILURE when the L3 directory
 * cannot be opened (pass `l3: false` to run without a disk tier).
 */
export function createStrata(options: StrataOptions = {}): Strata {
  const resolved = resolveOptions(options);
  let l3: ByteTier | undefined;
  if (resolved.l3 !== undefined) {
    l3 = 'get' in resolved.l3 ? resolved.l3 : DiskTier.openSync({ path: resolved.l3.path, maxBytes: resolved.l3.maxBytes });
  }
  return new Strata(new TierStack(resolved, l3), resolved.namespace);
}
