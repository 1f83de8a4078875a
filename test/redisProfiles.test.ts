import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminCommand, findFreePort } from '../src/redis/localTopology.js';

const GB = 1024 ** 3;
const children: ChildProcess[] = [];
const dirs: string[] = [];
after(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Starts redis-server on a profile with only what a local smoke test must override, and reads its config. */
async function loadProfile(profile: string): Promise<Map<string, string>> {
  const port = await findFreePort();
  const dir = mkdtempSync(join(tmpdir(), `strata-profile-${profile}-`));
  dirs.push(dir);
  const child = spawn('redis-server', [join('deploy', 'redis', `${profile}.conf`), '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'no', '--dir', dir], { stdio: 'ignore' });
  children.push(child);
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if ((await adminCommand(port, 'PING')) === 'PONG') break;
    } catch (err) {
      if (Date.now() > deadline || child.exitCode !== null) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const reply = (await adminCommand(port, 'CONFIG', 'GET', '*')) as string[];
  const config = new Map<string, string>();
  for (let i = 0; i + 1 < reply.length; i += 2) config.set(reply[i] as string, reply[i + 1] as string);
  child.kill('SIGKILL');
  return config;
}

describe('deploy/redis profiles', () => {
  it('development: 1 GB, allkeys-lru, nothing persisted', async () => {
    const config = await loadProfile('development');
    assert.equal(Number(config.get('maxmemory')), 1 * GB);
    assert.equal(config.get('maxmemory-policy'), 'allkeys-lru');
    assert.equal(config.get('appendonly'), 'no');
    assert.equal(config.get('save'), '');
  });

  it('staging: 2 GB, allkeys-lru, RDB snapshots, no AOF', async () => {
    const config = await loadProfile('staging');
    assert.equal(Number(config.get('maxmemory')), 2 * GB);
    assert.equal(config.get('maxmemory-policy'), 'allkeys-lru');
    assert.equal(config.get('appendonly'), 'no');
    assert.match(config.get('save') ?? '', /^900 1 300 100 60 10000$/);
  });

  it('production: 4 GB, allkeys-lru, AOF every second and RDB', async () => {
    const config = await loadProfile('production');
    assert.equal(Number(config.get('maxmemory')), 4 * GB);
    assert.equal(config.get('maxmemory-policy'), 'allkeys-lru');
    assert.equal(config.get('appendonly'), 'yes');
    assert.equal(config.get('appendfsync'), 'everysec');
    assert.notEqual(config.get('save'), '');
    assert.equal(config.get('min-replicas-to-write'), '1');
  });
});
