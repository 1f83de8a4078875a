import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import demo from '../src/cli/commands/demo.js';

async function captured(argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.join(' '));
  try {
    return { code: await demo.run(argv), out: lines.join('\n') };
  } finally {
    console.log = original;
  }
}

describe('strata demo rag', () => {
  it('prints the simulation report as JSON', async () => {
    const { code, out } = await captured(['rag', '--questions', '60', '--products', '5', '--time-scale', '0', '--json']);
    assert.equal(code, 0);
    const report = JSON.parse(out) as { questions: number; embedder: string; llmCalls: { withoutCache: number } };
    assert.equal(report.questions, 60);
    assert.equal(report.llmCalls.withoutCache, 60);
    assert.equal(report.embedder, 'hashing-bow-256');
  });

  it('rejects an unknown scenario and a bad number with INVALID_OPTION', async () => {
    await assert.rejects(captured(['chat']), { code: 'INVALID_OPTION' });
    await assert.rejects(captured(['rag', '--questions', 'many']), { code: 'INVALID_OPTION' });
    await assert.rejects(captured(['rag', '--strategy', 'reckless']), { code: 'INVALID_OPTION' });
  });
});
