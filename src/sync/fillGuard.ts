import type { Cluster, Redis } from 'ioredis';
import { ChangeFloors } from './changeFloors.js';

/** Deletes the key only if it still holds the entry with this created-at (bytes 2–9 of the envelope). */
const DELETE_IF_SAME = `
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 2, 9) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * Undoes a factory's L2 write that may have overwritten a newer value. A factory reads its source, another instance
 * changes the source, stores the new value (or deletes the key) and publishes; if this instance's write of the old
 * value lands after that, L2 would keep the old value until its TTL. Every factory write is therefore watched for a
 * while: a remote event for its key arriving meanwhile deletes the written entry, if it is still the one in L2.
 * The event may also arrive first (while the write is in flight, or because the sender publishes in parallel with
 * its own write): the remembered change times (`ChangeFloors`) then undo the write as soon as it is watched, and
 * keep older entries out of L1.
 */
export class FillGuard {
  private readonly watched = new Map<string, { createdAt: Buffer; timer: NodeJS.Timeout }>();
  private readonly floors: ChangeFloors;

  constructor(
    private readonly client: Redis | Cluster,
    /** The connection's own key prefix (prepended by the Redis tier to every key). */
    private readonly redisKeyPrefix: string,
    /** How long a factory write stays watched, ms. */
    readonly watchMs: number,
  ) {
    this.floors = new ChangeFloors(watchMs);
  }

  /** Another instance changed these keys at `at` (its clock). */
  noteRemoteChange(fullKeys: Iterable<string>, at: number): void {
    for (const fullKey of fullKeys) this.floors.note(fullKey, at);
  }

  /** Whether an entry of the key created at `createdAt` is older than a change another instance announced. */
  predatesRemoteChange(fullKey: string, createdAt: number): boolean {
    return this.floors.size > 0 && this.floors.predates(fullKey, createdAt);
  }

  /** Watches a factory write of `fullKey` whose entry was created at `createdAt`. */
  watch(fullKey: string, createdAt: number): void {
    const stamp = Buffer.alloc(8);
    stamp.writeDoubleLE(createdAt, 0);
    if (this.predatesRemoteChange(fullKey, createdAt)) {
      // The change's event arrived while this write was in flight: it already overwrote the newer value.
      this.deleteIfSame(fullKey, stamp).catch(() => undefined);
      return;
    }
    const previous = this.watched.get(fullKey);
    if (previous !== undefined) clearTimeout(previous.timer);
    const timer = setTimeout(() => this.watched.delete(fullKey), this.watchMs);
    timer.unref();
    this.watched.set(fullKey, { createdAt: stamp, timer });
  }

  /** A remote event touched these keys: undo the watched writes among them. */
  async undo(fullKeys: Iterable<string>): Promise<void> {
    const calls: Array<Promise<unknown>> = [];
    for (const fullKey of fullKeys) {
      const watched = this.watched.get(fullKey);
      if (watched === undefined) continue;
      this.watched.delete(fullKey);
      clearTimeout(watched.timer);
      calls.push(this.deleteIfSame(fullKey, watched.createdAt));
    }
    await Promise.all(calls);
  }

  private deleteIfSame(fullKey: string, createdAt: Buffer): Promise<unknown> {
    return this.client.eval(DELETE_IF_SAME, 1, this.redisKeyPrefix + fullKey, createdAt);
  }

  /** The watched keys that match a predicate (for pattern and namespace events). */
  matching(predicate: (fullKey: string) => boolean): string[] {
    return [...this.watched.keys()].filter(predicate);
  }

  get size(): number {
    return this.watched.size;
  }
}
