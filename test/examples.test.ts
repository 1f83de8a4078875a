import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TSX = join('node_modules', '.bin', 'tsx');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command as the examples' READMEs say to, from the repository root; killed if it outlives `timeoutMs`. */
function run(command: string, args: readonly string[], timeoutMs = 60_000, env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function assertSucceeded(result: Run): void {
  assert.equal(result.code, 0, `exit code ${String(result.code)}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
}

describe('examples', () => {
  it('rag-assistant: answers from the model, then exactly, then semantically; a product update recomputes the answer', async () => {
    const result = await run(TSX, ['examples/rag-assistant/main.ts']);
    assertSucceeded(result);
    const sources = [...result.stdout.matchAll(/^\[(\w+)\s*\]/gm)].map((m) => m[1]);
    assert.deepEqual(sources, ['llm', 'exact', 'semantic', 'llm', 'llm', 'llm', 'exact']);
    const [before, afterUpdate] = result.stdout.split('-- product update');
    assert.match(before!, /A: The X200 wireless headphones cost \$199\./);
    assert.match(afterUpdate!, /A: The X200 wireless headphones cost \$179\./);
    assert.doesNotMatch(afterUpdate!, /\$199/);
    assert.match(result.stdout, /model calls: 4,/);
  });

  describe('multi-instance', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-example-cluster-'));
    after(async () => {
      await run('npm', ['run', 'strata', '--silent', '--', 'redis', 'down', 'cluster', '--dir', dir]);
      rmSync(dir, { recursive: true, force: true });
    });

    it('three processes share a Redis Cluster, each with its own L1: a set on one is read on the others, a delete reaches every L1', async () => {
      assertSucceeded(await run('npm', ['run', 'strata', '--silent', '--', 'redis', 'up', 'cluster', '--dir', dir]));
      const url = (JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { url: string }).url;
      const result = await run(TSX, ['examples/multi-instance/main.ts', url]);
      assertSucceeded(result);
      const pids = [...result.stdout.matchAll(/^instance [ABC]: pid (\d+)$/gm)].map((m) => m[1]);
      assert.equal(new Set(pids).size, 3, 'three distinct processes');
      const stored = '{"id":42,"name":"X200 wireless headphones","price":199}';
      assert.ok(result.stdout.includes(`B get  product:42 → ${stored}`), result.stdout);
      assert.ok(result.stdout.includes(`C get  product:42 → ${stored}`), result.stdout);
      assert.match(result.stdout, /C reads 30\/30/);
      assert.match(result.stdout, /A reads product:42 again from its own memory \(L1\)\nB reads product:42 again from its own memory \(L1\)/, 'each instance keeps its own L1');
      assert.match(result.stdout, /C delete product:42\nA get {2}product:42 → \(miss\)\nB get {2}product:42 → \(miss\)/);
    });
  });

  it('sidecar-curl: the script drives strata serve with curl', async () => {
    const port = 3000 + Math.floor(Math.random() * 1000);
    const server = spawn(TSX, ['src/cli/main.ts', 'serve', '--host', '127.0.0.1', '--port', String(port)], { stdio: 'ignore' });
    try {
      const base = `http://127.0.0.1:${port}`;
      for (let attempt = 0; attempt < 100; attempt++) {
        if ((await fetch(`${base}/health/ready`).catch(() => undefined))?.ok === true) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const result = await run('bash', ['examples/sidecar-curl/demo.sh'], 30_000, { ...process.env, STRATA_URL: base });
      assertSucceeded(result);
      const statuses = [...result.stdout.matchAll(/ → (\d{3})/g)].map((m) => Number(m[1]));
      assert.equal(statuses.length, 9);
      assert.equal(statuses[2], 200, 'the stored product reads back');
      assert.match(result.stdout, /X200 wireless headphones/);
      assert.equal(statuses[4], 404, 'the invalidated tag makes the product a miss');
      assert.equal(statuses[7], 404, 'the deleted key is a miss');
      assert.ok(statuses.every((s) => s < 400 || s === 404), result.stdout);
    } finally {
      server.kill();
    }
  });
});
