import type { Entry } from '../codec/entry.js';
import { checkName, type ResolvedHotKeys } from '../config/options.js';
import { ErrorCode, StrataError } from '../errors.js';
import { withTimeout } from '../resilience/timeout.js';
import type { HotKeyRegistry } from '../sync/hotKeyRegistry.js';
import { HotKeyTracker } from '../sync/hotKeyTracker.js';
import type { SyncReport, WarmProgress, WarmReport } from '../sync/warmReport.js';
import type { MemoryPartition } from '../tiers/memory.js';
import type { ByteTier } from '../tiers/tier.js';
import type { ClassView, TierStack } from './tierStack.js';

/** Options of `warm()`. */
export interface WarmOptions {
  /** Most keys prefetched, the most read first (over every class warmed); default 1000. */
  top?: number;
  /** Namespaces to warm; `'*'` for every namespace with published hot keys. Default: the cache's own namespace. */
  namespaces?: readonly string[] | '*';
  /** Keys per Redis request (each is one pipeline per cluster node); default 500. */
  batchSize?: number;
  /** Longest the warm-up runs, ms; past it, it stops and reports `timedOut`. Default 30 s. */
  timeoutMs?: number;
  /** Called after every batch. */
  onProgress?: (progress: WarmProgress) => void;
}

const WARM_DEFAULTS = { top: 1000, batchSize: 500, timeoutMs: 30_000 };
/** How often sampled reads are counted: off the request path, often enough that the sample ring rarely fills. */
const DRAIN_INTERVAL_MS = 1000;
/** Samples held between two drains. */
const RING_SIZE = 8192;
/** Each publication halves the counts, so a key's score is its reads of the last few intervals. */
const DECAY = 0.5;

const attached = new WeakMap<TierStack, WarmUp>();

/** Hot-key tracking counters, in `stats().hotKeys`. */
export interface HotKeyStats {
  /** Reads sampled and counted. */
  sampled: number;
  /** Samples dropped because reads outpaced the drain. */
  droppedSamples: number;
  /** Publications of this instance's lists. */
  publications: number;
  /** Publications Redis failed (also emitted as `tier:error`). */
  publishFailures: number;
}

/** The warm-up of a cache's tiers, when hot-key tracking is on. */
export function warmUpOf(stack: TierStack): WarmUp | undefined {
  return attached.get(stack);
}

function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new StrataError(ErrorCode.INVALID_OPTION, `warm ${name} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function redisOf(stack: TierStack, view: ClassView, what: string): ByteTier {
  const l2 = stack.l2;
  if (l2 === undefined || !view.byteTiers.includes(l2)) {
    throw new StrataError(ErrorCode.INVALID_OPTION, `${what} needs Redis as L2 for class '${view.cls.name}'; configure l2 (a Redis URL) and use a class stored in L2`);
  }
  if (view.l1 === undefined) throw new StrataError(ErrorCode.INVALID_OPTION, `${what} copies into L1, and class '${view.cls.name}' has no L1`);
  return l2;
}

/**
 * Copies the current Redis values of `keys` into L1 (dropping the L1 copies of keys Redis no longer holds), in
 * batches. A batch Redis fails leaves its L1 copies as they were and is counted in `failed`.
 */
export async function syncFromRedis(stack: TierStack, view: ClassView, keys: readonly string[], batchSize = WARM_DEFAULTS.batchSize): Promise<SyncReport> {
  const l2 = redisOf(stack, view, 'syncFromRedis');
  const report: SyncReport = { loaded: 0, notFound: 0, failed: 0 };
  for (let i = 0; i < keys.length; i += batchSize) {
    const batch = keys.slice(i, i + batchSize);
    const copied = await stack.copyToL1(view, l2, batch, true);
    if (copied === undefined) report.failed += batch.length;
    else {
      report.loaded += copied.loaded;
      report.notFound += copied.notFound;
    }
  }
  return report;
}

/**
 * Hot keys and warm-up (issue #4): samples this instance's L1 reads into a heavy-hitters sketch per namespace +
 * class, publishes the hottest keys to Redis every interval, and prefetches the hottest keys of every instance from
 * Redis into L1 — on demand (`warm()`) or before `ready()` resolves.
 */
export class WarmUp {
  private readonly tracker: HotKeyTracker<MemoryPartition<Entry>>;
  private readonly timers: NodeJS.Timeout[] = [];
  private publishing: Promise<void> | undefined;
  private publications = 0;
  private publishFailures = 0;
  /** The warm-up started with the cache (`hotKeys.warmOnStart`); `ready()` waits for it. */
  readonly started: Promise<void> | undefined;

  private constructor(
    private readonly stack: TierStack,
    private readonly registry: HotKeyRegistry,
    private readonly instanceId: string,
    private readonly options: ResolvedHotKeys,
    namespace: string,
  ) {
    this.tracker = new HotKeyTracker(options.capacity, RING_SIZE);
    stack.l1?.sampleReads(options.sampleEvery, (partition, key) => this.tracker.record(partition, key));
    this.timers.push(setInterval(() => this.tracker.drain(), DRAIN_INTERVAL_MS).unref());
    this.timers.push(setInterval(() => void this.publish(), options.publishIntervalMs).unref());
    const onStart = options.warmOnStart;
    if (onStart !== undefined) {
      const coherent = stack.coherence?.ready.catch(() => undefined) ?? Promise.resolve();
      this.started = coherent
        .then(() => this.warm(namespace, onStart))
        .then(
          () => undefined,
          (error: unknown) => {
            if (!stack.isClosed) stack.emit('tier:error', { tier: 'l2', operation: 'warm', error });
          },
        );
    }
  }

  /** Starts tracking, publishing and (if configured) warming for a cache's tiers. */
  static attach(stack: TierStack, registry: HotKeyRegistry, instanceId: string, options: ResolvedHotKeys, namespace: string): WarmUp {
    const warmUp = new WarmUp(stack, registry, instanceId, options, namespace);
    attached.set(stack, warmUp);
    return warmUp;
  }

  /**
   * Publishes this instance's hottest keys of every namespace + class kept in L1 and L2, then fades the counts.
   * A Redis failure is emitted as `tier:error` (operation `publishHotKeys`), never thrown.
   */
  publish(): Promise<void> {
    this.publishing ??= this.publishOnce().finally(() => {
      this.publishing = undefined;
    });
    return this.publishing;
  }

  private async publishOnce(): Promise<void> {
    const { stack, options } = this;
    const l2 = stack.l2;
    if (stack.isClosed || l2 === undefined) return;
    const jobs: Array<Promise<void>> = [];
    for (const view of stack.allViews()) {
      if (view.l1 === undefined || !view.byteTiers.includes(l2)) continue;
      const top = this.tracker.top(view.l1, options.publishTop);
      if (top.length === 0) continue;
      const keys = top.map((e) => ({ key: e.key, score: e.count * options.sampleEvery }));
      jobs.push(withTimeout(this.registry.publish(view.namespace, view.cls.name, this.instanceId, keys), options.redisTimeoutMs, 'publishing hot keys'));
    }
    for (const result of await Promise.allSettled(jobs)) {
      if (result.status === 'rejected') {
        this.publishFailures++;
        if (!stack.isClosed) stack.emit('tier:error', { tier: 'l2', operation: 'publishHotKeys', error: result.reason });
      }
    }
    this.tracker.decay(DECAY);
    this.publications++;
  }

  /**
   * Prefetches the merged top N of the published hot keys from Redis into L1, hottest first, in batches; keys L1
   * already holds are not read again. Throws INVALID_OPTION for bad options and TIER_FAILURE when the published
   * lists cannot be read; a failed batch is counted in `failed` and the warm-up goes on.
   */
  async warm(defaultNamespace: string, options: WarmOptions = {}): Promise<WarmReport> {
    if (options === null || typeof options !== 'object') throw new StrataError(ErrorCode.INVALID_OPTION, 'warm options must be an object');
    const top = positiveInteger('top', options.top, WARM_DEFAULTS.top);
    const batchSize = positiveInteger('batchSize', options.batchSize, WARM_DEFAULTS.batchSize);
    const timeoutMs = positiveInteger('timeoutMs', options.timeoutMs, WARM_DEFAULTS.timeoutMs);
    if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw new StrataError(ErrorCode.INVALID_OPTION, 'warm onProgress must be a function');
    const namespaces = options.namespaces ?? [defaultNamespace];
    if (namespaces !== '*') {
      if (!Array.isArray(namespaces)) throw new StrataError(ErrorCode.INVALID_OPTION, `warm namespaces must be an array of names or '*'`);
      for (const ns of namespaces) checkName('warm namespace', ns);
    }
    const { stack } = this;
    stack.assertOpen();
    const started = performance.now();
    const deadline = started + timeoutMs;
    const l2 = stack.l2;
    const wanted = namespaces === '*' ? undefined : new Set(namespaces);

    const listed = await this.read(this.registry.classes(), deadline);
    const views: ClassView[] = [];
    for (const { namespace, className } of listed) {
      if (wanted !== undefined && !wanted.has(namespace)) continue;
      if (!stack.options.classes.has(className) || !isName(namespace)) continue;
      const view = stack.view(namespace, className);
      if (view.l1 !== undefined && l2 !== undefined && view.byteTiers.includes(l2)) views.push(view);
    }
    const lists = await this.read(Promise.all(views.map((view) => this.registry.merged(view.namespace, view.cls.name, top))), deadline);
    const candidates = lists
      .flatMap((keys, i) => keys.map((hot) => ({ view: views[i] as ClassView, key: hot.key, score: hot.score })))
      .sort((a, b) => b.score - a.score)
      .slice(0, top);

    const report: WarmReport = {
      done: 0,
      total: candidates.length,
      loaded: 0,
      alreadyInL1: 0,
      notFound: 0,
      failed: 0,
      classes: views.map((view) => ({ namespace: view.namespace, className: view.cls.name, keys: candidates.filter((c) => c.view === view).length })).filter((c) => c.keys > 0),
      ms: 0,
      timedOut: false,
    };
    for (let i = 0; i < candidates.length && l2 !== undefined; i += batchSize) {
      if (performance.now() > deadline) {
        report.timedOut = true;
        break;
      }
      const batch = candidates.slice(i, i + batchSize);
      const byView = new Map<ClassView, string[]>();
      for (const { view, key } of batch) {
        const keys = byView.get(view);
        if (keys === undefined) byView.set(view, [key]);
        else keys.push(key);
      }
      const results = await Promise.all([...byView].map(async ([view, keys]) => ({ keys, copied: await stack.copyToL1(view, l2, keys, false) })));
      for (const { keys, copied } of results) {
        if (copied === undefined) report.failed += keys.length;
        else {
          report.loaded += copied.loaded;
          report.notFound += copied.notFound;
          report.alreadyInL1 += copied.alreadyInL1;
        }
      }
      report.done += batch.length;
      const progress: WarmProgress = { done: report.done, total: report.total, loaded: report.loaded };
      stack.emit('warm:progress', progress);
      options.onProgress?.(progress);
    }
    report.ms = performance.now() - started;
    stack.emit('warm:done', report);
    return report;
  }

  /** A read of the published lists, bounded by the warm-up's deadline and the Redis timeout. */
  private async read<T>(work: Promise<T>, deadline: number): Promise<T> {
    const ms = Math.max(1, Math.min(this.options.redisTimeoutMs, Math.ceil(deadline - performance.now())));
    try {
      return await withTimeout(work, ms, 'reading the published hot keys');
    } catch (error) {
      throw new StrataError(ErrorCode.TIER_FAILURE, `warm-up could not read the hot keys published in Redis: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  stats(): HotKeyStats {
    return { sampled: this.tracker.counted, droppedSamples: this.tracker.dropped, publications: this.publications, publishFailures: this.publishFailures };
  }

  /** Stops sampling and publishing. */
  close(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.stack.l1?.sampleReads(0, undefined);
    attached.delete(this.stack);
  }
}

function isName(name: string): boolean {
  try {
    checkName('namespace', name);
    return true;
  } catch {
    return false;
  }
}
