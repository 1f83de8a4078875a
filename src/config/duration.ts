import { StrataError, ErrorCode } from '../errors.js';

/** A duration: milliseconds as a number, or a string such as `'500ms'`, `'30s'`, `'10m'`, `'2h'`, `'1d'`. */
export type Duration = number | string;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/;

/**
 * Milliseconds for a duration option. `Infinity` is allowed where `allowInfinity` says so (a TTL that never expires).
 * Throws `INVALID_TTL` naming the option, so a typo in a config file is caught at start-up.
 */
export function parseDuration(value: Duration, option: string, allowInfinity = false): number {
  let ms: number;
  if (typeof value === 'number') {
    ms = value;
  } else if (typeof value === 'string') {
    const match = PATTERN.exec(value);
    if (match === null) {
      throw new StrataError(ErrorCode.INVALID_TTL, `${option}: '${value}' is not a duration; use milliseconds or a string like '30s', '10m', '2h', '1d'`);
    }
    ms = Number(match[1]) * (UNIT_MS[match[2] as string] as number);
  } else {
    throw new StrataError(ErrorCode.INVALID_TTL, `${option}: expected milliseconds or a string like '10m', got ${typeof value}`);
  }
  if (Number.isNaN(ms) || ms < 0 || (ms === Infinity && !allowInfinity)) {
    throw new StrataError(ErrorCode.INVALID_TTL, `${option}: ${String(value)} is not a valid duration (non-negative${allowInfinity ? '' : ', finite'} milliseconds)`);
  }
  return ms;
}
