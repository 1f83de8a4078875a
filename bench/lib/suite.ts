// What every module of bench/suites/ shares: its options, and running it alone from the command line.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { SuiteResult } from '../report/types.js';

export interface SuiteOptions {
  /** The short pass: fewer rounds and operations, same method. */
  quick: boolean;
}

export type Suite = (options: SuiteOptions) => Promise<SuiteResult>;

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const RESULTS_DIR = join(BENCH_DIR, 'results');

/** A --quick pass writes <suite>-quick.json, so it never overwrites the figures of a full run. */
export function resultPath(suite: string, quick: boolean): string {
  return join(RESULTS_DIR, `${suite}${quick ? '-quick' : ''}.json`);
}

export function writeResult(result: SuiteResult): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = resultPath(result.suite, result.quick);
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}

/** An empty result to fill in. */
export function newResult(suite: string, title: string, quick: boolean): SuiteResult {
  return {
    suite,
    title,
    command: `cd bench && npx tsx suites/${suite}.ts${quick ? ' --quick' : ''}`,
    date: new Date().toISOString(),
    quick,
    comparisons: [],
    targets: [],
    figures: {},
    notes: [],
  };
}

/** Human progress goes to stderr: stdout carries only the JSON object under `--json`. */
export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/**
 * Runs a suite when its module is the entry point: `tsx suites/<name>.ts [--quick] [--json]` writes
 * results/<name>.json (results/<name>-quick.json with --quick) and, with --json, prints the result as one line on stdout.
 */
export async function runIfMain(moduleUrl: string, suite: Suite): Promise<void> {
  const entry = process.argv[1];
  if (entry === undefined || basename(entry) !== basename(fileURLToPath(moduleUrl))) return;
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } }, strict: true });
  const result = await suite({ quick: values.quick });
  // A script owned elsewhere wrote its own file (possibly under this very name): leave it as it is.
  const path = result.source === undefined ? writeResult(result) : result.source;
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else log(`${result.suite} → ${path}`);
  // Peers keep timers and sockets open; the measurement is over.
  process.exit(process.exitCode ?? 0);
}
