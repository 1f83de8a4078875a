/**
 * A millisecond clock for the hit path. `Date.now()` costs about as much as an L1 lookup, so the value is cached
 * and refreshed at most once per millisecond by a timer that runs only while the clock is being read.
 * Inside one synchronous run of code the clock does not advance; expiry is therefore accurate to about 1 ms
 * plus the length of the longest synchronous task. Anything that orders writes against invalidations uses `timestamp()`.
 */
let cached = 0;

function forget(): void {
  cached = 0;
}

export function coarseNow(): number {
  if (cached !== 0) return cached;
  cached = Date.now();
  setTimeout(forget, 1).unref();
  return cached;
}

let lastStamp = 0;

/**
 * A time stamp for ordering writes against invalidations: milliseconds since the epoch with sub-millisecond
 * precision, strictly increasing within the process, so a value stored right after an invalidation is never
 * mistaken for one stored before it.
 */
export function timestamp(): number {
  let t = performance.timeOrigin + performance.now();
  if (t <= lastStamp) t = lastStamp + 0.001;
  lastStamp = t;
  return t;
}
