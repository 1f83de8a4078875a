import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { createRedisClient, createStrata, RedisMonitor, RedisTier, recordLlmCallSaved, recordSemanticLookup, type Strata } from '../src/index.js';
import { createServer, type SemanticHandler, type StrataServer } from '../src/server/index.js';
import { useRedisTopology } from './support/redis.js';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'dashboard-token-0123456789';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: apt-get install -y chromium (Debian's package) to run the dashboard test`;

let dir = '';
let cache: Strata;
let server: StrataServer;
let base = '';
let browser: Browser | undefined;
const sentinel = useRedisTopology('sentinel');

before(async () => {
  if (skip !== false) return;
  dir = mkdtempSync(join(tmpdir(), 'strata-dashboard-'));
  cache = createStrata({ l3: { path: dir } });
  server = createServer({ cache, port: 0, token: TOKEN });
  base = await server.listen();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => {
  await browser?.close();
  if (skip !== false) return;
  await server.close();
  await cache.close();
  rmSync(dir, { recursive: true, force: true });
});

async function traffic(): Promise<void> {
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  for (let i = 0; i < 20; i++) {
    await fetch(`${base}/v1/ns/web/keys/k${i}`, { method: 'PUT', headers, body: JSON.stringify({ value: { i, text: 'an answer' } }) });
  }
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 25; i++) await fetch(`${base}/v1/ns/web/keys/k${i}`, { headers: { authorization: headers.authorization } });
  }
}

describe('the dashboard', { skip }, () => {
  it('loads from the server alone, shows live numbers once there is traffic, and says what is not configured', async () => {
    assert.ok(browser !== undefined);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const outside: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(base)) outside.push(request.url());
    });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${base}/#token=${TOKEN}`);
    // The conditions run in the page, so they are given as source text (this file is type-checked without the DOM lib).
    await page.waitForFunction("document.getElementById('status')?.textContent?.startsWith('live') === true", undefined, { timeout: 10_000 });
    assert.equal(await page.textContent('#hit-rate'), '–', 'no reads yet');

    await traffic();
    // 100 L1 hits and 25 misses (k20–k24 were never set); a poll during the traffic shows a partial figure first.
    await page.waitForFunction("document.getElementById('hit-rate')?.textContent === '80.0%'", undefined, { timeout: 10_000 });
    await page.waitForFunction("/[1-9]/.test(document.getElementById('ops-rate')?.textContent ?? '')", undefined, { timeout: 10_000 });
    assert.equal(await page.textContent('#hit-l1'), '80.0%');
    assert.equal(await page.textContent('#hit-l2'), 'off');
    assert.match((await page.textContent('#latency')) ?? '', /HTTP\s*[\d.]+ (ms|µs)/);
    assert.match((await page.textContent('#redis')) ?? '', /no L2 configured/);
    assert.match((await page.textContent('#semantic')) ?? '', /not enabled/);
    assert.match((await page.textContent('#tiers')) ?? '', /L3 disk\d+ entries/);
    assert.match((await page.textContent('#mode')) ?? '', /embedded/);
    for (let round = 0; round < 4; round++) {
      await traffic();
      await page.waitForTimeout(700);
    }
    assert.deepEqual(errors, [], 'no script errors');
    assert.deepEqual(outside, [], 'nothing is loaded from outside the server');

    mkdirSync('test-results', { recursive: true });
    const shot = join('test-results', 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000, 'the screenshot holds a rendered page');
    await page.close();
  });

  it('asks for the token when opened without one', async () => {
    assert.ok(browser !== undefined);
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await page.waitForFunction("document.getElementById('status')?.textContent?.includes('unauthorized') === true", undefined, { timeout: 10_000 });
    await page.close();
  });
});

describe('the dashboard with Redis and a semantic layer', { skip }, () => {
  it('lists the Redis nodes with their roles, health and replication lag, the memory forecast, and semantic savings', async () => {
    assert.ok(browser !== undefined);
    const topology = await sentinel();
    const connection = createRedisClient(topology.url);
    const monitor = new RedisMonitor(connection);
    const redisCache = createStrata({ l2: new RedisTier(connection), l3: false });
    // The semantic layer is another component; this one only has to exist for the panel to count as enabled.
    const semantic: SemanticHandler = { lookup: async () => ({ hit: false }), store: async () => undefined };
    const redisServer = createServer({ cache: redisCache, monitor, port: 0, semantic });
    const url = await redisServer.listen();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.goto(`${url}/`);
      for (let round = 0; round < 4; round++) {
        for (let i = 0; i < 30; i++) {
          await fetch(`${url}/v1/ns/rag/keys/q${i}?class=products`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value: `answer ${i}` }) });
          await fetch(`${url}/v1/ns/rag/keys/q${i % 40}?class=products`);
        }
        recordSemanticLookup(true, 0.96);
        recordSemanticLookup(false, 0.7);
        recordLlmCallSaved(420);
        await page.waitForTimeout(700);
      }
      await page.waitForFunction("document.querySelectorAll('#redis tbody tr').length === 2", undefined, { timeout: 10_000 });
      const redisText = (await page.textContent('#redis')) ?? '';
      assert.match(redisText, /master/);
      assert.match(redisText, /replica/);
      assert.match(redisText, /up/);
      assert.match(redisText, /online/, 'the replica link state is shown with its lag');
      assert.equal(await page.locator('#memory tbody tr').count(), 2);
      // The panel refreshes on its own timer: wait for the refresh that follows the last recorded saving.
      await page.waitForFunction("/LLM calls saved\\s*4/.test(document.querySelector('#semantic')?.textContent ?? '')", undefined, { timeout: 10_000 }).catch(() => undefined);
      assert.match((await page.textContent('#semantic')) ?? '', /LLM calls saved\s*4/);
      assert.match((await page.textContent('#latency')) ?? '', /L2 Redis\s*[\d.]+ (ms|µs)/);
      mkdirSync('test-results', { recursive: true });
      await page.screenshot({ path: join('test-results', 'dashboard-redis.png'), fullPage: true });
      await page.close();
    } finally {
      await redisServer.close();
      await redisCache.close();
      await monitor.close();
    }
  });
});
