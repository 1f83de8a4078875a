import type { Cluster, Redis } from 'ioredis';
import { withTimeout } from '../resilience/timeout.js';

/**
 * While a Cluster master is unreachable, its replicas are asked for the slot map this often, so the client routes the
 * master's slots to the replica the moment it takes over. Left alone, ioredis reloads the map when a pending command's
 * retry comes round or every `slotsRefreshInterval`, from a random node, and the other nodes learn of the promotion by
 * gossip 40–100 ms after the promoted replica (on the local 3+3 cluster, see docs/failover.md): the first write after
 * the promotion waited for both (bench/failover.ts: 108 ms median behind the promotion).
 * One CLUSTER SLOTS per replica per poll, on a connection the client already holds, and only during an incident.
 */
export const FAILOVER_POLL_MS = 20;
/** A watch gives up after this long without the failed master's slots changing hands (a later error starts another). */
const WATCH_MS = 30_000;
/** After the takeover, how long the client's map is kept on the new master while the other nodes catch up. */
const SETTLE_MS = 2_000;
/**
 * Until the other masters have heard of the promotion they answer every command with CLUSTERDOWN (the cluster state
 * stays `fail` while a master is failed and `cluster-require-full-coverage` is on, the default): they are asked this
 * often after the takeover, so the moment they all serve again is reported too.
 */
const SETTLE_POLL_MS = 10;
/** A node that does not answer CLUSTER SLOTS within this long counts as not answering (the next poll asks again). */
const ANSWER_TIMEOUT_MS = 500;

export interface FailoverWatchStats {
  /** Cluster masters whose failure started a watch. */
  watches: number;
  /** Polls of the failed masters' replicas (and, once a replica took over, of the other masters). */
  polls: number;
  /** Slot map loads from a replica that serves a failed master's slots (again when a stale map was loaded meanwhile). */
  slotMapLoads: number;
  /** Failed masters whose slots a replica took over (each reported to `onTakeover`, then to `onSettled`). */
  takeovers: number;
  /** Takeovers after which every other master was seen serving again within the settle period. */
  settled: number;
}

interface Watch {
  /** The failed master's slots when the watch started. */
  slots: number[];
  /** Its replicas (`host:port`) when the watch started. */
  replicas: Set<string>;
  until: number;
  timer: NodeJS.Timeout | undefined;
  /** The node that reported the takeover, once one did; the map is loaded from it until the other masters agree. */
  informed: Redis | undefined;
  /** The master of the failed slots after the takeover. */
  master?: string;
}

const nodeKey = (node: Redis): string => `${node.options.host}:${node.options.port}`;

/** `[start, end, master]` per slot range of a CLUSTER SLOTS reply (ranges whose master has no address are left out). */
function rangesIn(reply: unknown): Array<[number, number, string]> {
  if (!Array.isArray(reply)) return [];
  const ranges: Array<[number, number, string]> = [];
  for (const range of reply as unknown[][]) {
    const master = range[2] as unknown[] | undefined;
    if (Array.isArray(master) && typeof master[0] === 'string' && master[0] !== '') ranges.push([Number(range[0]), Number(range[1]), `${master[0]}:${String(master[1])}`]);
  }
  return ranges;
}

/** Whether a CLUSTER SLOTS reply names a master other than `failed` for any of `slots` (sorted ascending). */
function takenOver(reply: unknown, failed: string, slots: readonly number[]): boolean {
  const first = slots[0] as number;
  const last = slots[slots.length - 1] as number;
  return rangesIn(reply).some(([start, end, master]) => master !== failed && start <= last && end >= first && slots.some((s) => start <= s && s <= end));
}

/** ioredis's own loader of the slot map from one given node (a private method of `Cluster` in ioredis 4 to 6). */
type SlotMapLoader = { getInfoFromNode?: (node: Redis, callback: (err?: Error | null) => void) => void };

/**
 * Loads the client's slot map from `node`. ioredis's public `refreshSlotsCache()` asks a random node, which keeps
 * answering with the old map until gossip reaches it; its per-node loader is not public API, so without it this falls
 * back to `refreshSlotsCache()`.
 */
function loadSlotsFrom(cluster: Cluster, node: Redis): Promise<void> {
  return new Promise((resolve) => {
    const loader = (cluster as unknown as SlotMapLoader).getInfoFromNode;
    if (typeof loader === 'function') loader.call(cluster, node, () => resolve());
    else cluster.refreshSlotsCache(() => resolve());
  });
}

/**
 * Watches the masters of a Cluster client whose connection failed, and points the client's slot map at the replica
 * that takes over, as soon as that replica says so:
 * - a watch starts when a master the client routes slots to loses its connection (`-node`) or reports an error;
 * - every `FAILOVER_POLL_MS` it asks the master's replicas for CLUSTER SLOTS; when one names another master for the
 *   failed slots, the client's map is loaded from that replica and `onTakeover(failed, master, false)` is called;
 * - until the other masters agree (gossip), a map loaded meanwhile from one of them (ioredis reloads it on every
 *   retry) can route the slots back to the failed master: the map is then loaded from the replica again; once they
 *   all agree (and so serve again), `onTakeover(failed, master, true)`;
 * - it ends then, when the failed master is back (its connection is ready again), or after `WATCH_MS`.
 */
export class ClusterFailoverWatch {
  private readonly watches = new Map<string, Watch>();
  private readonly counters: FailoverWatchStats = { watches: 0, polls: 0, slotMapLoads: 0, takeovers: 0, settled: 0 };
  private stopped = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly onTakeover: (failed: string, master: string, settled: boolean) => void,
  ) {
    // A node's connection ends ('-node') when the node goes away; ioredis creates it again on every redirect to it.
    cluster.on('-node', (node: Redis) => this.watch(nodeKey(node)));
    cluster.on('node error', (_err: unknown, key: unknown) => {
      if (typeof key === 'string') this.watch(key);
    });
  }

  stats(): FailoverWatchStats {
    return { ...this.counters };
  }

  stop(): void {
    this.stopped = true;
    for (const watch of this.watches.values()) clearTimeout(watch.timer);
    this.watches.clear();
  }

  /** The slots the client routes to `key`, ascending. */
  private routedTo(key: string): number[] {
    const slots: number[] = [];
    this.cluster.slots.forEach((owners, slot) => {
      if (owners[0] === key) slots.push(slot);
    });
    return slots;
  }

  /** Starts a watch of `key` if the client routes slots to it; a watch already running is extended. */
  private watch(key: string): void {
    if (this.stopped) return;
    const running = this.watches.get(key);
    if (running !== undefined) {
      if (running.informed === undefined) running.until = Date.now() + WATCH_MS;
      return;
    }
    const slots = this.routedTo(key);
    if (slots.length === 0) return;
    const replicas = new Set<string>();
    for (const slot of slots) for (const replica of this.cluster.slots[slot]?.slice(1) ?? []) replicas.add(replica);
    this.counters.watches++;
    this.watches.set(key, { slots, replicas, until: Date.now() + WATCH_MS, timer: undefined, informed: undefined });
    this.schedule(key, 0);
  }

  private schedule(key: string, delayMs: number): void {
    const watch = this.watches.get(key);
    if (watch === undefined) return;
    watch.timer = setTimeout(() => {
      this.poll(key, watch).catch(() => this.end(key));
    }, delayMs);
    watch.timer.unref();
  }

  private end(key: string): void {
    const watch = this.watches.get(key);
    if (watch !== undefined) clearTimeout(watch.timer);
    this.watches.delete(key);
  }

  private async poll(key: string, watch: Watch): Promise<void> {
    if (this.stopped || this.watches.get(key) !== watch) return;
    if (Date.now() > watch.until) return this.end(key);
    this.counters.polls++;
    const nodes = this.cluster.nodes('all');
    if (watch.informed === undefined) {
      // The failed master is back before any replica took over: nothing to do.
      if (nodes.some((node) => nodeKey(node) === key && node.status === 'ready')) return this.end(key);
      let sources = nodes.filter((node) => watch.replicas.has(nodeKey(node)));
      // Without a replica, nothing can take over, but another master may be given the slots: ask the masters.
      if (sources.length === 0) sources = this.cluster.nodes('master').filter((node) => nodeKey(node) !== key);
      const replies = await this.ask(sources);
      const informed = sources.find((_, i) => takenOver(replies[i], key, watch.slots));
      if (informed === undefined) return this.schedule(key, FAILOVER_POLL_MS);
      watch.informed = informed;
      watch.until = Date.now() + SETTLE_MS;
      await this.load(informed);
      if (this.watches.get(key) !== watch) return;
      const master = this.cluster.slots[watch.slots[0] as number]?.[0];
      watch.master = master !== undefined && master !== key ? master : nodeKey(informed);
      this.counters.takeovers++;
      this.onTakeover(key, watch.master, false);
      return this.schedule(key, 0);
    }
    // Settling: keep the map on the new master until the other masters agree, then report that the cluster serves.
    if (this.routedTo(key).length > 0) await this.load(watch.informed);
    const others = this.cluster.nodes('master').filter((node) => node !== watch.informed && nodeKey(node) !== key);
    const replies = await this.ask(others);
    if (replies.every((reply) => takenOver(reply, key, watch.slots)) && this.routedTo(key).length === 0) {
      this.end(key);
      this.counters.settled++;
      this.onTakeover(key, watch.master ?? nodeKey(watch.informed), true);
      return;
    }
    this.schedule(key, SETTLE_POLL_MS);
  }

  private async load(node: Redis): Promise<void> {
    this.counters.slotMapLoads++;
    await loadSlotsFrom(this.cluster, node);
  }

  private ask(nodes: readonly Redis[]): Promise<unknown[]> {
    return Promise.all(nodes.map((node) => withTimeout(node.call('CLUSTER', 'SLOTS'), ANSWER_TIMEOUT_MS, 'CLUSTER SLOTS').catch(() => undefined)));
  }
}
