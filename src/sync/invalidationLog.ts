import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { Cluster, type Redis } from 'ioredis';
import { coalesceEvents } from './coalesceEvents.js';
import type { ReplicatedEvent } from './events.js';

export interface InvalidationLogOptions {
  /** Events the stream keeps, approximately (`XADD … MAXLEN ~`); an instance further behind repairs by dropping its local copies. */
  maxLen?: number;
  /** How long one `XREAD BLOCK` waits for new events before it is issued again, ms. */
  blockMs?: number;
  /** Most events read in one `XREAD`. */
  batchSize?: number;
  /** Shortest interval between two writes of the last applied id to the meta store, ms. */
  persistIntervalMs?: number;
  /** Events kept for a retry while Redis cannot take them; beyond this they are dropped and counted. */
  maxPending?: number;
  /** This instance's id on the log (its own events are skipped); default: a random UUID. */
  instanceId?: string;
}

/** Where the last applied id survives a restart: L3 (`DiskTier.getMeta/setMeta`). */
export interface LogMetaStore {
  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): Promise<void>;
}

/** What the log does to the local tiers. */
export interface LogHandlers {
  /** Applies another instance's event to the local copies (L1, L3). */
  apply(event: ReplicatedEvent): Promise<void>;
  /** The log cannot prove that no event was missed: every local copy must go. */
  dropAll(): Promise<void>;
  /** Tag invalidation times recorded in Redis (loaded at start and after a repair). */
  loadTags(times: ReadonlyArray<readonly [string, number]>): void;
}

export interface InvalidationLogStats {
  instanceId: string;
  /** Whether the last read on the tailing connection succeeded. */
  connected: boolean;
  /** True once the log has loaded the tags and is tailing. */
  ready: boolean;
  lastId: string | undefined;
  /** Remote events applied since start. */
  applied: number;
  published: number;
  publishFailures: number;
  /** Events waiting to be published again. */
  pending: number;
  /** Events that could not be kept for a retry (other instances never saw them). */
  droppedEvents: number;
  /** Times the local copies were dropped because events may have been missed. */
  repairs: number;
  /** Apply time minus publish time of the last applied remote event, ms (includes clock skew between hosts). */
  lagMs: number;
  /** Events read but not yet applied. */
  behind: number;
  /** When the last remote event was applied (ms since the epoch), 0 if none. */
  lastAppliedAt: number;
}

export interface InvalidationLogEvents {
  /** A remote event was applied to the local tiers. */
  applied: [info: { id: string; event: ReplicatedEvent; lagMs: number; readAt: number }];
  /** Local copies were dropped: events may have been missed (`trimmed`) or none could be proven applied (`unknown-start`). */
  repaired: [info: { reason: 'trimmed' | 'unknown-start' }];
  /** Redis failed a log operation; the log keeps retrying. */
  error: [error: unknown];
}

type Client = Redis | Cluster;
export type StreamEntry = [id: string, fields: string[]];

const DEFAULTS = { maxLen: 100_000, blockMs: 1000, batchSize: 500, persistIntervalMs: 1000, maxPending: 10_000 };

/** Keeps the tag with the later of the stored and the given time: events may be published in any order. */
const RECORD_TAGS = `
for i = 1, #ARGV, 2 do
  local known = redis.call('HGET', KEYS[1], ARGV[i])
  if not known or tonumber(known) < tonumber(ARGV[i + 1]) then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
return 1`;

/** Milliseconds since the epoch with sub-millisecond precision, so propagation on loopback can be measured. */
function wallClock(): number {
  return performance.timeOrigin + performance.now();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The replicated invalidation log (DESIGN.md, decision 4): a Redis Stream `{prefix}:log` every instance appends
 * to and tails with `XREAD BLOCK` on a connection of its own (a blocking read on the shared auto-pipelined client
 * would hold up every command queued behind it), and appends on another (on the shared client an append waits for
 * the next auto-pipeline flush and for the pipeline in flight to its node). Tag times are also kept in the hash `{prefix}:tags`, so an instance
 * that starts knows every tag invalidation without replaying the stream.
 *
 * Gap freedom: the last applied id is persisted in the meta store. Before reading on from an id after a restart, a
 * lost connection or a full batch, the log checks that the id is still in the stream: trimming removes the oldest
 * entries first, so if it is there, nothing after it was lost. If it is not, the local copies are dropped.
 */
export class InvalidationLog extends EventEmitter<InvalidationLogEvents> {
  readonly instanceId: string;
  private readonly options: Required<Omit<InvalidationLogOptions, 'instanceId'>>;
  private readonly logKey: string;
  private readonly tagsKey: string;
  private readonly metaKey: string;
  private readonly reader: Client;
  /** Appends (and tag times) go on a connection of their own, written at once. */
  private readonly writer: Client;
  /** Batches being appended (awaited by `close`). */
  private readonly appending = new Set<Promise<void>>();
  private readonly pending: ReplicatedEvent[] = [];
  /** Events published in the current tick, appended together when it ends. */
  private batch: Array<{ event: ReplicatedEvent; done: () => void }> = [];
  private lastId: string | undefined;
  private persistedId: string | undefined;
  private persistedAt = 0;
  private closed = false;
  private started: Promise<void> | undefined;
  private tailing: Promise<void> | undefined;
  private readonly counters = { applied: 0, published: 0, publishFailures: 0, droppedEvents: 0, repairs: 0, lagMs: 0, behind: 0, lastAppliedAt: 0 };
  private connected = false;
  private isReady = false;

  constructor(
    client: Client,
    keyPrefix: string,
    private readonly handlers: LogHandlers,
    private readonly meta: LogMetaStore | undefined,
    options: InvalidationLogOptions = {},
  ) {
    super();
    this.instanceId = options.instanceId ?? randomUUID();
    this.options = {
      maxLen: options.maxLen ?? DEFAULTS.maxLen,
      blockMs: options.blockMs ?? DEFAULTS.blockMs,
      batchSize: options.batchSize ?? DEFAULTS.batchSize,
      persistIntervalMs: options.persistIntervalMs ?? DEFAULTS.persistIntervalMs,
      maxPending: options.maxPending ?? DEFAULTS.maxPending,
    };
    this.logKey = `${keyPrefix}:log`;
    this.tagsKey = `${keyPrefix}:tags`;
    this.metaKey = `strata-log:${keyPrefix}`;
    // The blocked read must outlive its own BLOCK time; offline commands fail at once so the loop sees an outage.
    const override = { enableAutoPipelining: false, commandTimeout: undefined, socketTimeout: undefined, maxRetriesPerRequest: 0 };
    this.reader = client instanceof Cluster ? client.duplicate(undefined, { enableAutoPipelining: false, redisOptions: { ...client.options.redisOptions, ...override } }) : (client as Redis).duplicate(override);
    this.reader.on('error', (error: unknown) => {
      this.connected = false;
      if (this.listenerCount('error') > 0) this.emit('error', error);
    });
    // Same timeouts and retries as the shared client (a failed append is kept for a retry), written at once.
    this.writer = client instanceof Cluster ? client.duplicate(undefined, { enableAutoPipelining: false, redisOptions: { ...client.options.redisOptions, enableAutoPipelining: false } }) : (client as Redis).duplicate({ enableAutoPipelining: false });
    this.writer.on('error', (error: unknown) => {
      if (this.listenerCount('error') > 0) this.emit('error', error);
    });
  }

  /** Loads the tag times, repairs what a restart may have missed, and starts tailing. Retries until Redis answers. */
  start(): Promise<void> {
    this.started ??= this.startOnce();
    return this.started;
  }

  private async startOnce(): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        const stored = this.meta?.getMeta(this.metaKey);
        if (stored !== undefined && (await this.contains(stored))) {
          this.lastId = stored;
          await this.loadTags();
        } else {
          // No proof that this instance saw every event its local copies depend on: start clean.
          await this.resync(this.meta === undefined ? undefined : 'unknown-start');
        }
        this.connected = true;
        this.isReady = true;
        this.tailing = this.tail();
        return;
      } catch (error) {
        this.connected = false;
        if (this.listenerCount('error') > 0) this.emit('error', error);
        await sleep(Math.min(100 * (attempt + 1), 1000));
      }
    }
  }

  /**
   * Appends an event (and records tag times); resolves once Redis has it, or it is kept for a retry (never throws).
   * The events published in one tick are merged where they can be and sent together, in one pipeline.
   */
  publish(event: ReplicatedEvent): Promise<void> {
    return new Promise((done) => {
      if (this.batch.push({ event, done }) === 1) process.nextTick(() => void this.publishBatch());
    });
  }

  private async publishBatch(): Promise<void> {
    const batch = this.batch;
    this.batch = [];
    const appended = Promise.all(coalesceEvents(batch.map((b) => b.event)).map((event) => this.publishOne(event))).then(() => undefined);
    this.appending.add(appended);
    await appended;
    this.appending.delete(appended);
    for (const b of batch) b.done();
  }

  private async publishOne(event: ReplicatedEvent): Promise<void> {
    try {
      await this.append(event);
      this.counters.published++;
    } catch (error) {
      this.counters.publishFailures++;
      if (this.pending.length < this.options.maxPending) this.pending.push(event);
      else this.counters.droppedEvents++;
      if (this.listenerCount('error') > 0) this.emit('error', error);
    }
  }

  private async append(event: ReplicatedEvent): Promise<string> {
    if (event.type === 'tags') {
      const args: string[] = [];
      for (const tag of event.tags) args.push(tag, String(event.at));
      await this.writer.eval(RECORD_TAGS, 1, this.tagsKey, ...args);
    }
    return this.appendRaw(JSON.stringify(event));
  }

  private async appendRaw(payload: string): Promise<string> {
    return (await this.writer.call('XADD', this.logKey, 'MAXLEN', '~', this.options.maxLen, '*', 'o', this.instanceId, 't', String(wallClock()), 'e', payload)) as string;
  }

  private async flushPending(): Promise<void> {
    while (this.pending.length > 0 && !this.closed) {
      await this.append(this.pending[0] as ReplicatedEvent);
      this.pending.shift();
      this.counters.published++;
    }
  }

  /** Whether an entry id is still in the stream (so nothing after it has been trimmed). */
  private async contains(id: string): Promise<boolean> {
    const found = (await this.reader.call('XRANGE', this.logKey, id, id)) as StreamEntry[];
    return found.length === 1;
  }

  /**
   * Starts over from a fresh position: takes it first (a marker entry, so the position is an id the stream holds),
   * then drops the local copies and reloads the tags, so whatever happens after the marker is replayed.
   */
  private async resync(reason: 'trimmed' | 'unknown-start' | undefined): Promise<void> {
    const id = await this.appendRaw(JSON.stringify({ type: 'hello' }));
    if (reason !== undefined) {
      await this.handlers.dropAll();
      this.counters.repairs++;
      this.emit('repaired', { reason });
    }
    await this.loadTags();
    this.lastId = id;
    await this.persist(true);
  }

  private async loadTags(): Promise<void> {
    const flat = (await this.reader.call('HGETALL', this.tagsKey)) as string[];
    const times: Array<[string, number]> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) times.push([flat[i] as string, Number(flat[i + 1])]);
    this.handlers.loadTags(times);
  }

  private async tail(): Promise<void> {
    let mustProve = false;
    let failures = 0;
    while (!this.closed) {
      try {
        if (mustProve && !(await this.contains(this.lastId as string))) await this.resync('trimmed');
        mustProve = false;
        const reply = await this.reader.call('XREAD', 'COUNT', this.options.batchSize, 'BLOCK', this.options.blockMs, 'STREAMS', this.logKey, this.lastId as string);
        this.connected = true;
        failures = 0;
        const readAt = wallClock();
        const entries = entriesOf(reply);
        this.counters.behind = entries.length;
        // Started together: each event's in-memory part (dropping L1 copies) runs before anything is awaited, so one
        // event's L2/L3 calls never hold up the next one's L1 drop.
        await Promise.all(
          entries.map(async ([id, fields]) => {
            await this.applyEntry(id, fields, readAt);
            this.counters.behind--;
          }),
        );
        if (this.closed) return;
        const last = entries.at(-1);
        if (last !== undefined) this.lastId = last[0];
        // A full batch means this instance is behind: the next position must be proven still in the stream.
        mustProve = entries.length >= this.options.batchSize;
        await this.flushPending();
        await this.persist(false);
      } catch (error) {
        if (this.closed) return;
        this.connected = false;
        mustProve = true;
        failures++;
        if (this.listenerCount('error') > 0) this.emit('error', error);
        await sleep(Math.min(50 * failures, 1000));
      }
    }
  }

  private async applyEntry(id: string, fields: string[], readAt: number): Promise<void> {
    let origin: string | undefined;
    let publishedAt = 0;
    let payload: string | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const field = fields[i];
      if (field === 'o') origin = fields[i + 1];
      else if (field === 't') publishedAt = Number(fields[i + 1]);
      else if (field === 'e') payload = fields[i + 1];
    }
    if (origin === this.instanceId || payload === undefined) return;
    const event = JSON.parse(payload) as ReplicatedEvent | { type: 'hello' };
    if (event.type === 'hello' || this.closed) return;
    await this.handlers.apply(event);
    const now = wallClock();
    this.counters.applied++;
    this.counters.lastAppliedAt = Math.round(now);
    this.counters.lagMs = Math.max(0, now - publishedAt);
    if (this.listenerCount('applied') > 0) this.emit('applied', { id, event, lagMs: this.counters.lagMs, readAt });
  }

  private async persist(force: boolean): Promise<void> {
    if (this.meta === undefined || this.lastId === undefined || this.lastId === this.persistedId) return;
    const now = Date.now();
    if (!force && now - this.persistedAt < this.options.persistIntervalMs) return;
    const id = this.lastId;
    try {
      await this.meta.setMeta(this.metaKey, id);
      this.persistedId = id;
      this.persistedAt = now;
    } catch (error) {
      if (this.listenerCount('error') > 0) this.emit('error', error);
    }
  }

  stats(): InvalidationLogStats {
    return {
      instanceId: this.instanceId,
      connected: this.connected,
      ready: this.isReady,
      lastId: this.lastId,
      applied: this.counters.applied,
      published: this.counters.published,
      publishFailures: this.counters.publishFailures,
      pending: this.pending.length,
      droppedEvents: this.counters.droppedEvents,
      repairs: this.counters.repairs,
      lagMs: this.counters.lagMs,
      behind: this.counters.behind,
      lastAppliedAt: this.counters.lastAppliedAt,
    };
  }

  /** Stops tailing, publishes what is pending if Redis takes it, and persists the last applied id. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.batch.length > 0) await this.publishBatch();
    await Promise.all(this.appending);
    if (this.pending.length > 0) await this.flushPending().catch(() => undefined);
    this.closed = true;
    this.reader.disconnect();
    await this.writer.quit().catch(() => undefined);
    this.writer.disconnect();
    await this.tailing?.catch(() => undefined);
    await this.persist(true);
  }
}

/** The entries of an XREAD reply on one stream: `[[key, entries]]`, or `[key, entries]` as ioredis 6 flattens it. */
export function entriesOf(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const stream = typeof reply[0] === 'string' ? reply : reply[0];
  return Array.isArray(stream) && Array.isArray(stream[1]) ? (stream[1] as StreamEntry[]) : [];
}
