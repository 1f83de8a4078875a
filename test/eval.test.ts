import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hitRateCurve, recallAtFalseHitRate } from '../src/semantic/evaluate.js';
import { readPairs, splitOf } from '../src/semantic/pairDataset.js';

const PAIRS = [
  { a: 'How do I learn Python quickly?', b: 'How do I learn Python quickly', label: 1 },
  { a: 'What is the price of the iPhone 14?', b: 'What is the price of the iPhone 15?', label: 0 },
  { a: '¿Cuál es el horario de la tienda?', b: '¿cual es el horario de la tienda', label: 1 },
  { a: 'Why is the sky blue?', b: 'When is the sky blue?', label: 0 },
  { a: 'How can I lose weight fast?', b: 'What is the fastest way to lose weight?', label: 1 },
  { a: 'Is coffee bad for you?', b: 'Is coffee not bad for you?', label: 0 },
];

let dir: string;

function strata(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('strata eval semantic', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'strata-eval-'));
    writeFileSync(join(dir, 'pairs.jsonl'), PAIRS.map((p) => JSON.stringify(p)).join('\n') + '\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints one JSON summary with every strategy and raw cosine, and writes per-pair scores', () => {
    const scores = join(dir, 'scores.jsonl');
    const r = strata('eval', 'semantic', '--data', join(dir, 'pairs.jsonl'), '--embedder', 'hashing', '--cache-dir', join(dir, 'cache'), '--json', '--scores', scores);
    assert.equal(r.status, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { pairs: number; positives: number; methods: { method: string; recallAtFhr1: number; operatingPoint: { falseHitRate: number } }[] };
    assert.equal(summary.pairs, 6);
    assert.equal(summary.positives, 3);
    assert.deepEqual(summary.methods.map((m) => m.method), ['cosine', 'conservative', 'smart', 'aggressive']);
    const smart = summary.methods[2]!;
    assert.equal(smart.operatingPoint.falseHitRate, 0, 'the guards refuse the iPhone 15, when-vs-why and negated pairs');
    const lines = readFileSync(scores, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { score: number; hit: boolean; label: number });
    assert.equal(lines.length, 6);
    assert.deepEqual(lines.map((l) => l.label), [1, 0, 1, 0, 1, 0]);
    assert.equal(lines[0]!.hit, true);
    assert.equal(lines[1]!.hit, false);
    assert.ok(lines.every((l) => typeof l.score === 'number'));
  });

  it('prints the curve as tables, for one strategy and a limit', () => {
    const r = strata('eval', 'semantic', '--data', join(dir, 'pairs.jsonl'), '--embedder', 'hashing', '--cache-dir', join(dir, 'cache'), '--strategy', 'conservative', '--limit', '4');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /4 pairs \(2 positive, 2 negative\)/);
    assert.match(r.stdout, /recall@FHR1%/);
    assert.match(r.stdout, /false hits ≤/);
    assert.doesNotMatch(r.stdout, /aggressive/);
  });

  it('fails with a clear message on a missing file, a bad line or an unknown strategy', () => {
    assert.match(strata('eval', 'semantic', '--data', join(dir, 'missing.jsonl')).stderr, /cannot read the pair file.*INVALID_INPUT/);
    writeFileSync(join(dir, 'bad.jsonl'), '{"a": "x", "b": "y"}\n');
    assert.match(strata('eval', 'semantic', '--data', join(dir, 'bad.jsonl'), '--embedder', 'hashing').stderr, /bad.jsonl:1 needs string fields/);
    const r = strata('eval', 'semantic', '--data', join(dir, 'pairs.jsonl'), '--strategy', 'reckless');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown strategy 'reckless'/);
  });
});

describe('evaluation arithmetic', () => {
  it('reads recall at a false-hit rate off the curve', () => {
    const labels = [1, 1, 0, 1, 0, 0] as (0 | 1)[];
    const outcomes = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4].map((score) => ({ score, hit: false, eligible: true }));
    const curve = hitRateCurve(outcomes, labels);
    assert.deepEqual(recallAtFalseHitRate(curve, 0), { recall: 2 / 3, threshold: 0.8 });
    assert.deepEqual(recallAtFalseHitRate(curve, 0.34), { recall: 1, threshold: 0.6 });
  });

  it('never counts a vetoed pair as a hit at any threshold', () => {
    const curve = hitRateCurve([{ score: 0.99, hit: false, eligible: false }, { score: 0.5, hit: false, eligible: true }], [1, 1]);
    assert.deepEqual(curve.map((p) => p.hitRate), [0.5]);
  });

  it('splits pairs stably by their text', () => {
    const pair = { a: 'x', b: 'y', label: 1 as const };
    assert.equal(splitOf(pair), splitOf({ ...pair }));
    const path = join(mkdtempSync(join(tmpdir(), 'strata-split-')), 'p.jsonl');
    const many = Array.from({ length: 200 }, (_, i) => JSON.stringify({ a: `q${i}`, b: `r${i}`, label: i % 2 }));
    writeFileSync(path, many.join('\n'));
    const train = readPairs(path, { split: 'train' }).length;
    const held = readPairs(path, { split: 'held-out' }).length;
    assert.equal(train + held, 200);
    assert.ok(train > 110 && train < 170, `train ${train}`);
  });
});
