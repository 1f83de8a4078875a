// Measures Strata and its peers in the same process, in alternating order, over several rounds.
import type { Comparison } from '../report/types.js';
import { roundOrder, spreadOf } from './rounds.js';

export { roundOrder, spreadOf };

/** One implementation of the operation under test. `run` performs `opsPerCall` operations. */
export interface Contestant {
  label: string;
  run: () => unknown;
  opsPerCall: number;
}

export interface RoundOptions {
  /** Measured rounds; their median is reported, their range is the spread. */
  rounds: number;
  /** Rounds run first and thrown away, so every contestant is JIT-compiled before measurement starts. */
  warmupRounds: number;
  /** Time of one round per contestant, milliseconds. */
  minTimeMs: number;
}

/** Samples per contestant per round, at least, whatever the time budget. */
const MIN_SAMPLES = 7;

/**
 * Nanoseconds per operation of every contestant, one array entry per measured round. Within a round the
 * contestants take turns call by call (A, B, B, A, …) until the round's time is spent, so a neighbour's burst on
 * the shared cores lands on all of them alike; a contestant's figure for the round is the median of its calls.
 */
export async function timeRounds(contestants: readonly Contestant[], options: RoundOptions): Promise<Map<string, number[]>> {
  const perRound = new Map<string, number[]>(contestants.map((c) => [c.label, []]));
  for (let round = 0; round < options.warmupRounds + options.rounds; round++) {
    const samples = new Map<string, number[]>(contestants.map((c) => [c.label, []]));
    const deadline = performance.now() + options.minTimeMs * contestants.length;
    for (let turn = 0; turn < MIN_SAMPLES || performance.now() < deadline; turn++) {
      for (const contestant of roundOrder(contestants, turn + round)) {
        const t0 = performance.now();
        const pending = contestant.run();
        if (pending instanceof Promise) await pending;
        samples.get(contestant.label)!.push(((performance.now() - t0) * 1e6) / contestant.opsPerCall);
      }
    }
    if (round < options.warmupRounds) continue;
    for (const [label, values] of samples) perRound.get(label)!.push(spreadOf(values).median);
  }
  return perRound;
}

/**
 * Builds a comparison from per-round figures of Strata (`strataLabel`) and the peers. Ratios are taken round by
 * round (figures of the same round were measured moments apart) and then summarised.
 */
export function compareRounds(
  name: string,
  unit: string,
  lowerIsBetter: boolean,
  strataLabel: string,
  perRound: Map<string, number[]>,
  details: Record<string, string> = {},
): Comparison {
  const strata = perRound.get(strataLabel);
  if (strata === undefined) throw new Error(`no figures for '${strataLabel}'`);
  const peers = [...perRound.entries()]
    .filter(([label]) => label !== strataLabel)
    .map(([label, values]) => {
      const ratios = values.map((v, i) => (lowerIsBetter ? v / strata[i]! : strata[i]! / v));
      return { label, value: spreadOf(values), ratio: spreadOf(ratios), ...(details[label] === undefined ? {} : { detail: details[label] }) };
    });
  return {
    name,
    unit,
    lowerIsBetter,
    strata: { label: strataLabel, value: spreadOf(strata), ...(details[strataLabel] === undefined ? {} : { detail: details[strataLabel] }) },
    peers,
  };
}

/** Times and compares in one call. */
export async function compare(name: string, strataLabel: string, contestants: readonly Contestant[], options: RoundOptions): Promise<Comparison> {
  return compareRounds(name, 'ns/op', true, strataLabel, await timeRounds(contestants, options));
}

export function roundOptions(quick: boolean): RoundOptions {
  return quick ? { rounds: 5, warmupRounds: 1, minTimeMs: 60 } : { rounds: 9, warmupRounds: 2, minTimeMs: 300 };
}
