// Whole-policy simulators over dense key ids (LIRS, CLOCK-Pro, ARC, S3-FIFO, each alone and with a TinyLFU-style
// frequency filter; LeCaR; LHD and LHD behind a W-TinyLFU window; LRFU; EELRU; Cacheus-like; W-TinyLFU with a learned
// victim), replayed on the reference rows of bench/results/traces.json, which gives the rows, LRU and OPT. The first
// five families back revision 5 of docs/adr-l1-window-adaptation.md; none is used by the tier. Random choices use
// fixed-seed xorshift.
// Usage (from bench/): npx tsx policy-sims.ts [--traces-dir /work/shared/traces]
//   [--only lirs,arc,s3,clockpro,lecar,lhd,lrfu,eelru,cacheus,learned]
// Prints per variant: mean share of the LRU→OPT gap closed, worst points vs LRU, each row's share, and the
// sliding-working-set spec of test/traceReplay.test.ts as points vs LRU at capacities 50 / 100 / 200.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readTrace, type KeyTrace, type TraceFormat } from '../src/tiers/traceReplay.js';

const { values: args } = parseArgs({
  options: { 'traces-dir': { type: 'string', default: '/work/shared/traces' }, only: { type: 'string' } },
});

/** One access of a key id; true on a hit. */
type Access = (key: number) => boolean;
type Policy = (capacity: number, keys: number) => Access;

/** Doubly linked lists over key ids; list `l`'s sentinel is id `keys + l`. The head is the oldest entry. */
class Lists {
  readonly next: Int32Array;
  readonly prev: Int32Array;
  /** The list holding each id, or -1. */
  readonly where: Int8Array;
  readonly size: Int32Array;

  constructor(
    private readonly keys: number,
    lists: number,
  ) {
    this.next = new Int32Array(keys + lists);
    this.prev = new Int32Array(keys + lists);
    this.where = new Int8Array(keys + lists).fill(-1);
    this.size = new Int32Array(lists);
    for (let l = 0; l < lists; l++) {
      this.next[keys + l] = keys + l;
      this.prev[keys + l] = keys + l;
    }
  }

  pushTail(x: number, l: number): void {
    const s = this.keys + l;
    const t = this.prev[s]!;
    this.next[t] = x;
    this.prev[x] = t;
    this.next[x] = s;
    this.prev[s] = x;
    this.where[x] = l;
    this.size[l]!++;
  }

  remove(x: number): void {
    const p = this.prev[x]!;
    const q = this.next[x]!;
    this.next[p] = q;
    this.prev[q] = p;
    this.size[this.where[x]!]!--;
    this.where[x] = -1;
  }

  /** The oldest id of list `l`, or -1. */
  head(l: number): number {
    const h = this.next[this.keys + l]!;
    return h === this.keys + l ? -1 : h;
  }

  moveTail(x: number, l: number): void {
    this.remove(x);
    this.pushTail(x, l);
  }
}

interface SketchOptions {
  /** Counters a row per unit of capacity, rounded up to a power of two (at least 16). */
  width?: number;
  /** Row hash of an id (its low bits pick the counter). */
  hash?: (x: number, row: number) => number;
  /** Every increment counts toward aging, also one that finds its 4 counters saturated. */
  countSaturated?: boolean;
  /** After a halving the count of increments restarts at 0 instead of being halved. */
  restartCount?: boolean;
}

/**
 * Count-min sketch: 4 rows of counters saturating at 15, all halved after `aging` × capacity increments. The options
 * keep the sketches of the ported LHD and learned-victim simulators as they were (their numbers depend on them).
 */
class Sketch {
  private readonly table: Uint8Array;
  private readonly width: number;
  private readonly limit: number;
  private readonly hash: (x: number, row: number) => number;
  private readonly countSaturated: boolean;
  private readonly restartCount: boolean;
  private additions = 0;

  constructor(capacity: number, aging = 10, options: SketchOptions = {}) {
    let width = 16;
    while (width < capacity * (options.width ?? 4)) width *= 2;
    this.width = width;
    this.table = new Uint8Array(width * 4);
    this.limit = aging * capacity;
    this.hash = options.hash ?? sketchHash;
    this.countSaturated = options.countSaturated ?? false;
    this.restartCount = options.restartCount ?? false;
  }

  frequency(x: number): number {
    let min = 15;
    for (let row = 0; row < 4; row++) min = Math.min(min, this.table[this.index(x, row)]!);
    return min;
  }

  increment(x: number): void {
    let added = false;
    for (let row = 0; row < 4; row++) {
      const i = this.index(x, row);
      if (this.table[i]! < 15) {
        this.table[i]!++;
        added = true;
      }
    }
    if ((added || this.countSaturated) && ++this.additions >= this.limit) {
      for (let i = 0; i < this.table.length; i++) this.table[i]! >>= 1;
      this.additions = this.restartCount ? 0 : this.additions >> 1;
    }
  }

  private index(x: number, row: number): number {
    return row * this.width + (this.hash(x, row) & (this.width - 1));
  }
}
const SEEDS = [0x9e3779b1, 0x85ebca6b, 0xc2b2ae35, 0x27d4eb2f];
function sketchHash(x: number, row: number): number {
  let h = Math.imul(x + 1, SEEDS[row]!);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 13;
  return h;
}

/** xorshift32 from `seed`, as unsigned 32-bit values. */
function xorshift(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

/** Binary min-heap of key ids under `less`, which knows each id's position (-1: absent). */
class Heap {
  readonly items: Int32Array;
  readonly position: Int32Array;
  size = 0;

  constructor(
    capacity: number,
    keys: number,
    private readonly less: (a: number, b: number) => boolean,
  ) {
    this.items = new Int32Array(capacity);
    this.position = new Int32Array(keys).fill(-1);
  }

  top(): number {
    return this.items[0]!;
  }

  push(x: number): void {
    this.items[this.size] = x;
    this.position[x] = this.size++;
    this.siftUp(this.size - 1);
  }

  remove(x: number): void {
    const i = this.position[x]!;
    this.size--;
    if (i !== this.size) this.swap(i, this.size);
    this.position[x] = -1;
    if (i < this.size) {
      this.siftUp(i);
      this.siftDown(i);
    }
  }

  /** Restores the order after x's key grew. */
  grew(x: number): void {
    this.siftDown(this.position[x]!);
  }

  private swap(i: number, j: number): void {
    const a = this.items[i]!;
    const b = this.items[j]!;
    this.items[i] = b;
    this.items[j] = a;
    this.position[b] = i;
    this.position[a] = j;
  }

  private siftUp(start: number): void {
    for (let i = start; i > 0 && this.less(this.items[i]!, this.items[(i - 1) >> 1]!); i = (i - 1) >> 1) this.swap(i, (i - 1) >> 1);
  }

  private siftDown(start: number): void {
    for (let i = start; ; ) {
      let m = i;
      for (let c = 2 * i + 1; c <= 2 * i + 2; c++) if (c < this.size && this.less(this.items[c]!, this.items[m]!)) m = c;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}

const lru: Policy = (capacity, keys) => {
  const lists = new Lists(keys, 1);
  return (x) => {
    if (lists.where[x] === 0) {
      lists.moveTail(x, 0);
      return true;
    }
    if (lists.size[0]! >= capacity) lists.remove(lists.head(0));
    lists.pushTail(x, 0);
    return false;
  };
};

/**
 * LIRS (Jiang & Zhang 2002). `hir`: share of the capacity for resident HIR entries; `nonResident`: bound on
 * non-resident HIR entries kept in the stack (× capacity, oldest first out). `filter`: 'new' refuses a new key whose
 * sketch frequency is not above the resident-HIR victim's ('newKept': the refused key stays in the stack as a
 * non-resident HIR, so its reuse gap is known; 'all': also non-resident HIR keys returning); 'promote' makes a HIR key
 * with a short reuse gap LIR only if it is at least as frequent as the bottom LIR entry.
 */
function lirs(hir: number, nonResident: number, filter: 'none' | 'new' | 'newKept' | 'all' | 'promote' = 'none'): Policy {
  const STACK = 0;
  const QUEUE = 0;
  const NON_RESIDENT = 1;
  const ABSENT = 0;
  const LIR = 1;
  const HIR = 2;
  const HIR_NON_RESIDENT = 3;
  return (capacity, keys) => {
    const stack = new Lists(keys, 1);
    const queues = new Lists(keys, 2);
    const state = new Uint8Array(keys);
    const lirMax = capacity - Math.max(1, Math.floor(capacity * hir));
    const sketch = filter === 'none' ? undefined : new Sketch(capacity);
    let lirCount = 0;
    let resident = 0;
    const inStack = (x: number): boolean => stack.where[x] === STACK;
    const prune = (): void => {
      for (let b = stack.head(STACK); b !== -1 && state[b] !== LIR; b = stack.head(STACK)) {
        stack.remove(b);
        if (state[b] === HIR_NON_RESIDENT) {
          queues.remove(b);
          state[b] = ABSENT;
        }
      }
    };
    const demoteBottomLir = (): void => {
      const b = stack.head(STACK);
      stack.remove(b);
      state[b] = HIR;
      lirCount--;
      queues.pushTail(b, QUEUE);
      prune();
    };
    const rememberNonResident = (x: number): void => {
      state[x] = HIR_NON_RESIDENT;
      queues.pushTail(x, NON_RESIDENT);
      while (queues.size[NON_RESIDENT]! > nonResident * capacity) {
        const oldest = queues.head(NON_RESIDENT);
        queues.remove(oldest);
        stack.remove(oldest);
        state[oldest] = ABSENT;
      }
    };
    const evictHir = (): void => {
      const v = queues.head(QUEUE);
      queues.remove(v);
      resident--;
      if (inStack(v)) rememberNonResident(v);
      else state[v] = ABSENT;
    };
    const lessFrequentThanBottomLir = (x: number): boolean =>
      filter === 'promote' && sketch!.frequency(x) < sketch!.frequency(stack.head(STACK));
    return (x) => {
      sketch?.increment(x);
      const s = state[x];
      if (s === LIR) {
        const wasBottom = stack.head(STACK) === x;
        stack.moveTail(x, STACK);
        if (wasBottom) prune();
        return true;
      }
      if (s === HIR) {
        if (inStack(x) && !lessFrequentThanBottomLir(x)) {
          queues.remove(x);
          stack.moveTail(x, STACK);
          state[x] = LIR;
          lirCount++;
          demoteBottomLir();
        } else {
          if (inStack(x)) stack.moveTail(x, STACK);
          else stack.pushTail(x, STACK);
          queues.moveTail(x, QUEUE);
        }
        return true;
      }
      if (lirCount < lirMax && resident < capacity) {
        if (s === HIR_NON_RESIDENT) {
          queues.remove(x);
          stack.remove(x);
        }
        stack.pushTail(x, STACK);
        state[x] = LIR;
        lirCount++;
        resident++;
        return false;
      }
      if (s === HIR_NON_RESIDENT) {
        if (filter === 'all' && resident >= capacity && sketch!.frequency(x) < sketch!.frequency(queues.head(QUEUE))) {
          stack.moveTail(x, STACK);
          return false;
        }
        const promote = !lessFrequentThanBottomLir(x);
        if (resident >= capacity) evictHir();
        queues.remove(x);
        stack.moveTail(x, STACK);
        resident++;
        if (promote) {
          state[x] = LIR;
          lirCount++;
          demoteBottomLir();
        } else {
          state[x] = HIR;
          queues.pushTail(x, QUEUE);
        }
        return false;
      }
      if (resident >= capacity) {
        if (sketch !== undefined && filter !== 'promote' && sketch.frequency(x) <= sketch.frequency(queues.head(QUEUE))) {
          if (filter !== 'new') {
            stack.pushTail(x, STACK);
            rememberNonResident(x);
          }
          return false;
        }
        evictHir();
      }
      stack.pushTail(x, STACK);
      state[x] = HIR;
      queues.pushTail(x, QUEUE);
      resident++;
      return false;
    };
  };
}

/**
 * ARC (Megiddo & Modha 2003). `filter`: 'new' refuses a key in no list whose sketch frequency is not above the
 * REPLACE victim's; 'newGhost' also remembers the refused key in B1.
 */
function arc(filter: 'none' | 'new' | 'newGhost' = 'none', aging = 10): Policy {
  const T1 = 0;
  const T2 = 1;
  const B1 = 2;
  const B2 = 3;
  return (capacity, keys) => {
    const lists = new Lists(keys, 4);
    const sketch = filter === 'none' ? undefined : new Sketch(capacity, aging);
    let target = 0;
    const victim = (inB2: boolean): number => {
      const t1 = lists.size[T1]!;
      return (t1 > 0 && (t1 > target || (inB2 && t1 === target))) || lists.size[T2] === 0 ? lists.head(T1) : lists.head(T2);
    };
    const replace = (inB2: boolean): void => {
      const v = victim(inB2);
      lists.moveTail(v, lists.where[v] === T1 ? B1 : B2);
    };
    return (x) => {
      sketch?.increment(x);
      const w = lists.where[x];
      if (w === T1 || w === T2) {
        lists.moveTail(x, T2);
        return true;
      }
      if (w === B1 || w === B2) {
        const b1 = lists.size[B1]!;
        const b2 = lists.size[B2]!;
        target = w === B1 ? Math.min(capacity, target + Math.max(1, b2 / b1)) : Math.max(0, target - Math.max(1, b1 / b2));
        replace(w === B2);
        lists.moveTail(x, T2);
        return false;
      }
      const l1 = lists.size[T1]! + lists.size[B1]!;
      const total = l1 + lists.size[T2]! + lists.size[B2]!;
      if (sketch !== undefined && lists.size[T1]! + lists.size[T2]! >= capacity && sketch.frequency(x) <= sketch.frequency(victim(false))) {
        if (filter === 'newGhost') {
          if (l1 >= capacity) lists.remove(lists.head(B1));
          lists.pushTail(x, B1);
        }
        return false;
      }
      if (l1 === capacity) {
        if (lists.size[T1]! < capacity) {
          lists.remove(lists.head(B1));
          replace(false);
        } else lists.remove(lists.head(T1));
      } else if (total >= capacity) {
        if (total === 2 * capacity) lists.remove(lists.head(B2));
        if (lists.size[T1]! + lists.size[T2]! >= capacity) replace(false);
      }
      lists.pushTail(x, T1);
      return false;
    };
  };
}

/**
 * S3-FIFO (Yang et al. 2023): a small FIFO, a main FIFO with reinsertion and a ghost FIFO as long as the main one;
 * 2-bit use counts. `sketch`: 'promote' moves a small-FIFO entry to main only if it is more frequent than main's
 * oldest entry; 'ghost' lets a ghost hit enter main only if it is at least as frequent.
 */
function s3fifo(small: number, promoteAt: number, sketchRule: 'none' | 'promote' | 'ghost' = 'none'): Policy {
  const SMALL = 0;
  const MAIN = 1;
  const GHOST = 2;
  return (capacity, keys) => {
    const lists = new Lists(keys, 3);
    const uses = new Uint8Array(keys);
    const smallMax = Math.max(1, Math.floor(capacity * small));
    const mainMax = capacity - smallMax;
    const sketch = sketchRule === 'none' ? undefined : new Sketch(capacity);
    const resident = (): number => lists.size[SMALL]! + lists.size[MAIN]!;
    const evictMain = (): void => {
      for (let v = lists.head(MAIN); ; v = lists.head(MAIN)) {
        if (uses[v] === 0) {
          lists.remove(v);
          return;
        }
        uses[v]!--;
        lists.moveTail(v, MAIN);
      }
    };
    const evictSmall = (): void => {
      while (lists.size[SMALL]! > 0) {
        const v = lists.head(SMALL);
        lists.remove(v);
        let promote = uses[v]! >= promoteAt;
        if (promote && sketchRule === 'promote' && lists.size[MAIN]! >= mainMax) {
          promote = sketch!.frequency(v) > sketch!.frequency(lists.head(MAIN));
        }
        if (!promote) {
          lists.pushTail(v, GHOST);
          if (lists.size[GHOST]! > Math.max(1, mainMax)) lists.remove(lists.head(GHOST));
          return;
        }
        uses[v] = 0;
        if (lists.size[MAIN]! >= mainMax) evictMain();
        lists.pushTail(v, MAIN);
        if (resident() < capacity) return;
      }
    };
    return (x) => {
      sketch?.increment(x);
      const w = lists.where[x];
      if (w === SMALL || w === MAIN) {
        if (uses[x]! < 3) uses[x]!++;
        return true;
      }
      let toMain = w === GHOST;
      if (toMain) {
        lists.remove(x);
        if (sketchRule === 'ghost' && lists.size[MAIN]! >= mainMax) toMain = sketch!.frequency(x) >= sketch!.frequency(lists.head(MAIN));
      }
      while (resident() >= capacity) {
        if (lists.size[SMALL]! > 0 && (lists.size[SMALL]! >= smallMax || lists.size[MAIN] === 0)) evictSmall();
        else evictMain();
      }
      uses[x] = 0;
      lists.pushTail(x, toMain ? MAIN : SMALL);
      return false;
    };
  };
}

/**
 * CLOCK-Pro (Jiang, Chen & Zhang 2005): one clock of hot, cold and non-resident cold pages, three hands, and a
 * target share of cold pages that grows when a non-resident page in its test period is requested and shrinks
 * when a test period ends unused. `coldStart`: initial cold share; `nonResident`: bound on non-resident pages (×).
 */
function clockPro(coldStart: number, nonResident: number): Policy {
  const ABSENT = 0;
  const HOT = 1;
  const COLD = 2;
  const NON_RESIDENT = 3;
  return (capacity, keys) => {
    const next = new Int32Array(keys);
    const prev = new Int32Array(keys);
    const kind = new Uint8Array(keys);
    const referenced = new Uint8Array(keys);
    const testing = new Uint8Array(keys);
    let count = 0;
    let hot = 0;
    let cold = 0;
    let nonResidentCount = 0;
    let handHot = -1;
    let handCold = -1;
    let handTest = -1;
    let coldTarget = Math.max(1, Math.floor(capacity * coldStart));
    const shrinkCold = (): void => {
      coldTarget = Math.max(1, coldTarget - 1);
    };
    const unlink = (x: number): void => {
      if (count === 1) {
        handHot = handCold = handTest = -1;
        count = 0;
        return;
      }
      const after = next[x]!;
      if (handHot === x) handHot = after;
      if (handCold === x) handCold = after;
      if (handTest === x) handTest = after;
      next[prev[x]!] = after;
      prev[after] = prev[x]!;
      count--;
    };
    /** The list head: just behind the hot hand. */
    const insertHead = (x: number): void => {
      if (count === 0) {
        next[x] = prev[x] = x;
        handHot = handCold = handTest = x;
        count = 1;
        return;
      }
      const before = prev[handHot]!;
      next[before] = x;
      prev[x] = before;
      next[x] = handHot;
      prev[handHot] = x;
      count++;
    };
    const forget = (y: number): void => {
      unlink(y);
      kind[y] = ABSENT;
      testing[y] = 0;
      nonResidentCount--;
    };
    const runHandTest = (): void => {
      for (let guard = count * 2 + 2; guard > 0 && count > 0; guard--) {
        const y = handTest;
        handTest = next[y]!;
        if (kind[y] === NON_RESIDENT) {
          forget(y);
          shrinkCold();
          return;
        }
        if (kind[y] === COLD && testing[y] === 1) {
          testing[y] = 0;
          shrinkCold();
        }
      }
    };
    /** Demotes hot pages until they fit beside the cold target (`force`: at least one). */
    const runHandHot = (force: boolean): void => {
      const coldBefore = cold;
      for (let guard = count * 3 + 2; (hot > capacity - coldTarget || (force && cold === coldBefore)) && guard > 0; guard--) {
        const y = handHot;
        handHot = next[y]!;
        if (kind[y] === HOT) {
          if (referenced[y] === 1) referenced[y] = 0;
          else {
            kind[y] = COLD;
            testing[y] = 0;
            hot--;
            cold++;
          }
        } else if (kind[y] === COLD && testing[y] === 1) {
          testing[y] = 0;
          shrinkCold();
        } else if (kind[y] === NON_RESIDENT) {
          forget(y);
          shrinkCold();
        }
      }
    };
    const runHandCold = (): void => {
      for (let guard = count * 16 + 16; guard > 0; guard--) {
        if (cold === 0) runHandHot(true);
        const y = handCold;
        if (kind[y] !== COLD) {
          handCold = next[y]!;
          continue;
        }
        if (referenced[y] === 1) {
          referenced[y] = 0;
          unlink(y);
          if (testing[y] === 1) {
            kind[y] = HOT;
            testing[y] = 0;
            cold--;
            hot++;
            insertHead(y);
            runHandHot(false);
          } else {
            testing[y] = 1;
            insertHead(y);
          }
          continue;
        }
        handCold = next[y]!;
        cold--;
        if (testing[y] === 1) {
          kind[y] = NON_RESIDENT;
          nonResidentCount++;
        } else {
          unlink(y);
          kind[y] = ABSENT;
        }
        return;
      }
      throw new Error('CLOCK-Pro: the cold hand found no page to evict');
    };
    return (x) => {
      if (kind[x] === HOT || kind[x] === COLD) {
        referenced[x] = 1;
        return true;
      }
      if (hot + cold >= capacity) runHandCold();
      // The hands may have forgotten x while making room.
      if (kind[x] === NON_RESIDENT) {
        unlink(x);
        nonResidentCount--;
        coldTarget = Math.min(capacity - 1, coldTarget + 1);
        kind[x] = HOT;
        referenced[x] = 0;
        testing[x] = 0;
        hot++;
        insertHead(x);
        if (hot > capacity - coldTarget) runHandHot(false);
      } else {
        referenced[x] = 0;
        insertHead(x);
        if (hot < capacity - coldTarget) {
          kind[x] = HOT;
          testing[x] = 0;
          hot++;
        } else {
          kind[x] = COLD;
          testing[x] = 1;
          cold++;
        }
      }
      while (nonResidentCount > nonResident * capacity) runHandTest();
      return false;
    };
  };
}

/**
 * LeCaR (Vietri et al. 2018): two experts, LRU and LFU (least frequent resident, least recent on a tie). Each
 * eviction follows one of them at random by weight and goes to that expert's history (FIFO, `history` × capacity);
 * a miss found in an expert's history multiplies its weight by exp(-rate × 0.005^(age / capacity)).
 */
function lecar(rate: number, history: number): Policy {
  const CACHE = 0;
  return (capacity, keys) => {
    const lists = new Lists(keys, 3);
    const frequency = new Int32Array(keys);
    const lastUse = new Int32Array(keys);
    const evictedAt = new Int32Array(keys);
    let clock = 0;
    const random = xorshift(12345);
    let weightLru = 0.5;
    const discount = Math.pow(0.005, 1 / capacity);
    const heap = new Heap(capacity + 1, keys, (a, b) => frequency[a]! < frequency[b]! || (frequency[a] === frequency[b] && lastUse[a]! < lastUse[b]!));
    return (x) => {
      clock++;
      const w = lists.where[x];
      if (w === CACHE) {
        lists.moveTail(x, CACHE);
        frequency[x]!++;
        lastUse[x] = clock;
        heap.grew(x);
        return true;
      }
      if (w === -1) frequency[x] = 0;
      else {
        const penalty = Math.exp(-rate * Math.pow(discount, clock - evictedAt[x]!));
        const lru = w === 1 ? weightLru * penalty : weightLru;
        const lfu = w === 2 ? (1 - weightLru) * penalty : 1 - weightLru;
        weightLru = lru / (lru + lfu);
        lists.remove(x);
      }
      if (lists.size[CACHE]! >= capacity) {
        const byLru = random() / 2 ** 32 < weightLru;
        const v = byLru ? lists.head(CACHE) : heap.top();
        lists.remove(v);
        heap.remove(v);
        const h = byLru ? 1 : 2;
        lists.pushTail(v, h);
        evictedAt[v] = clock;
        if (lists.size[h]! > capacity * history) {
          const oldest = lists.head(h);
          lists.remove(oldest);
          frequency[oldest] = 0;
        }
      }
      frequency[x]!++;
      lastUse[x] = clock;
      lists.pushTail(x, CACHE);
      heap.push(x);
      return false;
    };
  };
}

/** The row hash of the sketch in the ported LHD simulator. */
function lhdSketchHash(x: number, row: number): number {
  let h = Math.imul(x ^ LHD_SKETCH_SEEDS[row]!, 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca77);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae3d);
  return h ^ (h >>> 16);
}
const LHD_SKETCH_SEEDS = [0x1234567, 0x7654321, 0x2468ace, 0x13579bd];

interface LhdOptions {
  /** The 256 age bins cover `range` × capacity accesses (the last one: older). */
  range: number;
  /** 'reuse': 0 if never hit, else 1 + log2 bucket of the last two reuse distances; 'freq': the sketch estimate. */
  classes: 'reuse' | 'freq';
  /** An LRU window in front (share of capacity); its candidate enters if it is more frequent than the victim ('tinylfu') or its class is denser at age 0 ('density'). */
  window?: { size: number; admit: 'tinylfu' | 'density' };
  /** The window is sized ARC-like: a miss on one of the last `ghost` × capacity rejected candidates grows it by 1% of capacity, one on a recently evicted main entry shrinks it. */
  ghost?: number;
  /** Window hits and rejected candidates also feed the hit and eviction histograms. */
  winStats?: boolean;
}

/**
 * LHD (Beckmann, Chen & Cidon 2018): per class, hit and eviction histograms over coarsened age; every 8 × capacity
 * accesses (at least 512) the hit density of each (class, age) is recomputed and the histograms decay by 0.9. The
 * victim is the least dense of 32 residents sampled at random (xorshift); before the first recompute, the oldest.
 */
function lhd(o: LhdOptions): Policy {
  const SAMPLE = 32;
  const AGES = 256;
  const CLASSES = 16;
  return (capacity, keys) => {
    const inv = 1 / Math.max(1, (o.range * capacity) / AGES);
    const period = Math.max(512, Math.round(8 * capacity));
    const hits = new Float64Array(CLASSES * AGES);
    const evictions = new Float64Array(CLASSES * AGES);
    const density = Float64Array.from({ length: CLASSES * AGES }, (_, i) => (AGES - (i % AGES)) * 1e-9);
    const last = new Int32Array(keys);
    const reused = new Uint8Array(keys);
    const gap1 = new Int32Array(keys);
    const gap2 = new Int32Array(keys);
    const cls = new Uint8Array(keys);
    /** Each key's index in `main`, or -1. */
    const slot = new Int32Array(keys).fill(-1);
    const main = new Int32Array(capacity);
    let mainSize = 0;
    const window = new Lists(keys, 1);
    let windowTarget = o.window === undefined ? 0 : Math.min(capacity - 1, Math.max(1, Math.round(o.window.size * capacity)));
    const sketch = o.window?.admit === 'tinylfu' || o.classes === 'freq' ? new Sketch(capacity, 10, { hash: lhdSketchHash, countSaturated: true }) : undefined;
    const random = xorshift(0x9e3779b9);
    // Ghost FIFOs as sequence numbers (0: never).
    const rejectedAt = new Int32Array(o.ghost === undefined ? 0 : keys);
    const evictedAt = new Int32Array(o.ghost === undefined ? 0 : keys);
    let rejections = 0;
    let evictionCount = 0;
    const ghostLength = Math.max(1, Math.round((o.ghost ?? 0) * capacity));
    const ghostStep = Math.max(1, Math.round(0.01 * capacity));
    let t = 0;
    const classOf = (x: number): number => {
      if (o.classes === 'freq') return Math.min(sketch!.frequency(x), CLASSES - 1);
      if (reused[x] === 0) return 0;
      return 1 + Math.min(CLASSES - 2, Math.floor(Math.log2(1 + (gap1[x]! + gap2[x]!) * inv)));
    };
    const bin = (x: number): number => cls[x]! * AGES + Math.min(AGES - 1, Math.floor((t - last[x]!) * inv));
    let victimDensity = 0;
    const sample = (): number => {
      let best = -1;
      victimDensity = Infinity;
      for (let j = 0; j < SAMPLE; j++) {
        const x = main[random() % mainSize]!;
        const d = density[bin(x)]!;
        if (d < victimDensity) {
          victimDensity = d;
          best = x;
        }
      }
      return best;
    };
    const evict = (v: number): void => {
      evictions[bin(v)]!++;
      if (o.ghost !== undefined) evictedAt[v] = ++evictionCount;
      const moved = main[--mainSize]!;
      main[slot[v]!] = moved;
      slot[moved] = slot[v]!;
      slot[v] = -1;
    };
    const addMain = (x: number): void => {
      main[mainSize] = x;
      slot[x] = mainSize++;
    };
    const recompute = (): void => {
      for (let base = 0; base < CLASSES * AGES; base += AGES) {
        let hitSum = 0;
        let events = 0;
        let lifetime = 0;
        for (let a = base + AGES - 1; a >= base; a--) {
          hitSum += hits[a]!;
          events += hits[a]! + evictions[a]!;
          lifetime += events;
          density[a] = lifetime > 0 ? hitSum / lifetime : 0;
        }
      }
      for (let i = 0; i < hits.length; i++) {
        hits[i]! *= 0.9;
        evictions[i]! *= 0.9;
      }
    };
    const hit = (x: number, counted: boolean): void => {
      if (counted) hits[bin(x)]!++;
      gap2[x] = gap1[x]!;
      gap1[x] = t - last[x]!;
      reused[x] = 1;
      last[x] = t;
      cls[x] = classOf(x);
    };
    const miss = (x: number): void => {
      if (o.ghost !== undefined) {
        if (rejectedAt[x]! > 0 && rejections - rejectedAt[x]! < ghostLength) windowTarget = Math.min(Math.floor(0.8 * capacity), windowTarget + ghostStep);
        else if (evictedAt[x]! > 0 && evictionCount - evictedAt[x]! < ghostLength) windowTarget = Math.max(1, windowTarget - ghostStep);
      }
      reused[x] = 0;
      gap1[x] = 0;
      gap2[x] = 0;
      last[x] = t;
      cls[x] = classOf(x);
      window.pushTail(x, 0);
      const mainTarget = capacity - windowTarget;
      while (mainSize > mainTarget) evict(sample());
      while (window.size[0]! > windowTarget) {
        const candidate = window.head(0);
        window.remove(candidate);
        if (mainSize < mainTarget) {
          addMain(candidate);
          continue;
        }
        const v = sample();
        const admit = o.window?.admit;
        if (
          admit === undefined ||
          (admit === 'tinylfu' ? sketch!.frequency(candidate) > sketch!.frequency(v) : density[cls[candidate]! * AGES]! > victimDensity)
        ) {
          evict(v);
          addMain(candidate);
        } else {
          if (o.winStats === true) evictions[bin(candidate)]!++;
          if (o.ghost !== undefined) rejectedAt[candidate] = ++rejections;
        }
      }
    };
    return (x) => {
      sketch?.increment(x);
      const inMain = slot[x]! >= 0;
      const inWindow = window.where[x] === 0;
      if (inMain) hit(x, true);
      else if (inWindow) {
        hit(x, o.winStats === true);
        window.moveTail(x, 0);
      } else miss(x);
      if (++t % period === 0) recompute();
      return inMain || inWindow;
    };
  };
}

/**
 * LRFU (Lee et al. 2001): evicts the resident of least CRF = Σ 2^(-λ × age) over its references; the heap key
 * log2(CRF at the last reference) + λ × that time keeps the order without updating it. `history`: the CRF of an
 * evicted key is kept (unbounded) and resumed when it returns.
 */
function lrfu(lambda: number, history: boolean): Policy {
  return (capacity, keys) => {
    const crf = new Float64Array(keys);
    const last = new Float64Array(keys).fill(-1);
    const order = new Float64Array(keys);
    const heap = new Heap(capacity, keys, (a, b) => order[a]! < order[b]!);
    let t = 0;
    return (x) => {
      const resident = heap.position[x]! >= 0;
      crf[x] = resident || (history && last[x]! >= 0) ? 1 + crf[x]! * Math.pow(2, -lambda * (t - last[x]!)) : 1;
      last[x] = t;
      order[x] = Math.log2(crf[x]!) + lambda * t++;
      if (resident) heap.grew(x);
      else {
        if (heap.size >= capacity) heap.remove(heap.top());
        heap.push(x);
      }
      return resident;
    };
  };
}

/** Fenwick tree of counts over access times; it doubles its span as the trace goes on. */
class Fenwick {
  private tree = new Int32Array(1 + (1 << 16));
  private span = 1 << 16;
  total = 0;

  add(i: number, d: number): void {
    while (i >= this.span) {
      const grown = new Int32Array(1 + 2 * this.span);
      grown.set(this.tree);
      grown[2 * this.span] = this.total;
      this.tree = grown;
      this.span *= 2;
    }
    this.total += d;
    for (let j = i + 1; j <= this.span; j += j & -j) this.tree[j]! += d;
  }

  /** The count over [0, i]. */
  sum(i: number): number {
    let s = 0;
    for (let j = i + 1; j > 0; j -= j & -j) s += this.tree[j]!;
    return s;
  }

  /** The least i whose count over [0, i] is at least k ≥ 1. */
  kth(k: number): number {
    let p = 0;
    for (let b = this.span; b > 0; b >>= 1) {
      if (p + b <= this.span && this.tree[p + b]! < k) {
        p += b;
        k -= this.tree[p]!;
      }
    }
    return p;
  }
}

/**
 * EELRU (Smaragdakis, Kaplan & Wilson 1999): the exact LRU stack distance of every access (evicted keys count up to
 * the largest late point) feeds a histogram in buckets of capacity / 32 with half-life `halfLife` × capacity; every
 * capacity / 16 accesses it picks LRU or the early point e (share of capacity) and late point L (× capacity) of most
 * expected hits, H[1..e] + H(e..L] × (C − e) / (L − e), which must beat LRU's H[1..C] × `margin`. A miss then evicts
 * the resident at recency rank e (or the least recent one).
 */
/** Early points (× capacity): 1/256, 1/32, 1/16 and the eighths. */
const EELRU_WIDE = [1 / 256, 1 / 32, 1 / 16, 1 / 8, 2 / 8, 3 / 8, 4 / 8, 5 / 8, 6 / 8, 7 / 8];

function eelru(early: number[], late: number[], halfLife: number, margin = 1): Policy {
  return (capacity, keys) => {
    const lastAccess = new Int32Array(keys).fill(-1);
    let keyAt = new Int32Array(1 << 16);
    const all = new Fenwick();
    const resident = new Fenwick();
    const inCache = new Uint8Array(keys);
    const lates = late.map((l) => l * capacity);
    const maxLate = Math.max(...lates);
    const bucket = Math.max(1, Math.floor(capacity / 32));
    const buckets = Math.ceil(maxLate / bucket) + 1;
    const histogram = new Float64Array(buckets);
    const prefix = new Float64Array(buckets + 1);
    const earlies = [...new Set(early.map((f) => Math.max(1, Math.min(capacity - 1, Math.round(f * capacity)))))];
    const expectedHits = (d: number): number => {
      const i = Math.floor(d / bucket);
      return i >= buckets ? prefix[buckets]! : prefix[i]! + (d / bucket - i) * histogram[i]!;
    };
    const decayEvery = Math.max(1, Math.floor(capacity / 8));
    const decay = Math.pow(0.5, decayEvery / (halfLife * capacity));
    const decideEvery = Math.max(1, Math.floor(capacity / 16));
    let rank = capacity;
    let t = 0;
    const decide = (): void => {
      for (let i = 0; i < buckets; i++) prefix[i + 1] = prefix[i]! + histogram[i]!;
      let best = expectedHits(capacity) * margin;
      rank = capacity;
      for (const e of earlies) {
        const he = expectedHits(e);
        for (const l of lates) {
          const g = he + ((expectedHits(l) - he) * (capacity - e)) / (l - e);
          if (g > best) {
            best = g;
            rank = e;
          }
        }
      }
    };
    return (x) => {
      const lt = lastAccess[x]!;
      if (lt >= 0) {
        const distance = all.total - all.sum(lt) + 1;
        if (distance <= maxLate) histogram[Math.floor((distance - 1) / bucket)]!++;
        all.add(lt, -1);
      }
      all.add(t, 1);
      if (t >= keyAt.length) {
        const grown = new Int32Array(2 * keyAt.length);
        grown.set(keyAt);
        keyAt = grown;
      }
      keyAt[t] = x;
      const hit = inCache[x] === 1;
      if (hit) resident.add(lt, -1);
      else {
        if (resident.total >= capacity) {
          const i = resident.kth(resident.total - rank + 1);
          inCache[keyAt[i]!] = 0;
          resident.add(i, -1);
        }
        inCache[x] = 1;
      }
      resident.add(t, 1);
      lastAccess[x] = t;
      if (t % decayEvery === 0) for (let i = 0; i < buckets; i++) histogram[i]! *= decay;
      if (t % decideEvery === 0) decide();
      t++;
      return hit;
    };
  };
}

/**
 * Cacheus-like (Rodriguez et al. 2021, from the paper's text, details reconstructed): one resident set seen by two
 * experts. SR-LRU: new keys enter SR, an SR hit moves to R, R's overflow goes back to SR's most recent end, the victim
 * is SR's least recent; SR's target grows on a miss in SR-LRU's history for a key evicted unused, shrinks on a hit of a
 * key moved back. CR-LFU: least frequent, most recent on a tie, frequency kept in history. The evicting expert is
 * drawn by weight, its victim goes to its history (`history` × capacity each) unless both picked it, and a miss in
 * expert i's history multiplies w_i by exp(-lr). `adaptive`: lr hill-climbed on the hit ratio of each capacity accesses.
 */
function cacheus(history: number, adaptive: boolean, rate = 0.45): Policy {
  const SR = 0;
  const R = 1;
  const HISTORY_LRU = 2;
  const HISTORY_LFU = 3;
  const SHIFT = 2 ** 23;
  return (capacity, keys) => {
    const lists = new Lists(keys, 4);
    const demoted = new Uint8Array(keys);
    const wasNew = new Uint8Array(keys);
    const frequency = new Float64Array(keys);
    const order = new Float64Array(keys);
    const heap = new Heap(capacity, keys, (a, b) => order[a]! < order[b]!);
    const historyLength = Math.max(1, Math.round(history * capacity));
    let srTarget = Math.max(1, Math.floor(capacity / 2));
    let weightLru = 0.5;
    let weightLfu = 0.5;
    let lr = rate;
    let lrBefore = rate * 0.9;
    let ratioBefore = 0;
    let windowHits = 0;
    let flat = 0;
    const random = xorshift(777);
    let t = 0;
    const toHistory = (v: number, h: number): void => {
      if (lists.size[h]! >= historyLength) {
        const d = lists.head(h);
        lists.remove(d);
        frequency[d] = 0;
      }
      lists.pushTail(v, h);
    };
    const demoteOverflow = (): void => {
      while (lists.size[R]! > capacity - srTarget) {
        const d = lists.head(R);
        lists.moveTail(d, SR);
        demoted[d] = 1;
      }
    };
    const climb = (): void => {
      const ratio = windowHits / capacity;
      windowHits = 0;
      const dh = ratio - ratioBefore;
      const dl = lr - lrBefore;
      lrBefore = lr;
      if (dh !== 0 && dl !== 0) {
        const direction = Math.sign(dh * dl);
        lr = Math.min(1, Math.max(1e-3, lr + direction * Math.abs(dl) + direction * 1e-3));
        flat = 0;
      } else if (dh === 0 || ratio === 0) {
        if (++flat >= 10) {
          lr = 1e-3 + (random() / 2 ** 32) * (1 - 1e-3);
          flat = 0;
        }
      } else lr = Math.min(1, Math.max(1e-3, lr * (dh > 0 ? 1.1 : 0.9)));
      ratioBefore = ratio;
    };
    const access = (x: number): boolean => {
      const w = lists.where[x];
      if (w === SR || w === R) {
        windowHits++;
        order[x] = ++frequency[x]! * SHIFT - t;
        heap.grew(x);
        if (w === SR) {
          if (demoted[x] === 1) srTarget = Math.max(1, srTarget - 1);
          lists.moveTail(x, R);
          demoted[x] = 0;
          demoteOverflow();
        } else lists.moveTail(x, R);
        return true;
      }
      if (w === HISTORY_LRU || w === HISTORY_LFU) {
        lists.remove(x);
        if (w === HISTORY_LRU) {
          weightLru *= Math.exp(-lr);
          if (wasNew[x] === 1) srTarget = Math.min(capacity - 1, srTarget + 1);
        } else weightLfu *= Math.exp(-lr);
        const sum = weightLru + weightLfu;
        weightLru /= sum;
        weightLfu /= sum;
        frequency[x]!++;
      } else frequency[x] = 1;
      if (lists.size[SR]! + lists.size[R]! >= capacity) {
        const byLru = lists.size[SR]! > 0 ? lists.head(SR) : lists.head(R);
        const byLfu = heap.top();
        const useLru = random() / 2 ** 32 < weightLru;
        const v = useLru ? byLru : byLfu;
        wasNew[v] = lists.where[v] === SR && demoted[v] === 0 ? 1 : 0;
        lists.remove(v);
        demoted[v] = 0;
        heap.remove(v);
        if (byLru !== byLfu) toHistory(v, useLru ? HISTORY_LRU : HISTORY_LFU);
        else frequency[v] = 0;
      }
      lists.pushTail(x, SR);
      demoted[x] = 0;
      order[x] = frequency[x]! * SHIFT - t;
      heap.push(x);
      demoteOverflow();
      return false;
    };
    return (x) => {
      const hit = access(x);
      t++;
      if (adaptive && t % capacity === 0) climb();
      return hit;
    };
  };
}

/** The row hash of the sketch in the ported learned-victim simulator. */
function learnedSketchHash(x: number, row: number): number {
  let h = x ^ LEARNED_SKETCH_SEEDS[row]!;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}
const LEARNED_SKETCH_SEEDS = [0x97cb3127, 0x2c1b3c6d, 0x5bd1e995, 0x7f4a7c15];

/**
 * W-TinyLFU with a learned victim: a 1% LRU window, whose oldest entry enters main only if the sketch (one counter a
 * row per unit of capacity) finds it more frequent than the victim: of `sample` random main entries, the one whose
 * next use is predicted latest, last access + EWMA (α) of its reuse gaps (never reused: `unused` × capacity).
 * `history`: gaps are kept after eviction (unbounded); `overdue`: a key whose predicted use has passed is predicted
 * again at now + (now − last access).
 */
function learnedVictim(sample: number, alpha: number, unused: number, history: boolean, overdue: boolean): Policy {
  return (capacity, keys) => {
    const windowSize = Math.max(1, Math.round(capacity * 0.01));
    const mainSize = capacity - windowSize;
    const window = new Lists(keys, 1);
    const main = new Int32Array(mainSize);
    /** Each key's index in `main`, or -1. */
    const slot = new Int32Array(keys).fill(-1);
    let mainCount = 0;
    const last = new Float64Array(keys).fill(-1);
    const gap = new Float64Array(keys).fill(-1);
    const sketch = new Sketch(capacity, 10, { width: 1, hash: learnedSketchHash, countSaturated: true, restartCount: true });
    const random = xorshift(12345);
    let t = 0;
    const forget = (x: number): void => {
      if (history) return;
      last[x] = -1;
      gap[x] = -1;
    };
    const victim = (): number => {
      let v = -1;
      let latest = -Infinity;
      for (let s = 0; s < sample; s++) {
        const x = main[random() % mainCount]!;
        let next = last[x]! + (gap[x]! < 0 ? unused * capacity : gap[x]!);
        if (overdue && next < t) next = t + (t - last[x]!);
        if (next > latest) {
          latest = next;
          v = x;
        }
      }
      return v;
    };
    const admit = (candidate: number): void => {
      if (mainCount < mainSize) {
        main[mainCount] = candidate;
        slot[candidate] = mainCount++;
        return;
      }
      const v = victim();
      if (sketch.frequency(candidate) > sketch.frequency(v)) {
        main[slot[v]!] = candidate;
        slot[candidate] = slot[v]!;
        slot[v] = -1;
        forget(v);
      } else forget(candidate);
    };
    return (x) => {
      sketch.increment(x);
      if (last[x]! >= 0) gap[x] = gap[x]! < 0 ? t - last[x]! : alpha * (t - last[x]!) + (1 - alpha) * gap[x]!;
      last[x] = t;
      const inMain = slot[x]! >= 0;
      const inWindow = window.where[x] === 0;
      if (inWindow) window.moveTail(x, 0);
      else if (!inMain) {
        window.pushTail(x, 0);
        if (window.size[0]! > windowSize) {
          const candidate = window.head(0);
          window.remove(candidate);
          admit(candidate);
        }
      }
      t++;
      return inMain || inWindow;
    };
  };
}

const variants: Array<[family: string, label: string, policy: Policy]> = [
  ['lirs', 'LIRS 1% HIR, non-resident <= 1x', lirs(0.01, 1)],
  ...[0.01, 0.05, 0.1, 0.2, 0.3].map((h): [string, string, Policy] => ['lirs', `LIRS ${h * 100}% HIR, non-resident <= 2x`, lirs(h, 2)]),
  ...(['new', 'newKept', 'all', 'promote'] as const).flatMap((f) =>
    [0.01, 0.05, 0.1, 0.2].map((h): [string, string, Policy] => ['lirs', `LIRS + filter '${f}', ${h * 100}% HIR`, lirs(h, 2, f)]),
  ),
  ...[1, 2].flatMap((n) => [0.01, 0.1].map((c): [string, string, Policy] => ['clockpro', `CLOCK-Pro cold ${c * 100}%, non-resident <= ${n}x`, clockPro(c, n)])),
  ['arc', 'ARC', arc()],
  ['arc', "ARC + filter 'new'", arc('new')],
  ['arc', "ARC + filter 'newGhost'", arc('newGhost')],
  ['arc', "ARC + filter 'newGhost', aging 20x", arc('newGhost', 20)],
  ...[1, 2].flatMap((m) => [0.05, 0.1, 0.2].map((s): [string, string, Policy] => ['s3', `S3-FIFO small ${s * 100}%, promote at >= ${m}`, s3fifo(s, m)])),
  ...(['promote', 'ghost'] as const).flatMap((r) =>
    [0.1, 0.2].map((s): [string, string, Policy] => ['s3', `S3-FIFO + sketch '${r}', small ${s * 100}%`, s3fifo(s, 1, r)]),
  ),
  ...[0.45, 0.1].flatMap((r) => [1, 0.5].map((h): [string, string, Policy] => ['lecar', `LeCaR (LRU/LFU) rate ${r}, history ${h}x`, lecar(r, h)])),
  ['lhd', 'LHD base', lhd({ range: 16, classes: 'reuse' })],
  ['lhd', 'LHD range64', lhd({ range: 64, classes: 'reuse' })],
  ['lhd', 'LHD range64 freq16', lhd({ range: 64, classes: 'freq' })],
  ...[0.25, 0.1].map((g): [string, string, Policy] => [
    'lhd',
    `LHD A: ghost${g} win range64 +winStats`,
    lhd({ range: 64, classes: 'reuse', window: { size: 0.01, admit: 'tinylfu' }, ghost: g, winStats: true }),
  ]),
  ['lhd', 'LHD B: win1% freq16 range64 +winStats', lhd({ range: 64, classes: 'freq', window: { size: 0.01, admit: 'density' }, winStats: true })],
  ['lrfu', 'LRFU λ=1e-3 +hist', lrfu(1e-3, true)],
  ['lrfu', 'LRFU λ=1e-2', lrfu(1e-2, false)],
  ['eelru', 'EELRU e=wide L=2,3,4M hl=1M', eelru(EELRU_WIDE, [2, 3, 4], 1)],
  ['eelru', 'EELRU e=wide L=2,3,4M hl=8M margin 1.05', eelru(EELRU_WIDE, [2, 3, 4], 8, 1.05)],
  ['cacheus', 'Cacheus hist=C/2 each, fixed lr 0.45', cacheus(0.5, false)],
  ['cacheus', 'Cacheus hist=C/2 each, adaptive lr', cacheus(0.5, true)],
  ['learned', 'Learned victim S=32 α=.5 D=2c +hist overdue', learnedVictim(32, 0.5, 2, true, true)],
  ['learned', 'Learned victim S=32 α=.5 D=2c', learnedVictim(32, 0.5, 2, false, false)],
];

interface Row {
  trace: string;
  file: string;
  capacity: number;
  requests: number;
  lru: number;
  opt: number;
  policy: number;
}

const benchDir = dirname(fileURLToPath(import.meta.url));
const results = JSON.parse(readFileSync(join(benchDir, 'results', 'traces.json'), 'utf8')) as { rows: Row[] };
const readme = readFileSync(join(args['traces-dir'], 'README.md'), 'utf8');
const traces = new Map<string, KeyTrace>();
for (const row of results.rows) {
  if (traces.has(row.file)) continue;
  const line = readme.split('\n').find((l) => l.includes(row.file)) ?? '';
  const format: TraceFormat = /64-bit/.test(line) ? 'u64be' : /32-bit/.test(line) ? 'u32be' : 'lines';
  const trace = await readTrace(join(args['traces-dir'], row.file), format);
  if (trace.requests.length !== row.requests) throw new Error(`${row.file}: ${trace.requests.length} requests, traces.json says ${row.requests}`);
  traces.set(row.file, trace);
}

function hitRatio(policy: Policy, trace: KeyTrace, capacity: number): number {
  const access = policy(capacity, trace.distinctKeys);
  let hits = 0;
  for (const key of trace.requests) if (access(key)) hits++;
  return hits / trace.requests.length;
}

// The recency-heavy trace of test/traceReplay.test.ts (same generator and seed).
let seed = 1;
const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const slidingRequests = Int32Array.from({ length: 100_000 }, (_, i) => Math.floor(i / 20) + Math.floor(random() * random() * 300));
const sliding: KeyTrace = { requests: slidingRequests, distinctKeys: Math.max(...slidingRequests) + 1 };

for (const row of results.rows) {
  const check = hitRatio(lru, traces.get(row.file)!, row.capacity);
  if (Math.abs(check - row.lru) > 1e-12) throw new Error(`${row.trace}@${row.capacity}: dense LRU ${check} != traces.json LRU ${row.lru}`);
}
const only = args.only?.split(',');
const report = (label: string, ratio: (row: Row) => number, slidingPoints: string): void => {
  let sum = 0;
  let worst = Infinity;
  const shares = results.rows.map((row) => {
    const h = ratio(row);
    worst = Math.min(worst, (h - row.lru) * 100);
    const share = (h - row.lru) / (row.opt - row.lru);
    sum += share;
    return share.toFixed(3);
  });
  const sign = worst >= 0 ? '+' : '';
  console.log(`${label.padEnd(46)} mean ${(sum / shares.length).toFixed(3)}  worst ${sign}${worst.toFixed(2)}  | ${shares.join(' ')}  | sliding ${slidingPoints}`);
};
console.log(`rows: ${results.rows.map((r) => `${r.trace}@${r.capacity}`).join(' ')} (LRU, OPT and W-TinyLFU from results/traces.json)`);
report('W-TinyLFU (results/traces.json)', (row) => row.policy, 'see test/traceReplay.test.ts');
for (const [family, label, policy] of variants) {
  if (only !== undefined && !only.includes(family)) continue;
  const slidingPoints = [50, 100, 200].map((c) => ((hitRatio(policy, sliding, c) - hitRatio(lru, sliding, c)) * 100).toFixed(2)).join(' / ');
  report(label, (row) => hitRatio(policy, traces.get(row.file)!, row.capacity), slidingPoints);
}
