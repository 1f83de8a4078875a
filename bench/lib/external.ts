// Suites whose scripts other engineers own (bench/<script>.ts): run them from the repository root as their
// headers say (`npx tsx bench/<script>.ts [--quick] [--json]`, here as `node --import tsx`) and wrap the results file they wrote.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { summarize } from '../report/summaries.js';
import type { SuiteResult } from '../report/types.js';
import { BENCH_DIR, RESULTS_DIR, log, newResult } from './suite.js';

export interface ExternalSuite {
  suite: string;
  title: string;
  /** File under bench/. */
  script: string;
  /** The results file it writes under bench/results/ when its name is not `<script name>*.json`. */
  resultFile?: string;
}

/** Time one external suite may take before it is stopped, milliseconds. */
export const EXTERNAL_TIMEOUT_MS = { quick: 100_000, full: 900_000 };

function isSuiteResult(value: unknown): value is SuiteResult {
  const v = value as Partial<SuiteResult> | null;
  return typeof v === 'object' && v !== null && Array.isArray(v.comparisons) && Array.isArray(v.targets) && typeof v.suite === 'string';
}

function modifiedTimes(): Map<string, number> {
  if (!existsSync(RESULTS_DIR)) return new Map();
  return new Map(readdirSync(RESULTS_DIR).filter((f) => f.endsWith('.json')).map((f) => [f, statSync(join(RESULTS_DIR, f)).mtimeMs]));
}

/**
 * Runs `node --import tsx bench/<script>` from the repository root in its own process group, so that on timeout
 * the whole group (the script and whatever it started: workers, redis-servers) is stopped, not just the first process.
 */
function runScript(script: string, quick: boolean, timeoutMs: number): Promise<{ stdout: string; failure?: string }> {
  return new Promise((done) => {
    const args = ['--import', 'tsx', `bench/${script}`, ...(quick ? ['--quick'] : []), '--json'];
    const child = spawn(process.execPath, args, { cwd: dirname(BENCH_DIR), stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid!, 'SIGTERM');
      setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // The group is already gone.
        }
      }, 5_000).unref();
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      done({ stdout, failure: `could not start: ${err.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) done({ stdout, failure: `did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped` });
      else if (code !== 0) done({ stdout, failure: `failed (exit ${code ?? signal})` });
      else done({ stdout });
    });
  });
}

/** The results file the script wrote during this run: the declared one, else one named after the script. */
function writtenFile(spec: ExternalSuite, before: Map<string, number>): string | undefined {
  const changed = [...modifiedTimes()].filter(([file, mtime]) => mtime > (before.get(file) ?? 0)).map(([file]) => file);
  const base = spec.script.replace(/\.ts$/, '');
  return changed.find((f) => f === spec.resultFile) ?? changed.find((f) => f.startsWith(base));
}

export async function runExternal(spec: ExternalSuite, quick: boolean, timeoutMs = quick ? EXTERNAL_TIMEOUT_MS.quick : EXTERNAL_TIMEOUT_MS.full): Promise<SuiteResult> {
  const result = newResult(spec.suite, spec.title, quick);
  result.source = `bench/${spec.script}`;
  result.command = `npx tsx bench/${spec.script}${quick ? ' --quick' : ''} --json`;
  if (!existsSync(join(BENCH_DIR, spec.script))) {
    result.skipped = `bench/${spec.script} does not exist in this checkout yet`;
    return result;
  }
  const before = modifiedTimes();
  log(`${spec.suite}: running bench/${spec.script}`);
  const run = await runScript(spec.script, quick, timeoutMs);
  if (run.failure !== undefined) {
    result.skipped = `bench/${spec.script} ${run.failure}`;
    return result;
  }
  const file = writtenFile(spec, before);
  let output: unknown;
  if (file !== undefined) {
    output = JSON.parse(readFileSync(join(RESULTS_DIR, file), 'utf8'));
    result.notes.push(`Figures in the shape bench/${spec.script} chose: see bench/results/${file}.`);
  } else {
    try {
      output = JSON.parse(run.stdout.trim().split('\n').pop() ?? '');
    } catch {
      result.skipped = `bench/${spec.script} wrote no results file and no JSON line on stdout`;
      return result;
    }
    result.notes.push(`Figures in the shape bench/${spec.script} chose (its JSON output).`);
  }
  if (isSuiteResult(output)) return { ...output, suite: spec.suite, command: result.command, source: result.source };
  result.raw = output;
  const summary = summarize(spec.suite, output);
  if (summary === undefined) return result;
  return { ...result, ...summary, notes: [...summary.notes, ...result.notes] };
}
