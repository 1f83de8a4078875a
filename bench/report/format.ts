// Number formatting shared by the table and the chart.
import type { Spread } from './types.js';

export function formatValue(value: number | null, unit: string): string {
  if (value === null || !Number.isFinite(value)) return 'n/a';
  switch (unit) {
    case 'ns/op':
      if (value >= 1e6) return `${(value / 1e6).toFixed(2)} ms/op`;
      if (value >= 1e3) return `${(value / 1e3).toFixed(1)} µs/op`;
      return `${value.toFixed(0)} ns/op`;
    case 'ops/s':
    case 'req/s':
    case 'inserts/s':
      return `${Math.round(value).toLocaleString('en-US')} ${unit}`;
    case 'ms':
      if (value < 1) return `${(value * 1000).toFixed(0)} µs`;
      return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
    case '× bound':
      return `${value.toFixed(3)}× the bound`;
    case '%':
      return `${value.toFixed(2)}%`;
    default:
      return `${value.toFixed(1)} ${unit}`;
  }
}

export function formatRatio(ratio: number | null): string {
  // JSON turns Infinity and NaN into null.
  if (ratio === null || !Number.isFinite(ratio)) return 'n/a';
  if (ratio >= 10) return `${ratio.toFixed(0)}×`;
  return `${ratio.toFixed(2)}×`;
}

/** `2.31× (1.90–2.80)`; a figure that did not vary has no range. */
export function formatRatioSpread(ratio: Spread): string {
  if (ratio.min === ratio.max) return formatRatio(ratio.median);
  return `${formatRatio(ratio.median)} (${formatRatio(ratio.min).slice(0, -1)}–${formatRatio(ratio.max)})`;
}
