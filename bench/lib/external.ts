// Suites whose scripts other engineers own (bench/<script>.ts): run them with the shared CLI convention
// (`--quick`, `--json`, writing results/<name>.json) and wrap what they wrote.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SuiteResult } from '../report/types.js';
import { BENCH_DIR, RESULTS_DIR, log, newResult } from './suite.js';

export interface ExternalSuite {
  suite: string;
  title: string;
  /** File under bench/. */
  script: string;
  /** Name of the results file it writes under bench/results/. */
  resultFile: string;
}

/** Time one external suite may take before it is stopped, milliseconds. */
const TIMEOUT_MS = { quick: 120_000, full: 900_000 };

function isSuiteResult(value: unknown): value is SuiteResult {
  const v = value as Partial<SuiteResult> | null;
  return typeof v === 'object' && v !== null && Array.isArray(v.comparisons) && Array.isArray(v.targets) && typeof v.suite === 'string';
}

export function runExternal(spec: ExternalSuite, quick: boolean): SuiteResult {
  const result = newResult(spec.suite, spec.title, quick);
  const scriptPath = join(BENCH_DIR, spec.script);
  result.command = `cd bench && npx tsx ${spec.script}${quick ? ' --quick' : ''} --json`;
  if (!existsSync(scriptPath)) {
    result.skipped = `bench/${spec.script} does not exist in this checkout yet`;
    return result;
  }
  const resultPath = join(RESULTS_DIR, spec.resultFile);
  const before = existsSync(resultPath) ? statSync(resultPath).mtimeMs : 0;
  log(`${spec.suite}: running bench/${spec.script}`);
  const args = ['tsx', spec.script, ...(quick ? ['--quick'] : []), '--json'];
  const run = spawnSync('npx', args, { cwd: BENCH_DIR, encoding: 'utf8', timeout: quick ? TIMEOUT_MS.quick : TIMEOUT_MS.full, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) {
    result.skipped = `bench/${spec.script} failed (exit ${run.status ?? run.signal})`;
    return result;
  }
  let output: unknown;
  if (existsSync(resultPath) && statSync(resultPath).mtimeMs > before) output = JSON.parse(readFileSync(resultPath, 'utf8'));
  else {
    const lastLine = run.stdout.trim().split('\n').pop() ?? '';
    try {
      output = JSON.parse(lastLine);
    } catch {
      result.skipped = `bench/${spec.script} wrote neither results/${spec.resultFile} nor a JSON line on stdout`;
      return result;
    }
  }
  if (isSuiteResult(output)) return { ...output, suite: spec.suite, command: result.command };
  result.raw = output;
  result.notes.push(`Figures in the shape bench/${spec.script} chose: see bench/results/${spec.resultFile}.`);
  return result;
}
