// Hit ratios of the L1 policy (W-TinyLFU), plain LRU and Belady's optimum on the real traces listed in the
// traces README, at the capacities of its reference table. LRU and OPT must reproduce that table (it validates
// the harness). Usage (from bench/): npx tsx traces.ts [--quick] [--seeds N] [--traces-dir /work/shared/traces]
// The policy is replayed under N hash seeds (partition names; default 5): its figure is their mean, with the range,
// because one seed alone moves the mean gap closed by about 0.02.
// --quick skips traces above one million requests and writes results/traces-quick.json; a full run writes
// results/traces.json.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { TRACE_FORMATS, readTrace, replayTrace, type TraceFormat } from '../src/tiers/traceReplay.js';
import { beladyHitRatio } from './beladyOptimum.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'traces-dir': { type: 'string', default: '/work/shared/traces' },
    seeds: { type: 'string', default: '5' },
  },
});
const seedCount = Number(args.seeds);
if (!Number.isInteger(seedCount) || seedCount < 1) throw new Error(`--seeds takes a positive whole number (got '${args.seeds}')`);
/** Partition names that seed the sketch's hashes; the first is the one `strata trace` uses. */
const seeds = Array.from({ length: seedCount }, (_, i) => (i === 0 ? 'trace' : `trace-seed-${i}`));
const dir = args['traces-dir'];
const QUICK_MAX_REQUESTS = 1_000_000;

interface ReferenceRow {
  trace: string;
  capacity: number;
  lru: number;
  opt: number;
}

interface TraceFile {
  file: string;
  format: TraceFormat;
  requests: number;
}

const readme = readFileSync(join(dir, 'README.md'), 'utf8');
const files = parseFileTable(readme);
const reference = parseReferenceTable(readme);
if (reference.length === 0) throw new Error(`no reference rows found in ${join(dir, 'README.md')}`);

const rows: Array<Record<string, unknown>> = [];
let closedSum = 0;
const closedSumBySeed = seeds.map(() => 0);
let worstVsLru = Infinity;
let harnessMatches = true;
const skipped: string[] = [];
const traces = new Map<string, Awaited<ReturnType<typeof readTrace>>>();
for (const ref of reference) {
  const source = files.find((f) => f.file.includes(`_${ref.trace}.`) || f.file.startsWith(`${ref.trace}.`));
  if (source === undefined) throw new Error(`no file for trace '${ref.trace}' in ${dir}`);
  if (args.quick && source.requests > QUICK_MAX_REQUESTS) {
    skipped.push(`${ref.trace}@${ref.capacity}`);
    continue;
  }
  let trace = traces.get(source.file);
  const readStart = performance.now();
  if (trace === undefined) {
    trace = await readTrace(join(dir, source.file), source.format);
    traces.set(source.file, trace);
  }
  const readMs = performance.now() - readStart;
  const timed = (f: () => number): [number, number] => {
    const start = performance.now();
    const ratio = f();
    return [ratio, performance.now() - start];
  };
  const bySeed: number[] = [];
  const [policy, policyMs] = timed(() => {
    for (const seed of seeds) bySeed.push(replayTrace(trace, ref.capacity, 'tinylfu', seed));
    return bySeed.reduce((a, b) => a + b, 0) / bySeed.length;
  });
  const [lru, lruMs] = timed(() => replayTrace(trace, ref.capacity, 'lru'));
  const [opt, optMs] = timed(() => beladyHitRatio(trace, ref.capacity));
  const lruMatches = percent(lru) === ref.lru;
  const optMatches = percent(opt) === ref.opt;
  harnessMatches &&= lruMatches && optMatches;
  const gapClosed = (policy - lru) / (opt - lru);
  closedSum += gapClosed;
  bySeed.forEach((ratio, i) => (closedSumBySeed[i] = (closedSumBySeed[i] as number) + (ratio - lru) / (opt - lru)));
  // The worst row counts every seed, not their mean.
  worstVsLru = Math.min(worstVsLru, (Math.min(...bySeed) - lru) * 100);
  rows.push({
    trace: ref.trace,
    file: source.file,
    capacity: ref.capacity,
    requests: trace.requests.length,
    distinctKeys: trace.distinctKeys,
    policy,
    policyBySeed: Object.fromEntries(seeds.map((seed, i) => [seed, bySeed[i]])),
    lru,
    opt,
    referenceLru: ref.lru / 100,
    referenceOpt: ref.opt / 100,
    lruMatchesReference: lruMatches,
    optMatchesReference: optMatches,
    gapClosed,
    ms: { read: Math.round(readMs), policy: Math.round(policyMs / seeds.length), lru: Math.round(lruMs), opt: Math.round(optMs) },
  });
}

const meanGapClosed = closedSum / rows.length;
const meanGapClosedBySeed = Object.fromEntries(seeds.map((seed, i) => [seed, (closedSumBySeed[i] as number) / rows.length]));
const summary = {
  rows: rows.length,
  seeds: seeds.length,
  meanGapClosed,
  meanGapClosedBySeed,
  meanGapClosedRange: [Math.min(...Object.values(meanGapClosedBySeed)), Math.max(...Object.values(meanGapClosedBySeed))],
  worstPointsVsLru: worstVsLru,
  targets: { meanGapClosedAtLeast: 0.5, worstPointsVsLruAtLeast: -1 },
  meetsTargets: meanGapClosed >= 0.5 && worstVsLru >= -1,
  harnessReproducesReference: harnessMatches,
};
const result = {
  command: `cd bench && npx tsx traces.ts${args.quick ? ' --quick' : ''}${seedCount === 5 ? '' : ` --seeds ${seedCount}`} --traces-dir ${dir}`,
  date: new Date().toISOString(),
  node: process.version,
  skipped,
  rows,
  summary,
};
// A quick run covers only some rows: it never overwrites the full results.
const out = join(dirname(fileURLToPath(import.meta.url)), 'results', args.quick ? 'traces-quick.json' : 'traces.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);

const pad = (s: string | number, n: number): string => String(s).padStart(n);
console.log(`${'trace'.padEnd(10)}${pad('capacity', 9)}${pad('W-TinyLFU', 11)}${pad('LRU', 9)}${pad('OPT', 9)}${pad('gap closed', 12)}  reference`);
for (const row of rows) {
  const r = row as { trace: string; capacity: number; policy: number; lru: number; opt: number; gapClosed: number };
  const ok = (row.lruMatchesReference as boolean) && (row.optMatchesReference as boolean) ? 'LRU/OPT match' : 'MISMATCH';
  console.log(
    `${r.trace.padEnd(10)}${pad(r.capacity, 9)}${pad(fmt(r.policy), 11)}${pad(fmt(r.lru), 9)}${pad(fmt(r.opt), 9)}${pad(r.gapClosed.toFixed(2), 12)}  ${ok}`,
  );
}
if (skipped.length > 0) console.log(`skipped (--quick): ${skipped.join(', ')}`);
console.log(
  `mean gap closed over ${rows.length} rows ${meanGapClosed.toFixed(3)} (mean of ${seeds.length} hash seeds, ${summary.meanGapClosedRange.map((v) => v.toFixed(3)).join('–')}; target >= 0.5), worst vs LRU ${worstVsLru.toFixed(2)} points (target >= -1) → ${out}`,
);
if (!harnessMatches) {
  console.error('LRU or OPT does not reproduce the README reference table: the harness is wrong.');
  process.exitCode = 1;
}

function percent(ratio: number): number {
  return Math.round(ratio * 10000) / 100;
}

function fmt(ratio: number): string {
  return `${(ratio * 100).toFixed(2)}%`;
}

/** The README's file table: `| file | format | requests | … |`; a format cell of "same" repeats the row above. */
function parseFileTable(text: string): TraceFile[] {
  const present = new Set(readdirSync(dir));
  const out: TraceFile[] = [];
  let previous: TraceFormat = 'lines';
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const file = cells[1]?.replaceAll('`', '');
    if (file === undefined || !present.has(file)) continue;
    const description = cells[2] ?? '';
    const format: TraceFormat = /same/i.test(description)
      ? previous
      : /64-bit/.test(description)
        ? 'u64be'
        : /32-bit/.test(description)
          ? 'u32be'
          : 'lines';
    if (!TRACE_FORMATS.includes(format)) throw new Error(`unknown format for ${file}`);
    previous = format;
    out.push({ file, format, requests: Number((cells[3] ?? '').replaceAll(',', '')) });
  }
  return out;
}

/** The README's reference table: `| trace | capacity | LRU % | OPT % |`. */
function parseReferenceTable(text: string): ReferenceRow[] {
  const out: ReferenceRow[] = [];
  for (const line of text.split('\n')) {
    const match = /^\|\s*([\w-]+)\s*\|\s*(\d+)\s*\|\s*([\d.]+)%\s*\|\s*([\d.]+)%\s*\|/.exec(line);
    if (match === null) continue;
    out.push({ trace: match[1]!, capacity: Number(match[2]), lru: Number(match[3]), opt: Number(match[4]) });
  }
  return out;
}
