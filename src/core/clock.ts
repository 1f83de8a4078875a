/**
 * A millisecond clock for the hit path. `Date.now()` costs about as much as an L1 lookup, so the value is cached
 * and forgotten by a timer one millisecond later. A timer runs only between macrotasks, so inside one task — its
 * promise chains included — the cached value does not advance by itself; every write and every slow-path read
 * refreshes it (`preciseNow`), and the fast path only answers for entries whose expiry is more than 1 ms away from
 * that value. Expiry on the hit path can therefore be late by the time elapsed since the last write or slow-path
 * read in the current task (and by at most 1 ms across tasks).
 */
let cached = 0;

function forget(): void {
  cached = 0;
}

function remember(ms: number): void {
  if (cached === 0) setTimeout(forget, 1).unref();
  cached = ms;
}

export function coarseNow(): number {
  if (cached === 0) remember(Date.now());
  return cached;
}

/** Milliseconds since the epoch with sub-millisecond precision; refreshes the coarse clock. */
export function preciseNow(): number {
  const t = performance.timeOrigin + performance.now();
  remember(Math.floor(t));
  return t;
}

let lastStamp = 0;

/**
 * A time stamp for ordering writes against invalidations: `preciseNow()`, strictly increasing within the process,
 * so a value stored right after an invalidation is never mistaken for one stored before it.
 */
export function timestamp(): number {
  let t = preciseNow();
  if (t <= lastStamp) t = lastStamp + 0.001;
  lastStamp = t;
  return t;
}
