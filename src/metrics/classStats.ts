/** The counters of one namespace + data class, as `stats()` reports them and the metrics read them. */
export interface ClassStats {
  hits: { l1: number; l2: number; l3: number; total: number };
  misses: number;
  /** hits / (hits + misses) over the cache's lifetime. */
  hitRate: number;
  staleServed: number;
  sets: number;
  deletes: number;
  factory: { calls: number; errors: number; timeouts: number };
  errors: { l2: number; l3: number; decode: number };
}
