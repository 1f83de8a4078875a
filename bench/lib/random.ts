// Seeded random numbers for the benchmarks and simulations: every run draws the same sequence, so two runs (or
// two contestants) see the same workload.

/** Uniform numbers in [0, 1) from a seed (mulberry32: 32-bit state, fast, good enough for workloads). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Zipf(s) sampler over ranks 0..n-1 (rank 0 the most popular), with the uniform source it draws from. */
export interface ZipfSampler {
  (): number;
  /** The sampler's own uniform source, for the workload's other choices (read or write…). */
  random: () => number;
}

/** Zipf ranks from a cumulative table searched by bisection; `seed` fixes the sequence. */
export function zipfSampler(n: number, s: number, seed: number): ZipfSampler {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cdf[i] = sum += 1 / Math.pow(i + 1, s);
  for (let i = 0; i < n; i++) cdf[i] = (cdf[i] as number) / sum;
  const random = seededRandom(seed);
  const sample = (): number => {
    const u = random();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return Object.assign(sample, { random });
}
