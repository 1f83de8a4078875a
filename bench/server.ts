// GET of one hot key through the sidecar server, against a bare Fastify route returning the same bytes (the HTTP
// ceiling of this machine), measured in the same run. Loopback only, bounded in requests and time.
// Usage (from the repository root): npx tsx bench/server.ts [--quick] [--connections 32] [--seconds 10] [--client node]
//   writes bench/results/server.json (--quick: server-quick.json, so a quick run never replaces the full one)
// The load comes from autocannon (run with `npx --yes autocannon`, not a dependency of the package); with
// `--client node`, or when npx cannot run it, from a node:http keep-alive loop (slower: it saturates before the server).
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { createStrata } from '../src/index.js';
import { createServer } from '../src/server/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const HOT_VALUE = { id: 42, title: 'A cached answer', tokens: 512, sources: ['doc:1', 'doc:7', 'doc:19'], text: 'x'.repeat(200) };

interface Target {
  name: string;
  url: string;
}

/** The child: the Strata server (embedded default minus L3, the hot key is in L1) and the bare route, on free ports. */
async function serveChild(): Promise<void> {
  const cache = createStrata({ l3: false });
  await cache.set('hot', HOT_VALUE);
  const strata = createServer({ cache, port: 0 });
  const strataUrl = await strata.listen();
  const body = await (await fetch(`${strataUrl}/v1/ns/default/keys/hot`)).text();
  const bare = Fastify();
  bare.get('/hot', async (_request, reply) => reply.type('application/json; charset=utf-8').send(body));
  const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });
  process.send?.({ strata: `${strataUrl}/v1/ns/default/keys/hot`, bare: `${bareUrl}/hot`, bytes: Buffer.byteLength(body) });
  process.on('disconnect', () => {
    void Promise.all([strata.close(), bare.close()]).then(() => cache.close()).then(() => process.exit(0));
  });
}

function once(url: URL, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Keeps `connections` keep-alive requests in flight until `seconds` pass or `maxRequests` are sent. */
async function load(target: Target, connections: number, seconds: number, maxRequests: number) {
  const url = new URL(target.url);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (sent < maxRequests && performance.now() < deadline) {
      sent++;
      const t0 = performance.now();
      const status = await once(url, agent).catch(() => 0);
      latencies.push(performance.now() - t0);
      if (status !== 200) errors++;
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => Number((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(3));
  return { target: target.name, requests: latencies.length, errors, seconds: Number(elapsed.toFixed(2)), requestsPerSecond: Math.round(latencies.length / elapsed), latencyMs: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) } };
}

/** One autocannon run bounded by time (`-d`; its `-a` request cap would override the time bound), parsed from its JSON report. */
function autocannon(target: Target, connections: number, seconds: number): Promise<Awaited<ReturnType<typeof load>>> {
  const args = ['--yes', 'autocannon', '-j', '-c', String(connections), '-d', String(seconds), target.url];
  return new Promise((resolve, reject) => {
    execFile('npx', args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      if (error !== null) return reject(error);
      const report = JSON.parse(stdout) as {
        requests: { total: number; average: number };
        latency: { p50: number; p90: number; p99: number; max: number };
        duration: number;
        errors: number;
        non2xx: number;
      };
      resolve({
        target: target.name,
        requests: report.requests.total,
        errors: report.errors + report.non2xx,
        seconds: report.duration,
        requestsPerSecond: Math.round(report.requests.total / report.duration),
        latencyMs: { p50: report.latency.p50, p90: report.latency.p90, p99: report.latency.p99, max: report.latency.max },
      });
    });
  });
}

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

async function main(): Promise<void> {
  const loadAverage = loadavg().map((l) => Number(l.toFixed(2)));
  const quick = process.argv.includes('--quick');
  const connections = flag('--connections', 32);
  const seconds = flag('--seconds', quick ? 3 : 10);
  const maxRequests = quick ? 300_000 : 3_000_000;
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--child'], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const ready = await new Promise<{ strata: string; bare: string; bytes: number }>((resolve) => child.once('message', (m) => resolve(m as never)));
  try {
    const targets: Target[] = [
      { name: 'bare-fastify', url: ready.bare },
      { name: 'strata-get', url: ready.strata },
    ];
    let client = process.argv.includes('--client') && process.argv[process.argv.indexOf('--client') + 1] === 'node' ? 'node:http' : 'autocannon';
    if (client === 'autocannon') {
      try {
        await autocannon(targets[0] as Target, 1, 1);
      } catch (err) {
        console.error(`npx autocannon failed (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); using the node:http loop`);
        client = 'node:http';
      }
    }
    const measure = client === 'autocannon' ? autocannon : load;
    // Warm both (JIT, sockets) before measuring; then alternate so neither always runs on a warmer machine.
    for (const t of targets) await measure(t, connections, 1, 20_000);
    const runs: Array<Awaited<ReturnType<typeof load>>> = [];
    for (const t of [...targets, ...targets]) runs.push(await measure(t, connections, seconds / 2, maxRequests / 2));
    const merged = targets.map((t) => {
      const mine = runs.filter((r) => r.target === t.name);
      const requests = mine.reduce((s, r) => s + r.requests, 0);
      const elapsed = mine.reduce((s, r) => s + r.seconds, 0);
      return { target: t.name, requests, errors: mine.reduce((s, r) => s + r.errors, 0), requestsPerSecond: Math.round(requests / elapsed), p99Ms: Math.max(...mine.map((r) => r.latencyMs.p99)), runs: mine };
    });
    const [bare, strata] = merged as [(typeof merged)[0], (typeof merged)[0]];
    const result = {
      benchmark: 'GET of one hot key (L1 hit) through strata serve vs a bare Fastify route returning the same bytes',
      command: `npx tsx bench/server.ts${quick ? ' --quick' : ''} --connections ${connections} --seconds ${seconds}`,
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      loadAverageAtStart: loadAverage,
      responseBytes: ready.bytes,
      connections,
      client,
      note: 'the load generator and the servers share this machine; both servers run in one child process, measured one at a time',
      strataShareOfCeiling: Number((strata.requestsPerSecond / bare.requestsPerSecond).toFixed(3)),
      results: merged,
    };
    const out = join(here, 'results', quick ? 'server-quick.json' : 'server.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    for (const r of merged) console.log(`${r.target.padEnd(14)} ${String(r.requestsPerSecond).padStart(7)} req/s  p99 ${r.p99Ms} ms  (${r.requests} requests, ${r.errors} errors)`);
    console.log(`strata / bare = ${result.strataShareOfCeiling}; written to ${out}`);
  } finally {
    child.disconnect();
  }
}

if (process.argv.includes('--child')) await serveChild();
else await main();
