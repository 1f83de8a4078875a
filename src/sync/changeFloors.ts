/** Most keys remembered; beyond it the oldest are forgotten first. */
const MAX_KEYS = 100_000;

/**
 * The time of the latest change another instance announced, per key, for a while. An entry created before that time
 * is an older value than the one the change made, wherever it was read from: L2 may still hold it (the sender's
 * write and its event travel in parallel, or a factory here wrote an old value over the new one), so a copy of it
 * must not go into L1 or stay in L2.
 */
export class ChangeFloors {
  /** Insertion order is time order: a key is re-inserted when it changes. */
  private readonly floors = new Map<string, { at: number; noted: number }>();

  constructor(
    /** How long a change is remembered, ms: at least as long as an older value can be written back (a watched factory write). */
    readonly keepMs: number,
  ) {}

  note(fullKey: string, at: number): void {
    const now = Date.now();
    const known = this.floors.get(fullKey);
    this.floors.delete(fullKey);
    this.floors.set(fullKey, { at: Math.max(at, known?.at ?? 0), noted: now });
    for (const [key, floor] of this.floors) {
      if (floor.noted > now - this.keepMs && this.floors.size <= MAX_KEYS) break;
      this.floors.delete(key);
    }
  }

  /** Whether an entry of this key created at `createdAt` predates the last change announced for the key. */
  predates(fullKey: string, createdAt: number): boolean {
    const floor = this.floors.get(fullKey);
    return floor !== undefined && createdAt < floor.at && floor.noted > Date.now() - this.keepMs;
  }

  get size(): number {
    return this.floors.size;
  }
}
