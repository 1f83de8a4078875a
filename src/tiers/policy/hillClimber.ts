/** Share of the maximum by which the window moves when the hit rate changed a lot (a new workload phase). */
const RESTART_STEP_FRACTION = 0.0625;
/** A hit-rate change at least this large restarts the climb with a full step. */
const RESTART_THRESHOLD = 0.05;
/** Each further step is this fraction of the previous one, so the window settles instead of oscillating. */
const STEP_DECAY = 0.98;

/**
 * Tunes the size of the admission window from the hit rate of successive samples (after Caffeine's
 * simple hill climber): keep moving in the same direction while the hit rate improves, turn around when it
 * drops. A large window favours recency (LRU-like workloads), a small one favours frequency.
 */
export class HillClimber {
  private previousHitRate = 0;
  private stepSize: number;

  /** `maximum` is the cache's capacity in the same unit as the window (bytes, or entries for trace replay). */
  constructor(private readonly maximum: number) {
    this.stepSize = -RESTART_STEP_FRACTION * maximum;
  }

  /** Given one sample's hits and misses, returns by how much to grow (positive) or shrink (negative) the window. */
  adjustment(hits: number, misses: number): number {
    const requests = hits + misses;
    if (requests === 0) return 0;
    const hitRate = hits / requests;
    const change = hitRate - this.previousHitRate;
    const amount = change >= 0 ? this.stepSize : -this.stepSize;
    this.stepSize =
      Math.abs(change) >= RESTART_THRESHOLD ? RESTART_STEP_FRACTION * this.maximum * (amount >= 0 ? 1 : -1) : STEP_DECAY * amount;
    this.previousHitRate = hitRate;
    return amount;
  }
}
