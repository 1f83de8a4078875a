import type { Command } from '../command.js';
import { loadConfig, optionsHelp, type ServeConfig } from '../config.js';
import { openCache } from './serve.js';

const usage = `Usage: strata stats [--url http://127.0.0.1:8080] [--token <t>] [--json] [--local] [options]

Prints the counters of a running 'strata serve' (GET /v1/stats). When no server answers at --url (default
http://<host>:<port> from the configuration), or with --local, opens the configured tiers itself and prints what they
hold (a new process has no hit counters, but the disk tier's entries and bytes are real).

  --json    print the raw JSON
  --local   do not ask a server

Options shared with 'strata serve':
${optionsHelp()}`;

interface Stats {
  namespaces: Record<string, { classes: Record<string, { hits: { l1: number; l2: number; l3: number; total: number }; misses: number; hitRate: number; sets: number; deletes: number }> }>;
  tiers: Record<string, Record<string, unknown> | null>;
}

function format(stats: Stats, source: string): string {
  const lines = [`Strata stats (${source})`, ''];
  const rows: string[][] = [['namespace', 'class', 'L1 hits', 'L2 hits', 'L3 hits', 'misses', 'hit rate', 'sets', 'deletes']];
  for (const [ns, s] of Object.entries(stats.namespaces)) {
    for (const [cls, c] of Object.entries(s.classes)) {
      rows.push([ns, cls, String(c.hits.l1), String(c.hits.l2), String(c.hits.l3), String(c.misses), `${(c.hitRate * 100).toFixed(1)}%`, String(c.sets), String(c.deletes)]);
    }
  }
  if (rows.length === 1) lines.push('(no reads or writes yet)');
  else {
    const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
    for (const r of rows) lines.push(r.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  '));
  }
  lines.push('');
  for (const [tier, t] of Object.entries(stats.tiers)) {
    lines.push(`${tier}: ${t === null ? 'not configured' : Object.entries(t).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(' ')}`);
  }
  return lines.join('\n');
}

async function fromServer(url: string, token: string | undefined): Promise<Stats | undefined> {
  let response: Response;
  try {
    response = await fetch(new URL('/v1/stats', url), { headers: token === undefined ? {} : { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(3000) });
  } catch {
    return undefined;
  }
  const body = (await response.json()) as Stats & { error?: { code: string; message: string } };
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${body.error?.message ?? 'no message'}`);
  return body;
}

async function local(config: ServeConfig): Promise<Stats> {
  const { cache, monitor } = openCache(config);
  try {
    const { l2, l3 } = cache.tiers();
    const tierStats = (tier: unknown): Record<string, unknown> | null => (tier as { stats?: () => Record<string, unknown> } | undefined)?.stats?.() ?? null;
    return { namespaces: { [cache.name]: cache.stats() }, tiers: { l1: (cache.stats().l1 as unknown as Record<string, unknown>) ?? null, l2: tierStats(l2), l3: tierStats(l3) } };
  } finally {
    await cache.close();
    await monitor?.close();
  }
}

async function run(argv: string[]): Promise<number> {
  const { config, booleans } = loadConfig(argv, process.env, ['--json', '--local']);
  const url = config.url ?? `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}`;
  let stats = booleans.has('--local') ? undefined : await fromServer(url, config.token);
  let source = `server ${url}`;
  if (stats === undefined) {
    if (!booleans.has('--local')) console.error(`no server answered at ${url}; showing the local tiers instead`);
    stats = await local(config);
    source = `local tiers${config.noL3 ? '' : `, L3 at ${config.dataDir}`}`;
  }
  console.log(booleans.has('--json') ? JSON.stringify(stats, null, 2) : format(stats, source));
  return 0;
}

const command: Command = { name: 'stats', summary: 'print the counters of a running server, or of the local tiers', usage, run };
export default command;
