// Measures Strata and its peers in the same process, in alternating order, over several rounds.
import { measure } from 'mitata';
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
  /** Minimum time mitata spends on one contestant in one round, milliseconds. */
  minTimeMs: number;
}

/** Nanoseconds per operation of every contestant, one array entry per measured round. */
export async function timeRounds(contestants: readonly Contestant[], options: RoundOptions): Promise<Map<string, number[]>> {
  const perRound = new Map<string, number[]>(contestants.map((c) => [c.label, []]));
  for (let round = 0; round < options.warmupRounds + options.rounds; round++) {
    for (const contestant of roundOrder(contestants, round)) {
      // p50 of the samples: a neighbour's burst on the shared cores inflates the mean of whoever ran then.
      const stats = await measure(contestant.run, { min_cpu_time: options.minTimeMs * 1e6, min_samples: 8 });
      if (round >= options.warmupRounds) perRound.get(contestant.label)!.push(stats.p50 / contestant.opsPerCall);
    }
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
