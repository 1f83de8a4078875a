import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/cli/config.js';
import { StrataError } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-cli-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('strata configuration', () => {
  it('uses the embedded defaults with nothing set', () => {
    const { config } = loadConfig([], {});
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8080);
    assert.equal(config.redis, undefined);
    assert.equal(config.dataDir, '.strata');
    assert.equal(config.noL3, false);
  });

  it('takes flags over environment variables over the config file', () => {
    const path = file('all.json', { port: 7000, host: '127.0.0.2', dataDir: '/from/file', redis: 'redis://file:6379', l1MaxBytes: '8mb' });
    const env = { STRATA_PORT: '7100', REDIS_URL: 'redis://env:6379', STRATA_CONFIG: path };
    const fileOnly = loadConfig([], { STRATA_CONFIG: path }).config;
    assert.deepEqual([fileOnly.port, fileOnly.host, fileOnly.redis, fileOnly.l1MaxBytes], [7000, '127.0.0.2', 'redis://file:6379', 8 * 1024 * 1024]);
    const withEnv = loadConfig([], env).config;
    assert.deepEqual([withEnv.port, withEnv.host, withEnv.redis, withEnv.dataDir], [7100, '127.0.0.2', 'redis://env:6379', '/from/file']);
    const withFlags = loadConfig(['--port', '7200', '--redis=redis+cluster://a:1,b:2', '--no-l3'], env).config;
    assert.deepEqual([withFlags.port, withFlags.redis, withFlags.noL3, withFlags.host], [7200, 'redis+cluster://a:1,b:2', true, '127.0.0.2']);
  });

  it('prefers --config over STRATA_CONFIG, and STRATA_REDIS_URL over REDIS_URL', () => {
    const a = file('a.json', { port: 1 });
    const b = file('b.json', { port: 2 });
    assert.equal(loadConfig(['--config', b], { STRATA_CONFIG: a }).config.port, 2);
    assert.equal(loadConfig([], { STRATA_REDIS_URL: 'redis://one:1', REDIS_URL: 'redis://two:2' }).config.redis, 'redis://one:1');
  });

  it('rejects bad values with a message naming where they came from', () => {
    const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
      [['--port', 'eighty'], {}, /--port: expected a port number/],
      [['--port', '70000'], {}, /--port/],
      [[], { STRATA_PORT: '-1' }, /environment variable STRATA_PORT/],
      [['--l1-max-bytes', '12 parsecs'], {}, /--l1-max-bytes: expected a size/],
      [['--frobnicate'], {}, /--frobnicate: unknown option/],
      [['--port'], {}, /--port: needs a value/],
      [['--config', join(dir, 'missing.json')], {}, /does not exist/],
      [['--config', file('broken.json', '{"port": ')], {}, /not valid JSON/],
      [['--config', file('array.json', [1])], {}, /must hold a JSON object/],
      [['--config', file('unknown.json', { prot: 1 })], {}, /"prot": unknown setting; known: host, port/],
      [['--config', file('typed.json', { port: '80a' })], {}, /typed.json: "port": expected a port number/],
      [[], { STRATA_NO_L3: 'maybe' }, /STRATA_NO_L3: expected true or false/],
    ];
    for (const [argv, env, message] of cases) {
      assert.throws(() => loadConfig(argv, env), (err: unknown) => err instanceof StrataError && message.test(err.message), `${argv.join(' ')} ${JSON.stringify(env)}`);
    }
  });
});
