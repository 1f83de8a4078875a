import { ErrorCode, StrataError } from '../errors.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Failures within `windowMs` that open the circuit. */
  failureThreshold?: number;
  /** Only failures this recent count towards `failureThreshold`. */
  windowMs?: number;
  /** How long the circuit stays open before letting trial calls through. */
  openDurationMs?: number;
  /** Trial calls admitted while half-open; all of them must succeed to close the circuit. */
  halfOpenTrials?: number;
  /** Which errors count as failures of the protected resource; default: every error. */
  isFailure?: (err: unknown) => boolean;
  /** Clock in ms; tests pass their own. */
  now?: () => number;
  /** Names the protected resource in CIRCUIT_OPEN messages. */
  name?: string;
}

export type CircuitStateListener = (to: CircuitState, from: CircuitState) => void;

const DEFAULTS = { failureThreshold: 5, windowMs: 10_000, openDurationMs: 100, halfOpenTrials: 1 };

/**
 * What `admit()` hands out and `settle` takes back: the breaker's state generation when the call was admitted. Every
 * state change (and `probe()`) starts a new generation, and an outcome counts only in the generation it was admitted
 * in, so a call that was already in flight when the circuit changed state does not decide the new state.
 */
export type Admission = number;

/**
 * Closed: calls pass and failures are counted. `failureThreshold` failures within `windowMs` open it.
 * Open: calls reject at once with CIRCUIT_OPEN for `openDurationMs`, then it turns half-open.
 * Half-open: up to `halfOpenTrials` calls pass; one failure re-opens it, `halfOpenTrials` successes close it.
 * `probe()` (the resource says it is back, e.g. a Redis failover completed) turns an open circuit half-open at once.
 * A call's outcome counts only if the circuit has not changed state since the call was admitted (see `Admission`).
 */
export class CircuitBreaker {
  private readonly failureThreshold: number;
  private readonly windowMs: number;
  private readonly openDurationMs: number;
  private readonly halfOpenTrials: number;
  private readonly isFailure: (err: unknown) => boolean;
  private readonly now: () => number;
  private readonly name: string;
  private current: CircuitState = 'closed';
  /** Times of recent failures, oldest first, at most `failureThreshold` of them. */
  private failures: number[] = [];
  private openedAt = 0;
  /** Bumped by every state change and probe: outcomes of calls admitted under an older one are not counted. */
  private generation = 0;
  private trialsStarted = 0;
  private trialsSucceeded = 0;
  private readonly listeners = new Set<CircuitStateListener>();
  /** How many calls were rejected without being attempted. */
  rejected = 0;

  constructor(options: CircuitBreakerOptions = {}) {
    const positive = (name: string, value: number | undefined, fallback: number): number => {
      if (value === undefined) return fallback;
      if (!Number.isFinite(value) || value <= 0) {
        throw new StrataError(ErrorCode.INVALID_OPTION, `circuit breaker ${name} must be a positive number (got ${value})`);
      }
      return value;
    };
    this.failureThreshold = positive('failureThreshold', options.failureThreshold, DEFAULTS.failureThreshold);
    this.windowMs = positive('windowMs', options.windowMs, DEFAULTS.windowMs);
    this.openDurationMs = positive('openDurationMs', options.openDurationMs, DEFAULTS.openDurationMs);
    this.halfOpenTrials = positive('halfOpenTrials', options.halfOpenTrials, DEFAULTS.halfOpenTrials);
    this.isFailure = options.isFailure ?? (() => true);
    this.now = options.now ?? Date.now;
    this.name = options.name ?? 'resource';
  }

  /** The state now; an open circuit whose open duration has passed reports half-open. */
  get state(): CircuitState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.openDurationMs) this.transition('half-open');
    return this.current;
  }

  /** Subscribes to state changes; returns the unsubscribe function. */
  onStateChange(listener: CircuitStateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs `call` if the circuit allows it; otherwise rejects at once with CIRCUIT_OPEN. Never throws synchronously. */
  async execute<T>(call: () => Promise<T>): Promise<T> {
    const admittedIn = this.admit();
    if (admittedIn === undefined) throw this.openError();
    let result: T;
    try {
      result = await call();
    } catch (err) {
      this.settle(admittedIn, err);
      throw err;
    }
    this.settle(admittedIn, undefined);
    return result;
  }

  /**
   * The allocation-free form of `execute` for hot paths: `admit()` says whether a call may start (undefined = no,
   * and it is counted as rejected); the caller then reports its outcome once with `settle`.
   */
  admit(): Admission | undefined {
    const state = this.state;
    if (state === 'open' || (state === 'half-open' && this.trialsStarted >= this.halfOpenTrials)) {
      this.rejected++;
      return undefined;
    }
    if (state === 'half-open') this.trialsStarted++;
    return this.generation;
  }

  /**
   * Reports the outcome of an admitted call: `err` undefined for a success. It is ignored when the circuit changed
   * state since the call was admitted: a call stuck in a client's retry queue through an outage and failing after the
   * recovery says nothing about the recovered resource (it used to re-open a circuit that had just closed).
   */
  settle(admittedIn: Admission, err: unknown): void {
    if (admittedIn !== this.generation) return;
    if (err !== undefined && this.isFailure(err)) this.recordFailure();
    else this.recordSuccess();
  }

  /**
   * The protected resource reports it may be back (a Cluster replica took over the failed master's slots, or the
   * client reconnected): an open circuit turns half-open now instead of at the end of its open period, and a half-open
   * one admits a fresh set of trials (the current trial may be waiting in the client's retry queue). No effect when
   * closed. Returns whether the state or the trial budget changed.
   */
  probe(): boolean {
    const state = this.state;
    if (state === 'closed') return false;
    if (state === 'open') this.transition('half-open');
    else this.startGeneration();
    return true;
  }

  /** The error a call gets while the circuit is open. */
  openError(): StrataError {
    return new StrataError(ErrorCode.CIRCUIT_OPEN, `${this.name} is failing: circuit open, call not attempted`);
  }

  private recordSuccess(): void {
    if (this.current !== 'half-open') return;
    this.trialsSucceeded++;
    if (this.trialsSucceeded >= this.halfOpenTrials) this.transition('closed');
  }

  private recordFailure(): void {
    const now = this.now();
    if (this.current === 'half-open') {
      this.open(now);
      return;
    }
    if (this.current === 'open') return;
    this.failures.push(now);
    while (this.failures.length > 0 && now - (this.failures[0] as number) > this.windowMs) this.failures.shift();
    if (this.failures.length > this.failureThreshold) this.failures.shift();
    if (this.failures.length >= this.failureThreshold) this.open(now);
  }

  private open(now: number): void {
    this.openedAt = now;
    this.transition('open');
  }

  private transition(to: CircuitState): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    this.failures = [];
    this.startGeneration();
    for (const listener of this.listeners) listener(to, from);
  }

  private startGeneration(): void {
    this.generation++;
    this.trialsStarted = 0;
    this.trialsSucceeded = 0;
  }
}
