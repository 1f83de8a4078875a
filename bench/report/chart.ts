// latest.svg: one horizontal bar per (operation, peer), Strata's advantage on a log scale centred on 1×,
// with the range of the rounds as a whisker. Plain SVG text, no plotting library.
import { formatRatio } from './format.js';
import type { BenchRun } from './types.js';

const WIDTH = 1000;
const LABEL_WIDTH = 520;
const ROW = 20;
const TOP = 60;
/** The axis spans 1/100× to 100×: anything beyond is drawn at the edge. */
const DECADES = 2;

/** Characters of a row label that fit left of the plot at this font size. */
const LABEL_CHARS = 88;

function shorten(text: string): string {
  return text.length <= LABEL_CHARS ? text : `${text.slice(0, LABEL_CHARS - 1)}…`;
}

function escape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

export function renderChart(run: BenchRun): string {
  const rows = run.suites.flatMap((s) => s.comparisons.flatMap((c) => c.peers.filter((p) => Number.isFinite(p.ratio.median)).map((p) => ({ label: `${s.suite} · ${c.name} · vs ${p.label}`, ratio: p.ratio }))));
  const plotLeft = LABEL_WIDTH + 10;
  const plotWidth = WIDTH - plotLeft - 60;
  const centre = plotLeft + plotWidth / 2;
  const x = (ratio: number): number => centre + (Math.max(-DECADES, Math.min(DECADES, Math.log10(ratio))) / DECADES) * (plotWidth / 2);
  const height = TOP + rows.length * ROW + 30;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">Strata vs peers: how many times better Strata is (log scale; right of 1× Strata wins, left the peer wins)</text>`,
    `<text x="10" y="38">${escape(`${run.date} · ${run.machine.cores} cores · Node ${run.machine.node} · Redis ${run.machine.redis} · ${run.quick ? 'quick pass' : 'full pass'} · bars: median of rounds, whiskers: range`)}</text>`,
  ];
  for (const tick of [0.01, 0.1, 1, 10, 100]) {
    out.push(`<line x1="${x(tick)}" y1="${TOP - 8}" x2="${x(tick)}" y2="${TOP + rows.length * ROW}" stroke="${tick === 1 ? '#333' : '#ddd'}"/>`);
    out.push(`<text x="${x(tick)}" y="${TOP + rows.length * ROW + 14}" text-anchor="middle">${formatRatio(tick)}</text>`);
  }
  rows.forEach((row, i) => {
    const y = TOP + i * ROW;
    const wins = row.ratio.median >= 1;
    const from = Math.min(x(1), x(row.ratio.median));
    const width = Math.max(1, Math.abs(x(row.ratio.median) - x(1)));
    out.push(`<text x="${LABEL_WIDTH}" y="${y + 13}" text-anchor="end">${escape(shorten(row.label))}</text>`);
    out.push(`<rect x="${from.toFixed(1)}" y="${y + 4}" width="${width.toFixed(1)}" height="${ROW - 8}" fill="${wins ? '#2e7d32' : '#c62828'}"/>`);
    out.push(`<line x1="${x(row.ratio.min).toFixed(1)}" y1="${y + ROW / 2}" x2="${x(row.ratio.max).toFixed(1)}" y2="${y + ROW / 2}" stroke="#000"/>`);
    out.push(`<text x="${WIDTH - 55}" y="${y + 13}">${escape(formatRatio(row.ratio.median))}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
