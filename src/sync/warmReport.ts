/** Where a warm-up stands, after each batch. */
export interface WarmProgress {
  /** Keys looked at so far (loaded, already in L1, or not found). */
  done: number;
  /** Keys the warm-up will look at: the merged top N of the published lists. */
  total: number;
  /** Keys copied from Redis into L1 so far. */
  loaded: number;
}

/** What a warm-up did. */
export interface WarmReport extends WarmProgress {
  /** Keys L1 held already (not read again). */
  alreadyInL1: number;
  /** Keys Redis no longer holds fresh (expired, deleted), or that L1 refused. */
  notFound: number;
  /** Keys whose batch failed (Redis down or slow): they were not copied. */
  failed: number;
  /** The namespaces + classes warmed, with how many of their keys were listed. */
  classes: Array<{ namespace: string; className: string; keys: number }>;
  /** Duration, ms. */
  ms: number;
  /** The warm-up stopped at its deadline before looking at every key. */
  timedOut: boolean;
}

/** What `syncFromRedis` did. */
export interface SyncReport {
  /** Keys whose fresh Redis value is now in L1. */
  loaded: number;
  /** Keys Redis does not hold fresh: their L1 copies were dropped. */
  notFound: number;
  /** Keys whose batch failed (Redis down or slow): their L1 copies were left as they were. */
  failed: number;
}
