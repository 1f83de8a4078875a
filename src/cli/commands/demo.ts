import { createStrata, embedderByName, ErrorCode, runRagSimulation, StrataError, type RagSimulationReport, type StrategyName } from '../../index.js';
import type { Command } from '../command.js';
import { parseCommandArgs } from '../commandArgs.js';

const usage = `Usage: strata demo rag [--embedder hashing|use-lite] [--questions N] [--products N] [--time-scale F]
                       [--strategy conservative|smart|aggressive] [--update-every N] [--concurrency N]
                       [--no-paraphrases] [--no-doc-signature] [--seed N] [--json]

Simulates a shop's RAG service on an in-process cache: users ask about a generated catalogue (English and Spanish,
Zipf popularity, paraphrases), prices change during the run, a stand-in LLM answers with 300–1500 ms latency
(multiplied by --time-scale) and a token cost. Every served answer is checked against the catalogue: WRONG if it
answers another product or intent, STALE if it reflects an older product version.

Options:
  --embedder E        hashing (fast, lexical; default) or use-lite (Universal Sentence Encoder, ~50 sentences/s)
  --questions N       questions asked (default 2000)
  --products N        catalogue size (default 60)
  --time-scale F      multiplies simulated latencies (default 0.01: 100x faster than real time)
  --strategy S        semantic strategy (default smart)
  --update-every N    a price change before every N-th question, 0 for none (default 40)
  --concurrency N     users asking at once (default 4)
  --no-paraphrases    one wording per product and intent
  --no-doc-signature  reuse answers across different retrieved documents (the semantic match alone decides)
  --seed N            random seed (default 1)
  --json              print the report as one JSON object`;

const demo: Command = {
  name: 'demo',
  summary: 'RAG simulation: LLM calls saved, latency, wrong and stale answers',
  usage,
  async run(argv: string[]): Promise<number> {
    const parsed = parseCommandArgs('demo', {
      args: argv,
      options: {
        embedder: { type: 'string', default: 'hashing' },
        questions: { type: 'string', default: '2000' },
        products: { type: 'string', default: '60' },
        'time-scale': { type: 'string', default: '0.01' },
        strategy: { type: 'string', default: 'smart' },
        'update-every': { type: 'string', default: '40' },
        concurrency: { type: 'string', default: '4' },
        'no-paraphrases': { type: 'boolean', default: false },
        'no-doc-signature': { type: 'boolean', default: false },
        seed: { type: 'string', default: '1' },
        json: { type: 'boolean', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
    const [scenario] = parsed.positionals;
    if (scenario !== 'rag') throw new StrataError(ErrorCode.INVALID_OPTION, `unknown demo '${scenario ?? ''}': the only demo is 'rag' (strata demo rag)`);
    const v = parsed.values;
    const strategies = ['conservative', 'smart', 'aggressive'];
    if (!strategies.includes(v.strategy)) throw new StrataError(ErrorCode.INVALID_OPTION, `unknown --strategy '${v.strategy}': use ${strategies.join(', ')}`);
    const cache = createStrata();
    try {
      const report = await runRagSimulation(cache, {
        embedder: embedderByName(v.embedder === 'use-lite' ? 'use' : v.embedder),
        strategy: v.strategy as StrategyName,
        questions: integer('--questions', v.questions),
        products: integer('--products', v.products),
        timeScale: number('--time-scale', v['time-scale']),
        updateEvery: integer('--update-every', v['update-every']),
        concurrency: integer('--concurrency', v.concurrency),
        paraphrases: !v['no-paraphrases'],
        documentsInSignature: !v['no-doc-signature'],
        seed: integer('--seed', v.seed),
      });
      console.log(v.json ? JSON.stringify(report) : describe(report));
    } finally {
      await cache.close();
    }
    return 0;
  },
};

function integer(option: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new StrataError(ErrorCode.INVALID_OPTION, `${option} must be a whole number, got '${text}'`);
  return n;
}

function number(option: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0) throw new StrataError(ErrorCode.INVALID_OPTION, `${option} must be a non-negative number, got '${text}'`);
  return n;
}

function describe(r: RagSimulationReport): string {
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  const ms = (p: RagSimulationReport['latencyMs']): string => `p50 ${p.p50.toFixed(1)} ms, p95 ${p.p95.toFixed(1)} ms, p99 ${p.p99.toFixed(1)} ms`;
  const lines = [
    `RAG simulation: ${r.questions} questions on ${r.products} products, ${r.productUpdates} price changes, embedder ${r.embedder}, strategy ${r.strategy}`,
    `  LLM calls        ${r.llmCalls.withCache} with the cache, ${r.llmCalls.withoutCache} without (${pct(r.llmCalls.reduction)} fewer)`,
    `  search calls     ${r.searchCalls.withCache} with the cache, ${r.searchCalls.withoutCache} without`,
    `  tokens           ${r.tokens.used} spent, ${r.tokens.saved} saved (about ${r.tokens.withoutCache} without the cache)`,
    `  answers          ${r.answers.exact} exact, ${r.answers.semantic} semantic (${pct(r.answers.semanticHitRate)}), ${r.answers.misses} generated`,
    `  wrong / stale    ${r.wrong} / ${r.stale} served (${pct(r.wrongOrStaleRate)})`,
    `  latency          ${ms(r.latencyMs)} at time scale ${r.timeScale}`,
    `  modelled latency ${ms(r.modelledLatencyMs)} at full scale`,
  ];
  for (const m of r.mistakes.slice(0, 5)) lines.push(`  ${m.kind}: "${m.asked}" got the answer to "${m.matchedQuestion ?? '?'}" (${m.outcome}, ${m.reason})`);
  return lines.join('\n');
}

export default demo;
