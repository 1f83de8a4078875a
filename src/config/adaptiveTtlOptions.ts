import { ErrorCode, StrataError } from '../errors.js';
import type { AdaptiveTtlOptions } from './dataClasses.js';
import { parseDuration } from './duration.js';

/** Adaptive TTL options with durations in milliseconds and defaults filled in. */
export interface ResolvedAdaptiveTtl {
  minTtl: number;
  maxTtl: number;
  staleProbability: number;
  group: (key: string) => string;
  minReadsPerTtl: number;
  halfLife: number;
}

export const ADAPTIVE_TTL_DEFAULTS = Object.freeze({ staleProbability: 0.05, minReadsPerTtl: 0, halfLife: '6h' });

/** `price:42` → `price`: keys named `{kind}:{id}` group by kind; keys without a ':' share the group ''. */
export function groupByPrefix(key: string): string {
  const cut = key.lastIndexOf(':');
  return cut <= 0 ? '' : key.slice(0, cut);
}

/** Validates `classes.{name}.adaptiveTtl`: INVALID_TTL for bad or inverted bounds, INVALID_OPTION for the rest. */
export function resolveAdaptiveTtl(className: string, options: AdaptiveTtlOptions | undefined): ResolvedAdaptiveTtl | undefined {
  if (options === undefined) return undefined;
  const at = `classes.${className}.adaptiveTtl`;
  if (typeof options !== 'object' || options === null) throw new StrataError(ErrorCode.INVALID_OPTION, `${at} must be { minTtl, maxTtl, staleProbability?, group?, minReadsPerTtl?, halfLife? }`);
  if (options.minTtl === undefined || options.maxTtl === undefined) throw new StrataError(ErrorCode.INVALID_TTL, `${at} needs both minTtl and maxTtl, e.g. { minTtl: '1m', maxTtl: '24h' }`);
  const minTtl = parseDuration(options.minTtl, `${at}.minTtl`);
  const maxTtl = parseDuration(options.maxTtl, `${at}.maxTtl`);
  if (minTtl <= 0) throw new StrataError(ErrorCode.INVALID_TTL, `${at}.minTtl must be above 0 (an entry that expires at once is never read), got ${String(options.minTtl)}`);
  if (minTtl > maxTtl) throw new StrataError(ErrorCode.INVALID_TTL, `${at}: minTtl (${String(options.minTtl)}) is above maxTtl (${String(options.maxTtl)}); swap them`);
  const staleProbability = options.staleProbability ?? ADAPTIVE_TTL_DEFAULTS.staleProbability;
  if (typeof staleProbability !== 'number' || !(staleProbability > 0 && staleProbability < 1)) {
    throw new StrataError(ErrorCode.INVALID_OPTION, `${at}.staleProbability must be a number strictly between 0 and 1 (e.g. 0.05), got ${JSON.stringify(staleProbability)}`);
  }
  const minReadsPerTtl = options.minReadsPerTtl ?? ADAPTIVE_TTL_DEFAULTS.minReadsPerTtl;
  if (typeof minReadsPerTtl !== 'number' || !Number.isFinite(minReadsPerTtl) || minReadsPerTtl < 0) {
    throw new StrataError(ErrorCode.INVALID_OPTION, `${at}.minReadsPerTtl must be a number >= 0, got ${JSON.stringify(minReadsPerTtl)}`);
  }
  if (options.group !== undefined && typeof options.group !== 'function') throw new StrataError(ErrorCode.INVALID_OPTION, `${at}.group must be a function (key) => group name`);
  const halfLife = parseDuration(options.halfLife ?? ADAPTIVE_TTL_DEFAULTS.halfLife, `${at}.halfLife`);
  if (halfLife <= 0) throw new StrataError(ErrorCode.INVALID_TTL, `${at}.halfLife must be above 0`);
  return { minTtl, maxTtl, staleProbability, group: options.group ?? groupByPrefix, minReadsPerTtl, halfLife };
}
