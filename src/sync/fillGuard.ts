import type { Cluster, Redis } from 'ioredis';

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
 */
export class FillGuard {
  private readonly watched = new Map<string, { createdAt: Buffer; timer: NodeJS.Timeout }>();

  constructor(
    private readonly client: Redis | Cluster,
    /** The connection's own key prefix (prepended by the Redis tier to every key). */
    private readonly redisKeyPrefix: string,
    /** How long a factory write stays watched, ms. */
    readonly watchMs: number,
  ) {}

  /** Watches a factory write of `fullKey` whose entry was created at `createdAt`. */
  watch(fullKey: string, createdAt: number): void {
    const stamp = Buffer.alloc(8);
    stamp.writeDoubleLE(createdAt, 0);
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
      calls.push(this.client.eval(DELETE_IF_SAME, 1, this.redisKeyPrefix + fullKey, watched.createdAt));
    }
    await Promise.all(calls);
  }

  /** The watched keys that match a predicate (for pattern and namespace events). */
  matching(predicate: (fullKey: string) => boolean): string[] {
    return [...this.watched.keys()].filter(predicate);
  }

  get size(): number {
    return this.watched.size;
  }
}
