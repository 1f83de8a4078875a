import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve('.');
// The processes run in a scratch directory, so tsx is named by its full URL rather than resolved from there.
const tsx = import.meta.resolve('tsx');
const dir = mkdtempSync(join(tmpdir(), 'strata-cli-serve-'));
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function strata(args: string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof spawnSync> {
  return spawnSync(process.execPath, ['--import', tsx, join(root, 'src/cli/main.ts'), ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
}

/** Starts `strata serve` like `npm start` does and waits for the dashboard URL it prints. */
async function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, ['--import', tsx, join(root, 'src/cli/main.ts'), 'serve', '--port', '0', '--log-level', 'warn', ...args], { cwd: dir, env: { ...process.env, ...env } });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`no dashboard URL within 20 s:\n${output}`)), 20_000);
    const check = (): void => {
      const match = /Dashboard: (http:\/\/127\.0\.0\.1:\d+)\//.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolveUrl(match[1] as string);
      }
    };
    child.stdout?.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`strata serve exited with ${code}:\n${output}`));
    });
  });
  return { child, url, output: () => output };
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => r(code)));
}

describe('strata serve', () => {
  it('serves the embedded default with L3 under ./.strata, takes curl-style requests, and shuts down cleanly on SIGTERM', async () => {
    const { child, url, output } = await serve([]);
    assert.match(output(), /embedded \(L1 memory \+ L3 disk at .*\.strata, no Redis\)/);
    const page = await fetch(`${url}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>Strata dashboard<\/title>/);
    assert.equal((await fetch(`${url}/assets/dashboard.js`)).status, 200);
    const put = await fetch(`${url}/v1/ns/default/keys/greeting`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value: 'hello', tags: ['t1'] }) });
    assert.equal(put.status, 204);
    assert.deepEqual(await (await fetch(`${url}/v1/ns/default/keys/greeting`)).json(), { key: 'greeting', value: 'hello' });
    assert.equal((await fetch(`${url}/v1/invalidate/tags`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"tags":["t1"]}' })).status, 204);
    assert.equal((await fetch(`${url}/v1/ns/default/keys/greeting`)).status, 404);
    await fetch(`${url}/v1/ns/default/keys/kept`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"value":"on disk"}' });
    assert.ok(existsSync(join(dir, '.strata')), 'L3 lives under ./.strata');

    const stats = strata(['stats', '--url', url, '--json']);
    assert.equal(stats.status, 0, String(stats.stderr));
    const parsed = JSON.parse(String(stats.stdout)) as { namespaces: { default: { classes: { default: { sets: number } } } } };
    assert.equal(parsed.namespaces.default.classes.default.sets, 2);

    child.kill('SIGTERM');
    assert.equal(await exited(child), 0, output());
    assert.match(output(), /SIGTERM, shutting down/);

    const local = strata(['stats', '--local']);
    assert.equal(local.status, 0, String(local.stderr));
    // Both values are on disk: a tag invalidation marks entries stale, it does not delete them.
    assert.match(String(local.stdout), /l3: entries=2 /, 'the values written before shutdown are on disk');
  });

  it('refuses to bind a non-loopback address without a token', () => {
    const run = strata(['serve', '--host', '0.0.0.0', '--port', '0', '--no-l3']);
    assert.equal(run.status, 2);
    assert.match(String(run.stderr), /refusing to listen on 0\.0\.0\.0 without a token/);
  });

  it('names the bad setting in its error', () => {
    const run = strata(['serve', '--port', 'x']);
    assert.equal(run.status, 2);
    assert.match(String(run.stderr), /--port: expected a port number/);
    const env = strata(['serve'], { REDIS_URL: 'http://nope' });
    assert.equal(env.status, 2);
    assert.match(String(env.stderr), /INVALID_REDIS_CONFIG/);
  });

  it('prints --help for every command', () => {
    const top = strata(['--help']);
    assert.equal(top.status, 0);
    for (const name of ['serve', 'stats', 'redis', 'trace']) {
      assert.match(String(top.stdout), new RegExp(`\\b${name}\\b`));
      const help = strata([name, '--help']);
      assert.equal(help.status, 0, name);
      assert.match(String(help.stdout), new RegExp(`Usage: strata ${name}`));
    }
    assert.match(String(strata(['serve', '--help']).stdout), /STRATA_PORT/);
  });
});
