import { ErrorCode, StrataError } from '../errors.js';

/**
 * Settles like `work`, or rejects with StrataError `TIMEOUT` after `ms` if `work` is slower.
 * The work itself is not cancelled (a Redis command cannot be); its late outcome is swallowed so it
 * never becomes an unhandled rejection, and the timer is cleared as soon as either side settles.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  if (!(ms > 0) || ms === Infinity) return work;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new StrataError(ErrorCode.TIMEOUT, `${what} did not finish within ${ms} ms`, { details: { timeoutMs: ms } }));
    }, ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
