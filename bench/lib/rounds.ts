// Order and summary of measurement rounds. No dependencies: the root test suite imports it without bench/'s packages.
import type { Spread } from '../report/types.js';

export function spreadOf(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error('spreadOf needs at least one value');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/**
 * Round r runs the contestants rotated by ⌊r/2⌋ and reversed on odd rounds: nobody is always first or always
 * after the same one (with two contestants the first alternates a, b, b, a…).
 */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  const shift = Math.floor(round / 2) % items.length;
  const rotated = [...items.slice(shift), ...items.slice(0, shift)];
  return round % 2 === 1 ? rotated.reverse() : rotated;
}
