import { CircuitBreaker, type CircuitState } from './circuitBreaker.js';

/** The key of the breaker that guards a resource as a whole (see `BreakerPerNode.fallback`). */
export const WHOLE_RESOURCE = '*';

/**
 * One circuit breaker per node of a sharded resource (a Redis Cluster master), so a failed node costs only its own
 * calls. Breakers are created on a node's first call and dropped once the node no longer serves anything (`live`
 * stops naming it), so the set stays as small as the node list.
 *
 * `fallback` guards calls whose node is not known (a Cluster client before its slot map is loaded) and is the only
 * breaker of an unsharded resource. With a `shared` breaker, every node uses that one.
 */
export class BreakerPerNode {
  readonly fallback: CircuitBreaker;
  private readonly shared: boolean;
  private readonly byNode = new Map<string, CircuitBreaker>();
  /** Rejections counted by breakers since dropped: `rejected()` never goes down. */
  private droppedRejections = 0;

  /**
   * @param create builds the breaker of a node (and, with `node` undefined, the fallback unless `shared` is given).
   * @param live the nodes serving now; asked when a node's first breaker is made, and by `prune()`.
   */
  constructor(
    private readonly create: (node: string | undefined) => CircuitBreaker,
    private readonly live: () => ReadonlySet<string>,
    shared?: CircuitBreaker,
  ) {
    this.shared = shared !== undefined;
    this.fallback = shared ?? create(undefined);
  }

  /** The breaker of `node` (the fallback when it is undefined or the breaker is shared). */
  of(node: string | undefined): CircuitBreaker {
    if (node === undefined || this.shared) return this.fallback;
    let breaker = this.byNode.get(node);
    if (breaker === undefined) {
      // A node seen for the first time: the topology changed, so a node may have left it too.
      this.prune();
      breaker = this.create(node);
      this.byNode.set(node, breaker);
    }
    return breaker;
  }

  /** Drops the breakers of nodes that `live` no longer names. */
  prune(): void {
    if (this.byNode.size === 0) return;
    const live = this.live();
    for (const [node, breaker] of this.byNode) {
      if (live.has(node)) continue;
      this.droppedRejections += breaker.rejected;
      this.byNode.delete(node);
    }
  }

  /** `probe()` on every breaker: the resource says it may be back, and which node is not always known. */
  probe(): void {
    this.fallback.probe();
    for (const breaker of this.byNode.values()) breaker.probe();
  }

  /**
   * The state of each breaker in use, by node; `WHOLE_RESOURCE` names the fallback, listed when there is no node
   * breaker or when it is not closed (it then refuses the calls of unknown nodes).
   */
  states(): Record<string, CircuitState> {
    const states: Record<string, CircuitState> = {};
    const fallback = this.fallback.state;
    if (this.byNode.size === 0 || fallback !== 'closed') states[WHOLE_RESOURCE] = fallback;
    for (const [node, breaker] of this.byNode) states[node] = breaker.state;
    return states;
  }

  /**
   * One state for the whole resource: `closed` when every breaker in `states()` is, `open` when every one is (nothing
   * is served), `half-open` otherwise (part of it refused or on trial). Allocation-free: `isHealthy()` asks it often.
   */
  state(): CircuitState {
    const fallback = this.fallback.state;
    let all: CircuitState | undefined = this.byNode.size === 0 || fallback !== 'closed' ? fallback : undefined;
    for (const breaker of this.byNode.values()) {
      const state = breaker.state;
      if (all === undefined) all = state;
      else if (state !== all) return 'half-open';
    }
    return all ?? 'closed';
  }

  /** Calls refused by any of the breakers, dropped ones included. */
  rejected(): number {
    let rejected = this.droppedRejections + this.fallback.rejected;
    for (const breaker of this.byNode.values()) rejected += breaker.rejected;
    return rejected;
  }
}
