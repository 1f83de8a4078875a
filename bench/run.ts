// One command for every benchmark: `npx tsx run.ts [--quick] [--json] [--suite name]...` (from bench/), or
// `npm run bench -- --quick` from the repository root. Each suite runs in its own process and writes
// results/<suite>.json (results/<suite>-quick.json with --quick). A run of every suite also writes
// results/<date>.json, results/latest.json, results/latest.svg, results/table.md and the README's table.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { EXTERNAL_TIMEOUT_MS, runExternal, type ExternalSuite } from './lib/external.js';
import { captureStart, describeMachine } from './lib/machine.js';
import { BENCH_DIR, RESULTS_DIR, log, newResult } from './lib/suite.js';
import { renderChart } from './report/chart.js';
import { replaceBenchBlock } from './report/readmeBlock.js';
import { renderTable } from './report/table.js';
import type { BenchRun, SuiteResult } from './report/types.js';

/** Suites of bench/suites/, in the order they run. */
export const OWN_SUITES = ['l1', 'getOrSet', 'tiered', 'set', 'stampede', 'l2', 'redis-ceiling', 'memory', 'traces', 'failover'] as const;

/** Suites whose scripts other engineers own. */
export const EXTERNAL_SUITES: readonly ExternalSuite[] = [
  { suite: 'cluster', title: 'Cluster: instances sharing a Redis Cluster (coherence, shared hit rate, stampede)', script: 'cluster.ts' },
  { suite: 'server', title: 'HTTP server under load', script: 'server.ts' },
  { suite: 'semantic', title: 'Semantic lookup (cached embedding → ANN search → verify)', script: 'semantic-lookup.ts' },
  { suite: 'vector-index', title: 'ANN index: insert, search latency, recall', script: 'vector-index.ts' },
];

/** A --quick pass of everything must end within 5 minutes: suites owned elsewhere get what is left of this. */
const QUICK_BUDGET_MS = 280_000;
/** Below this, an external suite is not started at all in --quick. */
const MIN_EXTERNAL_MS = 15_000;

const ALL = [...OWN_SUITES, ...EXTERNAL_SUITES.map((s) => s.suite)];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    suite: { type: 'string', multiple: true },
  },
  strict: true,
});
const quick = values.quick;
const selected = (values.suite ?? []).flatMap((s) => s.split(',')).filter((s) => s !== '');
const unknown = selected.filter((s) => !ALL.includes(s));
if (unknown.length > 0) {
  console.error(`unknown suite ${unknown.map((s) => `'${s}'`).join(', ')}: choose from ${ALL.join(', ')}`);
  process.exit(2);
}
const suites = selected.length > 0 ? ALL.filter((s) => selected.includes(s)) : ALL;

function runOwn(suite: string): SuiteResult {
  log(`── ${suite}`);
  const child = spawnSync(process.execPath, ['--import', 'tsx', join('suites', `${suite}.ts`), '--json', ...(quick ? ['--quick'] : [])], {
    cwd: BENCH_DIR,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status !== 0 || line === '') {
    return {
      ...newResult(suite, suite, quick),
      skipped: `the suite failed (exit ${child.status ?? child.signal}); its error is in the run's log`,
    };
  }
  return JSON.parse(line) as SuiteResult;
}

const runStart = captureStart();
const started = performance.now();
const results: SuiteResult[] = [];
for (const suite of suites) {
  const external = EXTERNAL_SUITES.find((s) => s.suite === suite);
  const suiteStarted = performance.now();
  const left = QUICK_BUDGET_MS - (performance.now() - started);
  let result: SuiteResult;
  if (external === undefined) result = runOwn(suite);
  else if (!quick) result = await runExternal(external, quick);
  else if (left < MIN_EXTERNAL_MS) result = { ...newResult(suite, external.title, quick), source: `bench/${external.script}`, command: `npx tsx bench/${external.script} --quick --json`, skipped: `not started: the --quick pass's ${QUICK_BUDGET_MS / 1000} s budget was spent` };
  else result = await runExternal(external, quick, Math.min(left, EXTERNAL_TIMEOUT_MS.quick));
  result.durationSeconds = Math.round((performance.now() - suiteStarted) / 100) / 10;
  if (result.skipped !== undefined) log(`${suite}: skipped: ${result.skipped}`);
  results.push(result);
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (selected.length === 0) {
  const date = new Date().toISOString();
  const run: BenchRun = {
    command: `npm run bench${quick ? ' -- --quick' : ''}`,
    date,
    quick,
    durationSeconds: (performance.now() - started) / 1000,
    machine: describeMachine(runStart),
    suites: results,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const text = `${JSON.stringify(run, null, 2)}\n`;
  writeFileSync(join(RESULTS_DIR, `${date.slice(0, 10)}.json`), text);
  writeFileSync(join(RESULTS_DIR, 'latest.json'), text);
  writeFileSync(join(RESULTS_DIR, 'latest.svg'), renderChart(run));
  const table = renderTable(run);
  writeFileSync(join(RESULTS_DIR, 'table.md'), table);
  const readmePath = join(dirname(BENCH_DIR), 'README.md');
  if (existsSync(readmePath)) writeFileSync(readmePath, replaceBenchBlock(readFileSync(readmePath, 'utf8'), table));
  log(`results: ${join(RESULTS_DIR, 'latest.json')}, latest.svg, table.md and README.md's performance block (${run.durationSeconds.toFixed(0)} s)`);
}
process.exit(results.some((r) => r.skipped?.startsWith('the suite failed')) ? 1 : 0);
