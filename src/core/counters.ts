import type { ClassStats } from '../metrics/classStats.js';

/** Counters of one namespace + data class. Plain fields, so the hit path only increments a number. */
export class ClassCounters {
  l1Hits = 0;
  l2Hits = 0;
  l3Hits = 0;
  /** Reads that found no usable entry in any tier. */
  misses = 0;
  /** Stale values served as a grace fallback. */
  staleServed = 0;
  sets = 0;
  deletes = 0;
  factoryCalls = 0;
  factoryErrors = 0;
  factoryTimeouts = 0;
  /** Entries whose bytes did not decode; each was deleted from its tier. */
  decodeErrors = 0;
  /** Failed or timed-out tier calls, by tier. */
  l2Errors = 0;
  l3Errors = 0;

  snapshot(): ClassStats {
    const hits = this.l1Hits + this.l2Hits + this.l3Hits;
    const reads = hits + this.misses;
    return {
      hits: { l1: this.l1Hits, l2: this.l2Hits, l3: this.l3Hits, total: hits },
      misses: this.misses,
      hitRate: reads === 0 ? 0 : hits / reads,
      staleServed: this.staleServed,
      sets: this.sets,
      deletes: this.deletes,
      factory: { calls: this.factoryCalls, errors: this.factoryErrors, timeouts: this.factoryTimeouts },
      errors: { l2: this.l2Errors, l3: this.l3Errors, decode: this.decodeErrors },
    };
  }
}
