import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import redis from '../src/cli/commands/redis.js';
import { adminCommand, killPid, type TopologyState } from '../src/redis/localTopology.js';
import { isStrataError } from '../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-cli-'));
after(() => {
  if (existsSync(join(dir, 'state.json'))) {
    for (const node of (JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as TopologyState).nodes) killPid(node.pid);
  }
  rmSync(dir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis');
  } catch {
    return false;
  }
}

describe('strata redis up|down|status', () => {
  it('starts a standalone server, records it in state.json, and stops it from the state alone', async () => {
    assert.equal(await redis.run(['up', 'standalone', '--dir', dir]), 0);
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as TopologyState;
    assert.equal(state.kind, 'standalone');
    const [node] = state.nodes;
    assert.ok(node !== undefined && alive(node.pid));
    assert.equal(state.url, `redis://127.0.0.1:${node.port}`);
    assert.equal(await adminCommand(node.port, 'PING'), 'PONG');
    assert.equal(await redis.run(['status', 'standalone', '--dir', dir]), 0);
    assert.equal(await redis.run(['up', 'standalone', '--dir', dir]), 1, 'refuses to start twice');

    assert.equal(await redis.run(['down', 'standalone', '--dir', dir]), 0);
    for (let i = 0; i < 50 && alive(node.pid); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(alive(node.pid), false);
    assert.equal(existsSync(join(dir, 'state.json')), false);
    assert.equal(await redis.run(['status', 'standalone', '--dir', dir]), 1);
  });

  it('rejects an unknown action or topology with a hint', async () => {
    await assert.rejects(redis.run(['start', 'standalone']), (err: unknown) => isStrataError(err, 'INVALID_OPTION'));
    await assert.rejects(redis.run(['up', 'ring']), (err: unknown) => isStrataError(err, 'INVALID_OPTION'));
  });
});
