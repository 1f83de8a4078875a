/**
 * Every error Strata raises on purpose is a `StrataError` with a stable `code`.
 * Codes never change meaning between releases; messages may be reworded.
 */
export const ErrorCode = {
  /** A key is empty, not a string, or longer than `maxKeyLength`. */
  INVALID_KEY: 'INVALID_KEY',
  /** An option has the wrong type or is out of range. */
  INVALID_OPTION: 'INVALID_OPTION',
  /** A TTL or grace period is negative, not finite, or not a number. */
  INVALID_TTL: 'INVALID_TTL',
  /** The encoded value is larger than `maxEntryBytes`. */
  VALUE_TOO_LARGE: 'VALUE_TOO_LARGE',
  /** The value holds something that cannot be stored: a function, a symbol, a cycle, a BigInt… */
  NOT_SERIALIZABLE: 'NOT_SERIALIZABLE',
  /** Stored bytes could not be decoded (corrupt, another program's, or an unknown format). */
  DECODE_FAILED: 'DECODE_FAILED',
  /** The factory did not answer within the hard timeout and no stale value was available. */
  FACTORY_TIMEOUT: 'FACTORY_TIMEOUT',
  /** The factory threw and no stale value was available; `cause` holds the original error. */
  FACTORY_ERROR: 'FACTORY_ERROR',
  /** The cache was closed. */
  CLOSED: 'CLOSED',
  /** A data class name that is not configured. */
  UNKNOWN_CLASS: 'UNKNOWN_CLASS',
  /** A tier call did not finish within its soft timeout. */
  TIMEOUT: 'TIMEOUT',
  /** The circuit breaker around a tier is open; the call was not attempted. */
  CIRCUIT_OPEN: 'CIRCUIT_OPEN',
  /** A tier (Redis, disk) failed; `cause` holds the original error. */
  TIER_FAILURE: 'TIER_FAILURE',
  /** Redis connection settings are invalid (bad URL, unknown topology…). */
  INVALID_REDIS_CONFIG: 'INVALID_REDIS_CONFIG',
  /** An input file (trace, dataset) is missing or malformed. */
  INVALID_INPUT: 'INVALID_INPUT',
  /** An embedding provider failed (HTTP error, timeout, malformed answer); `cause` holds the original error. */
  EMBEDDER_FAILED: 'EMBEDDER_FAILED',
  /** An embedding provider cannot be used here: its optional package or its local model is missing. */
  EMBEDDER_UNAVAILABLE: 'EMBEDDER_UNAVAILABLE',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class StrataError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StrataError';
    this.code = code;
    this.details = options.details;
  }

  /** A plain object for logs and HTTP bodies. */
  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: { ...this.details } };
  }
}

export function isStrataError(err: unknown, code?: ErrorCode): err is StrataError {
  return err instanceof StrataError && (code === undefined || err.code === code);
}
