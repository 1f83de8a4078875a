import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderChart } from '../bench/report/chart.js';
import { roundOrder } from '../bench/lib/rounds.js';
import { BLOCK_END, BLOCK_START, replaceBenchBlock } from '../bench/report/readmeBlock.js';
import { summarize } from '../bench/report/summaries.js';
import { comparisonRows, renderTable } from '../bench/report/table.js';
import type { BenchRun, Comparison } from '../bench/report/types.js';

const getComparison: Comparison = {
  name: 'L1 hit get',
  unit: 'ns/op',
  lowerIsBetter: true,
  strata: { label: 'Strata getSync', value: { median: 120, min: 110, max: 130 } },
  peers: [
    { label: 'lru-cache get', value: { median: 80, min: 75, max: 90 }, ratio: { median: 0.667, min: 0.6, max: 0.75 } },
    { label: 'BentoCache memory', value: { median: 3600, min: 3000, max: 4000 }, ratio: { median: 30, min: 25, max: 36 } },
    { label: 'cacheable', value: { median: 130, min: 100, max: 150 }, ratio: { median: 1.08, min: 0.9, max: 1.2 } },
  ],
};

const run: BenchRun = {
  command: 'npm run bench -- --quick',
  date: '2026-11-22T04:00:00.000Z',
  quick: true,
  durationSeconds: 200,
  machine: {
    cores: 2,
    cpuModel: 'Test CPU',
    memoryBytes: 8 * 2 ** 30,
    node: 'v20.20.2',
    redis: '7.0.15',
    platform: 'linux',
    gitCommit: '0123456789abcdef',
    gitDirty: false,
    loadAverageStart: [1, 2, 3],
    loadAverageEnd: [4, 5, 6],
  },
  suites: [
    {
      suite: 'l1',
      title: 'L1 hit',
      command: 'cd bench && npx tsx suites/l1.ts --quick',
      date: '2026-11-22T04:00:00.000Z',
      quick: true,
      comparisons: [getComparison],
      targets: [{ name: 'getSync ÷ lru-cache get', value: 1.5, goal: '≤ 1.5', met: true }],
      figures: {},
      notes: [],
    },
    {
      suite: 'memory',
      title: 'Memory',
      command: 'cd bench && npx tsx suites/memory.ts',
      date: '2026-11-22T04:00:00.000Z',
      quick: true,
      comparisons: [],
      targets: [{ name: 'heap growth ÷ bound', value: 1.2345, goal: '≤ 1.10', met: false }],
      figures: { l1Entries: 217532, heapGrowthOverBound: 1.2345 },
      notes: [],
    },
    { suite: 'cluster', title: 'Cluster', command: 'x', date: 'x', quick: true, comparisons: [], targets: [], figures: {}, notes: [], skipped: 'bench/cluster.ts does not exist' },
  ],
};

describe('bench table generator', () => {
  it('writes one row per peer with both figures, the ratio with its range, and who is better', () => {
    assert.deepEqual(comparisonRows(getComparison), [
      '| L1 hit get | 120 ns/op | lru-cache get | 80 ns/op | 0.67× (0.60–0.75×) | **lru-cache get wins** |',
      '| L1 hit get | 120 ns/op | BentoCache memory | 3.6 µs/op | 30× (25–36×) | Strata |',
      '| L1 hit get | 120 ns/op | cacheable | 130 ns/op | 1.08× (0.90–1.20×) | Strata (rounds disagree: range crosses 1×) |',
    ]);
  });

  it('states the machine, the targets (met or not) and the suites that were not measured', () => {
    const table = renderTable(run);
    assert.match(table, /Machine: 2 cores \(Test CPU\), 8\.0 GB, Node v20\.20\.2, Redis 7\.0\.15, commit 0123456789ab;/);
    assert.match(table, /load average 1\.00 2\.00 3\.00 at start/);
    assert.ok(table.includes('- Target getSync ÷ lru-cache get ≤ 1.5: 1.500, met.'));
    assert.ok(table.includes('- Target heap growth ÷ bound ≤ 1.10: 1.234, **NOT met**.'));
    assert.ok(table.includes('l1Entries 217,532 · heapGrowthOverBound 1.234'));
    assert.ok(table.includes('### cluster: Cluster\n\nNot measured in this run: bench/cluster.ts does not exist.'));
    assert.ok(table.includes('Where a peer wins in this run:\n\n- l1, L1 hit get: lru-cache get (Strata 0.67× (0.60–0.75×))\n\n'));
  });

  it('draws one bar per peer in the chart', () => {
    const svg = renderChart(run);
    assert.equal((svg.match(/<rect x=/g) ?? []).length, 3);
    assert.ok(svg.includes('vs lru-cache get'));
  });
});

describe('README performance block', () => {
  it('replaces only the text between the markers', () => {
    const readme = `# Strata\n\nIntro.\n\n## Performance\n\nSome words.\n\n${BLOCK_START}\nold table\n${BLOCK_END}\n\n## Design\n\nText.\n`;
    const out = replaceBenchBlock(readme, '| new |\n');
    assert.equal(out, `# Strata\n\nIntro.\n\n## Performance\n\nSome words.\n\n${BLOCK_START}\n| new |\n${BLOCK_END}\n\n## Design\n\nText.\n`);
    assert.equal(replaceBenchBlock(out, '| new |\n'), out);
  });

  it('adds the markers at the end of the Performance section when they are missing', () => {
    const readme = '# Strata\n\n## Performance\n\nSome words.\n\n## Design\n\nText.\n';
    assert.equal(replaceBenchBlock(readme, 'T'), `# Strata\n\n## Performance\n\nSome words.\n\n${BLOCK_START}\nT\n${BLOCK_END}\n\n## Design\n\nText.\n`);
  });

  it('appends a Performance section when there is none', () => {
    assert.equal(replaceBenchBlock('# Strata\n\nIntro.\n', 'T'), `# Strata\n\nIntro.\n\n## Performance\n\n${BLOCK_START}\nT\n${BLOCK_END}\n`);
  });
});

describe('round order', () => {
  it('puts each of two contestants first in half of the rounds', () => {
    const firsts = [0, 1, 2, 3, 4, 5, 6, 7].map((r) => roundOrder(['a', 'b'], r)[0]);
    assert.equal(firsts.filter((f) => f === 'a').length, 4);
  });
});

describe('summaries of suite scripts\' own result shapes', () => {
  it('turns bench/server.ts runs into per-run ratios against the bare Fastify ceiling', () => {
    const run = (target: string, rps: number[], p99: number[]): object => ({
      target,
      runs: rps.map((r, i) => ({ target, requestsPerSecond: r, latencyMs: { p99: p99[i] } })),
    });
    const summary = summarize('server', { results: [run('bare-fastify', [20_000, 10_000], [4, 8]), run('strata-get', [10_000, 8_000], [8, 8])], connections: 32 });
    assert.ok(summary !== undefined);
    const [rps, p99] = summary.comparisons;
    assert.equal(rps!.strata.value.median, 9_000);
    assert.deepEqual(rps!.peers[0]!.ratio, { median: 0.65, min: 0.5, max: 0.8 });
    assert.deepEqual(p99!.peers[0]!.ratio, { median: 0.75, min: 0.5, max: 1 });
  });

  it('judges bench/cluster.ts figures against the coherence targets', () => {
    const summary = summarize('cluster', { hitRateAfterWarmup: 0.97, propagationMs: { idle: { p99: 3 }, underLoad: { p99: 9 } }, staleReads: { rate: 0 }, stampede: { factoryCalls: 2 } });
    assert.deepEqual(summary?.targets.map((t) => t.met), [true, true, false, true, false]);
  });

  it('gives nothing for a shape it does not know, rather than a made-up figure', () => {
    assert.equal(summarize('server', { something: 'else' }), undefined);
    assert.equal(summarize('cluster', 'text'), undefined);
    assert.equal(summarize('no-such-suite', {}), undefined);
  });
});
