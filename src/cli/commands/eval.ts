import { writeFileSync } from 'node:fs';
import {
  embedderByName,
  EmbeddingFileStore,
  ErrorCode,
  evaluatePairs,
  OFFLINE_EMBEDDERS,
  readPairs,
  REPORTED_FALSE_HIT_RATES,
  STRATEGIES,
  StrataError,
  type EvaluationSummary,
  type PairSplit,
  type StrategyName,
} from '../../index.js';
import type { Command } from '../command.js';
import { parseCommandArgs } from '../commandArgs.js';

const usage = `strata eval semantic --data FILE.jsonl [options]

Stores each pair's "a" in a partition of its own, asks "b", and reports how often correct answers (label 1) and
wrong answers (label 0) are served: the hit-rate / false-hit-rate curve, and recall at false-hit rates of 1% and 5%
for each strategy and for raw cosine thresholding with the same embedder.

Options:
  --data FILE        JSONL pairs {"a": "...", "b": "...", "label": 0|1} (required)
  --strategy S       evaluate only S (${Object.keys(STRATEGIES).join(', ')}); default: all
  --split S          train, held-out or all (default all); the shipped verifier was trained on "train"
  --limit N          use the first N pairs (after the split filter)
  --embedder E       ${OFFLINE_EMBEDDERS.join(' or ')} (default use: Universal Sentence Encoder lite)
  --cache-dir DIR    where embeddings are kept between runs (default .strata/eval-cache)
  --scores OUT       write one line per pair: {"score": s, "hit": bool, "label": 0|1} for the first strategy
  --json             print one summary object instead of tables`;

function percent(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

function printTables(summary: EvaluationSummary, split: string): void {
  console.log(`embedder ${summary.embedder}, ${summary.pairs} pairs (${summary.positives} positive, ${summary.negatives} negative), split ${split}\n`);
  const width = 14;
  const pad = (s: string): string => s.padStart(width);
  console.log(['method', 'recall@FHR1%', 'recall@FHR5%', 'hit rate', 'false hits', 'scored by'].map(pad).join(''));
  for (const m of summary.methods) {
    const by = m.method === 'cosine' ? 'cosine' : m.learned ? 'verifier' : 'cosine+guards';
    console.log([m.method, percent(m.recallAtFhr1), percent(m.recallAtFhr5), percent(m.operatingPoint.hitRate), percent(m.operatingPoint.falseHitRate), by].map(pad).join(''));
  }
  console.log('\nhit rate at each false-hit rate (the curve):');
  console.log(['false hits ≤', ...summary.methods.map((m) => m.method)].map(pad).join(''));
  REPORTED_FALSE_HIT_RATES.forEach((level, i) => {
    console.log([percent(level), ...summary.methods.map((m) => percent(m.atFalseHitRates[i]!.hitRate))].map(pad).join(''));
  });
  const cosine = summary.methods[0]!;
  for (const m of summary.methods.slice(1)) {
    const ratio = cosine.recallAtFhr1 === 0 ? Infinity : m.recallAtFhr1 / cosine.recallAtFhr1;
    console.log(`${m.method}: ${ratio.toFixed(2)}x the recall of raw cosine at a 1% false-hit rate`);
  }
}

async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'semantic') throw new StrataError(ErrorCode.INVALID_OPTION, `unknown evaluation '${sub ?? ''}': use 'strata eval semantic --data FILE.jsonl'`);
  const { values } = parseCommandArgs('eval', {
    args: rest,
    options: {
      data: { type: 'string' },
      strategy: { type: 'string' },
      split: { type: 'string', default: 'all' },
      limit: { type: 'string' },
      embedder: { type: 'string', default: 'use' },
      'cache-dir': { type: 'string', default: '.strata/eval-cache' },
      scores: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (values.data === undefined) throw new StrataError(ErrorCode.INVALID_OPTION, '--data FILE.jsonl is required');
  if (!['train', 'held-out', 'all'].includes(values.split)) throw new StrataError(ErrorCode.INVALID_OPTION, `--split must be train, held-out or all, got '${values.split}'`);
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new StrataError(ErrorCode.INVALID_OPTION, `--limit must be a positive integer, got '${values.limit}'`);
  const strategies = values.strategy === undefined ? (Object.keys(STRATEGIES) as StrategyName[]) : [values.strategy as StrategyName];
  if (!strategies.every((s) => s in STRATEGIES)) throw new StrataError(ErrorCode.INVALID_OPTION, `unknown strategy '${values.strategy}': use ${Object.keys(STRATEGIES).join(', ')}`);

  const embedder = embedderByName(values.embedder);
  const pairs = readPairs(values.data, { split: values.split as PairSplit, ...(limit === undefined ? {} : { limit }) });
  const store = new EmbeddingFileStore(values['cache-dir'], embedder.id, embedder.dimensions);
  const progress = values.json || process.stderr.isTTY !== true ? undefined : (stage: string, done: number, total: number): void => void process.stderr.write(`\r${stage} ${done}/${total}   `);
  const result = await evaluatePairs(pairs, { embedder, embeddingStore: store, strategies, ...(progress === undefined ? {} : { onProgress: progress }) });
  if (progress !== undefined) process.stderr.write('\n');

  if (values.scores !== undefined) {
    const lines = result.outcomes.map((row, i) => JSON.stringify({ score: row[1]!.score, hit: row[1]!.hit, label: result.labels[i] }));
    writeFileSync(values.scores, lines.join('\n') + '\n');
  }
  if (values.json) console.log(JSON.stringify({ ...result.summary, split: values.split, data: values.data }));
  else printTables(result.summary, values.split);
  return 0;
}

const command: Command = { name: 'eval', summary: 'measure the semantic cache on labelled question pairs', usage, run };
export default command;
