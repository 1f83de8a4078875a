/** A computation under way for a canonical form: the exact key it is computed under, and what it will share. */
export interface CanonicalFlight<T> {
  exactKey: string;
  /** Resolves to the shared result, or to undefined when there is none to share (failed, outdated): never rejects. */
  shared: Promise<T | undefined>;
}

/**
 * The computations under way in this process, one per canonical key (partition + canonical form, see
 * `SemanticCache.canonicalKey`): a question asked in other words while one runs waits for it instead of computing its
 * own. The cache's single-flight cannot do this: it is per exact key, and paraphrases have different exact keys.
 */
export class CanonicalFlights<T> {
  private readonly flights = new Map<string, CanonicalFlight<T>>();

  /** The computation under way for a canonical key, if any. */
  current(canonicalKey: string): CanonicalFlight<T> | undefined {
    return this.flights.get(canonicalKey);
  }

  /**
   * Registers the caller's computation for a canonical key; `finish` must be called once it ends (with undefined when
   * it failed or must not be shared), which wakes the waiters and ends the flight.
   */
  lead(canonicalKey: string, exactKey: string): (shared: T | undefined) => void {
    let settle: (shared: T | undefined) => void = () => undefined;
    const flight: CanonicalFlight<T> = { exactKey, shared: new Promise((resolve) => (settle = resolve)) };
    this.flights.set(canonicalKey, flight);
    return (shared) => {
      if (this.flights.get(canonicalKey) === flight) this.flights.delete(canonicalKey);
      settle(shared);
    };
  }
}
