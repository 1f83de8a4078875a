// Hit ratios on the shared traces: the L1 policy (W-TinyLFU) against plain LRU and Belady's optimum (computed
// offline by bench/beladyOptimum.ts). Runs bench/traces.ts and reshapes its file (traces.json, or
// traces-quick.json for --quick, which skips the largest trace).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Comparison } from '../report/types.js';
import { BENCH_DIR, RESULTS_DIR, log, newResult, runIfMain, type Suite } from '../lib/suite.js';

interface TraceRow {
  trace: string;
  capacity: number;
  policy: number;
  lru: number;
  opt: number;
  gapClosed: number;
}

interface TracesFile {
  command: string;
  skipped: string[];
  rows: TraceRow[];
  summary: { meanGapClosed: number; worstPointsVsLru: number; harnessReproducesReference: boolean };
}

const exact = (x: number): { median: number; min: number; max: number } => ({ median: x, min: x, max: x });

export const traces: Suite = async ({ quick }) => {
  const result = newResult('traces', 'Trace hit ratios: L1 policy vs LRU vs Belady OPT', quick);
  log('traces: running bench/traces.ts');
  const run = spawnSync('npx', ['tsx', 'traces.ts', ...(quick ? ['--quick'] : [])], { cwd: BENCH_DIR, stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
  if (run.status !== 0) {
    result.skipped = `bench/traces.ts failed (exit ${run.status ?? run.signal})`;
    return result;
  }
  const file = JSON.parse(readFileSync(join(RESULTS_DIR, quick ? 'traces-quick.json' : 'traces.json'), 'utf8')) as TracesFile;
  result.command = file.command;
  for (const row of file.rows) {
    // Compared by miss ratio: a hit ratio of 0 (LRU on a loop) has no ratio, a miss ratio is never 0 here.
    const miss = (hit: number): number => (1 - hit) * 100;
    const comparison: Comparison = {
      name: `${row.trace} @ ${row.capacity} entries (miss ratio)`,
      unit: '%',
      lowerIsBetter: true,
      strata: { label: 'Strata L1 (W-TinyLFU)', value: exact(miss(row.policy)), detail: `hit ${(row.policy * 100).toFixed(2)}%, closes ${(row.gapClosed * 100).toFixed(0)}% of the LRU→OPT gap` },
      peers: [
        { label: 'LRU', value: exact(miss(row.lru)), ratio: exact(miss(row.lru) / miss(row.policy)), detail: `hit ${(row.lru * 100).toFixed(2)}%` },
        { label: 'Belady OPT (offline bound)', value: exact(miss(row.opt)), ratio: exact(miss(row.opt) / miss(row.policy)), detail: `hit ${(row.opt * 100).toFixed(2)}%` },
      ],
    };
    result.comparisons.push(comparison);
  }
  const s = file.summary;
  result.targets.push(
    { name: 'mean share of the LRU→OPT gap closed', value: s.meanGapClosed, goal: '≥ 0.5', met: s.meanGapClosed >= 0.5 },
    { name: 'worst trace, points vs LRU', value: s.worstPointsVsLru, goal: '≥ -1', met: s.worstPointsVsLru >= -1 },
  );
  result.figures = { harnessReproducesReference: s.harnessReproducesReference };
  if (file.skipped.length > 0) result.notes.push(`Skipped in --quick: ${file.skipped.join(', ')} (full run: npm run bench).`);
  result.notes.push('Figures are miss ratios (lower is better; hit ratios in the cells). A replay is deterministic: no spread. OPT is a bound no online policy reaches.');
  return result;
};

await runIfMain(import.meta.url, traces);
