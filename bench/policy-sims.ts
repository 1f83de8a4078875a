// Whole-policy simulators over dense key ids (LIRS, CLOCK-Pro, ARC, S3-FIFO, each alone and with a TinyLFU-style
// frequency filter; LeCaR), replayed on the reference rows of bench/results/traces.json, which gives the rows, LRU
// and OPT. They back revision 5 of docs/adr-l1-window-adaptation.md; none of them is used by the tier.
// Usage (from bench/): npx tsx policy-sims.ts [--traces-dir /work/shared/traces] [--only lirs,arc,s3,clockpro,lecar]
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

/** Count-min sketch: 4 rows of counters saturating at 15, all halved after `aging` × capacity increments. */
class Sketch {
  private readonly table: Uint8Array;
  private readonly width: number;
  private readonly limit: number;
  private additions = 0;

  constructor(capacity: number, aging = 10) {
    let width = 16;
    while (width < capacity * 4) width *= 2;
    this.width = width;
    this.table = new Uint8Array(width * 4);
    this.limit = aging * capacity;
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
    if (added && ++this.additions >= this.limit) {
      for (let i = 0; i < this.table.length; i++) this.table[i]! >>= 1;
      this.additions >>= 1;
    }
  }

  private index(x: number, row: number): number {
    let h = Math.imul(x + 1, SEEDS[row]!);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 13;
    return row * this.width + (h & (this.width - 1));
  }
}
const SEEDS = [0x9e3779b1, 0x85ebca6b, 0xc2b2ae35, 0x27d4eb2f];

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
    const heap = new Int32Array(capacity + 1);
    const position = new Int32Array(keys).fill(-1);
    let heapSize = 0;
    let clock = 0;
    let random = 12345;
    let weightLru = 0.5;
    const discount = Math.pow(0.005, 1 / capacity);
    const less = (a: number, b: number): boolean =>
      frequency[a]! < frequency[b]! || (frequency[a] === frequency[b] && lastUse[a]! < lastUse[b]!);
    const swap = (i: number, j: number): void => {
      const a = heap[i]!;
      const b = heap[j]!;
      heap[i] = b;
      heap[j] = a;
      position[b] = i;
      position[a] = j;
    };
    const siftUp = (start: number): void => {
      for (let i = start; i > 0 && less(heap[i]!, heap[(i - 1) >> 1]!); i = (i - 1) >> 1) swap(i, (i - 1) >> 1);
    };
    const siftDown = (start: number): void => {
      for (let i = start; ; ) {
        let m = i;
        for (const c of [2 * i + 1, 2 * i + 2]) if (c < heapSize && less(heap[c]!, heap[m]!)) m = c;
        if (m === i) return;
        swap(i, m);
        i = m;
      }
    };
    const heapRemove = (x: number): void => {
      const i = position[x]!;
      heapSize--;
      if (i !== heapSize) swap(i, heapSize);
      position[x] = -1;
      if (i < heapSize) {
        siftUp(i);
        siftDown(i);
      }
    };
    const nextRandom = (): number => {
      random ^= random << 13;
      random ^= random >>> 17;
      random ^= random << 5;
      return (random >>> 0) / 2 ** 32;
    };
    return (x) => {
      clock++;
      const w = lists.where[x];
      if (w === CACHE) {
        lists.moveTail(x, CACHE);
        frequency[x]!++;
        lastUse[x] = clock;
        siftDown(position[x]!);
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
        const byLru = nextRandom() < weightLru;
        const v = byLru ? lists.head(CACHE) : heap[0]!;
        lists.remove(v);
        heapRemove(v);
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
      heap[heapSize] = x;
      position[x] = heapSize++;
      siftUp(heapSize - 1);
      return false;
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
    return share.toFixed(2);
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
