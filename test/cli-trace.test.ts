import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

let dir = '';
// 100 hot keys requested over and over, interleaved with one-time keys: 6000 requests.
const lines: string[] = [];
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-cli-trace-'));
  let oneTime = 1000;
  for (let i = 0; i < 3000; i++) {
    lines.push(String(i % 100));
    lines.push(i % 7 === 0 ? '*' : String(oneTime++));
  }
  writeFileSync(join(dir, 'trace.txt'), lines.join('\n'));
  writeFileSync(join(dir, 'trace.txt.gz'), gzipSync(lines.join('\n')));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function strata(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('strata trace', () => {
  it('prints exactly one JSON object with both hit ratios, for plain and gzip traces alike', () => {
    const requests = lines.filter((l) => l !== '*').length;
    const outputs = ['trace.txt', 'trace.txt.gz'].map((name) => {
      const run = strata('trace', '--file', join(dir, name), '--format', 'lines', '--capacity', '150', '--json');
      assert.equal(run.status, 0, run.stderr);
      const result = JSON.parse(run.stdout) as Record<string, number>;
      assert.deepEqual(Object.keys(result).sort(), ['lru', 'policy', 'requests']);
      assert.equal(result.requests, requests);
      for (const ratio of [result.policy!, result.lru!]) assert.ok(ratio >= 0 && ratio <= 1, `ratio ${ratio}`);
      // Only the 100 hot keys can ever hit: at most 3000 - 100 hits.
      assert.ok(result.policy! <= (3000 - 100) / requests);
      // The one-time keys push hot keys out of LRU; frequency admission keeps most of them.
      assert.ok(result.policy! > result.lru!, `policy ${result.policy} vs LRU ${result.lru}`);
      return run.stdout;
    });
    assert.equal(outputs[0], outputs[1]);
  });

  it('prints a readable comparison without --json', () => {
    const run = strata('trace', '--file', join(dir, 'trace.txt'), '--capacity', '150');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /W-TinyLFU\s+\d+\.\d\d%/);
    assert.match(run.stdout, /LRU\s+\d+\.\d\d%/);
  });

  it('explains bad arguments', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--capacity', '10'], /missing --file.*INVALID_OPTION/s],
      [['--file', join(dir, 'trace.txt'), '--capacity', 'ten'], /--capacity must be a positive integer.*INVALID_OPTION/s],
      [['--file', join(dir, 'trace.txt'), '--capacity', '10', '--format', 'csv'], /unknown --format 'csv'.*INVALID_OPTION/s],
      [['--file', join(dir, 'nope.txt'), '--capacity', '10'], /cannot read trace file.*INVALID_INPUT/s],
    ];
    for (const [args, message] of cases) {
      const run = strata('trace', ...args);
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stdout}`);
      assert.match(run.stderr, message);
    }
  });
});
