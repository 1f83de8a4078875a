/** A cache entry as the tiers see it once decoded. Times are milliseconds since the epoch. */
export interface Entry<V = unknown> {
  value: V;
  /** When the value was produced; an invalidation of one of its tags at or after this time makes it stale. */
  createdAt: number;
  /** Logical expiry: after it the entry is stale (served only as a grace fallback). `Infinity` = never. */
  expiresAt: number;
  /** Hard expiry (logical expiry + grace): after it the entry is gone. Always `>= expiresAt`. */
  staleUntil: number;
  /** Tags (e.g. `product:42`) that invalidate the entry when `invalidateTags` names them. */
  tags: readonly string[];
}
