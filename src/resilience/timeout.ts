import { ErrorCode, StrataError } from '../errors.js';

interface Pending {
  deadline: number;
  fail: () => void;
}

/**
 * One shared sweep instead of a timer per call: a `setTimeout` + `clearTimeout` pair costs about as much as the rest
 * of an L2 read's client-side work, and every L2 call carries a soft timeout. Deadlines are checked every
 * SWEEP_MS, so a timeout fires up to that much late — immaterial for soft timeouts of hundreds of milliseconds.
 */
const SWEEP_MS = 5;
const pending = new Set<Pending>();
let sweeper: NodeJS.Timeout | undefined;

function sweep(): void {
  const now = performance.now();
  for (const call of pending) {
    if (call.deadline <= now) {
      pending.delete(call);
      call.fail();
    }
  }
  if (pending.size === 0 && sweeper !== undefined) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

/** A deadline being watched (see `startDeadline`). */
export type Deadline = Pending;

/**
 * Calls `fail` once `ms` have passed, unless `endDeadline` comes first: for hot paths that settle their own promise
 * (one promise per call instead of `withTimeout`'s extra one). `ms` must be positive and finite.
 */
export function startDeadline(ms: number, fail: () => void): Deadline {
  const call: Pending = { deadline: performance.now() + ms, fail };
  pending.add(call);
  if (sweeper === undefined) {
    // Not unref'd: like the timer it replaces, a pending deadline keeps the process alive until it fires.
    sweeper = setInterval(sweep, Math.min(SWEEP_MS, ms));
  }
  return call;
}

/** Stops watching a deadline; false when it had already fired (the outcome then belongs to `fail`). */
export function endDeadline(call: Deadline): boolean {
  return pending.delete(call);
}

/** The error of a call that outlived its deadline. */
export function timeoutError(what: string, ms: number): StrataError {
  return new StrataError(ErrorCode.TIMEOUT, `${what} did not finish within ${ms} ms`, { details: { timeoutMs: ms } });
}

/**
 * Settles like `work`, or rejects with StrataError `TIMEOUT` after `ms` if `work` is slower.
 * The work itself is not cancelled (a Redis command cannot be); its late outcome is swallowed so it
 * never becomes an unhandled rejection.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  if (!(ms > 0) || ms === Infinity) return work;
  return new Promise<T>((resolve, reject) => {
    const call = startDeadline(ms, () => reject(timeoutError(what, ms)));
    work.then(
      (value) => {
        endDeadline(call);
        resolve(value);
      },
      (err: unknown) => {
        endDeadline(call);
        reject(err);
      },
    );
  });
}
