import type { Entry } from '../codec/entry.js';

/**
 * Tag invalidation by timestamps (DESIGN.md, decision 3): `invalidate(tag, at)` records "entries with this tag created
 * at or before `at` are invalid". Invalidating a product is O(1) however many entries mention it, and needs no
 * key sets in Redis. An entry created in the same millisecond as an invalidation counts as invalid (a spurious miss
 * is safe; a stale hit is not).
 */
export class TagRegistry {
  private readonly times = new Map<string, number>();

  /** Whether one of the entry's tags was invalidated at or after the entry was created. */
  isInvalid(entry: Entry): boolean {
    const tags = entry.tags;
    for (let i = 0; i < tags.length; i++) {
      const at = this.times.get(tags[i] as string);
      if (at !== undefined && entry.createdAt <= at) return true;
    }
    return false;
  }

  /** Records an invalidation; an older time than the one known is ignored, so events may arrive in any order. */
  invalidate(tag: string, at: number): boolean {
    const known = this.times.get(tag);
    if (known !== undefined && known >= at) return false;
    this.times.set(tag, at);
    return true;
  }

  /** Forgets invalidations older than `before`: every entry they could hit has hard-expired by then. */
  prune(before: number): number {
    let pruned = 0;
    for (const [tag, at] of this.times) {
      if (at < before) {
        this.times.delete(tag);
        pruned++;
      }
    }
    return pruned;
  }

  entries(): Array<[string, number]> {
    return [...this.times];
  }

  get size(): number {
    return this.times.size;
  }
}
