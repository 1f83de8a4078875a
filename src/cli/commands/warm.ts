import { createStrata, ErrorCode, StrataError, type WarmProgress, type WarmReport } from '../../index.js';
import type { Command } from '../command.js';
import { loadConfig, optionsHelp, type ServeConfig } from '../config.js';

const usage = `Usage: strata warm --url <server> [--token <t>] [--top N] [--namespace <ns>] [--json]
       strata warm --redis <url> [--top N] [--namespace <ns>] [--json] [options]

With --url: tells a running 'strata serve' to prefetch the published hot keys into its own memory tier now
(POST /v1/warm), e.g. after a deploy or a flush, and shows its progress.

With --redis: reads the hot keys every instance publishes in Redis (merged, hottest first) and prefetches the top N into the
memory tier of this process, the way a new 'strata serve' or a library instance with hotKeys.warmOnStart does
before it reports ready. It shows how many of the published keys Redis still holds and how long a warm-up takes.
Progress goes to stderr (a bar on a terminal, one line per batch otherwise); the summary to stdout. Exits with 1
when a batch failed (Redis down or slow), 2 for a bad option.

  --top N           most keys to prefetch (default 1000)
  --namespace <ns>  only this namespace (default: every namespace with published hot keys)
  --json            print the summary as JSON

Options shared with 'strata serve':
${optionsHelp()}`;

const BAR_WIDTH = 30;

function bar(progress: WarmProgress): string {
  const share = progress.total === 0 ? 1 : progress.done / progress.total;
  const filled = Math.round(share * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  ${progress.done}/${progress.total} keys, ${progress.loaded} loaded`;
}

function summary(report: WarmReport): string {
  const lines = [
    `Warmed ${report.loaded} of ${report.total} hot keys in ${report.ms.toFixed(0)} ms` + (report.timedOut ? ' (stopped at the deadline)' : ''),
    `  not in Redis any more: ${report.notFound}, failed: ${report.failed}`,
  ];
  for (const c of report.classes) lines.push(`  ${c.namespace} / ${c.className}: ${c.keys} keys`);
  if (report.total === 0) lines.push('  no instance has published hot keys under this prefix yet (they publish every 30 s while serving reads)');
  return lines.join('\n');
}

function showProgress(progress: WarmProgress, tty: boolean): void {
  if (tty) process.stderr.write(`\r${bar(progress)}`);
  else process.stderr.write(`warm: ${progress.done}/${progress.total} keys, ${progress.loaded} loaded\n`);
}

/** One line of POST /v1/warm's answer. */
type WarmLine = { progress: WarmProgress } | { report: WarmReport } | { error: { code: string; message: string } };

/** Asks a running server to warm itself, following the progress lines it streams back. */
async function warmServer(url: string, token: string | undefined, body: { top?: number; namespaces?: string[] }, tty: boolean): Promise<WarmReport> {
  let response: Response;
  try {
    response = await fetch(new URL('/v1/warm', url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new StrataError(ErrorCode.INVALID_OPTION, `no server answered at ${url} (${(error as Error).message}): start one with 'strata serve' or check --url`);
  }
  if (!response.ok || response.body === null) {
    const text = await response.text();
    throw new StrataError(ErrorCode.INVALID_OPTION, `${url} answered ${response.status} to POST /v1/warm: ${text}`);
  }
  let pending = '';
  for await (const chunk of response.body.pipeThrough(new TextDecoderStream())) {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = JSON.parse(pending.slice(0, newline)) as WarmLine;
      pending = pending.slice(newline + 1);
      if ('progress' in line) showProgress(line.progress, tty);
      else if ('report' in line) return line.report;
      else throw new StrataError(ErrorCode.INVALID_OPTION, `the server's warm-up failed: ${line.error.message} (${line.error.code})`);
    }
  }
  throw new StrataError(ErrorCode.INVALID_OPTION, `${url} closed the warm-up stream without a report`);
}

/** Warms this process's own L1 from Redis, the way a new instance does before it reports ready. */
async function warmHere(config: ServeConfig, tty: boolean): Promise<WarmReport> {
  if (config.redis === undefined) {
    throw new StrataError(ErrorCode.INVALID_OPTION, "strata warm needs a server or Redis: pass --url <server> (warm a running 'strata serve'), or --redis <url> / STRATA_REDIS_URL. See 'strata warm --help'.");
  }
  const cache = createStrata({
    l1: config.l1MaxBytes === undefined ? {} : { maxBytes: config.l1MaxBytes },
    l2: config.redis,
    l3: false,
    prefix: config.prefix,
    // Only reads: no need to follow the other instances' invalidations.
    sync: false,
  });
  try {
    return await cache.warm({
      top: config.top,
      namespaces: config.namespace === undefined ? '*' : [config.namespace],
      onProgress: (progress) => showProgress(progress, tty),
    });
  } finally {
    await cache.close();
  }
}

async function run(argv: string[]): Promise<number> {
  const { config, booleans } = loadConfig(argv, process.env, ['--json']);
  const tty = process.stderr.isTTY === true;
  const report =
    config.url === undefined
      ? await warmHere(config, tty)
      : await warmServer(config.url, config.token, { top: config.top, ...(config.namespace === undefined ? {} : { namespaces: [config.namespace] }) }, tty);
  if (tty && report.total > 0) process.stderr.write('\n');
  console.log(booleans.has('--json') ? JSON.stringify(report, null, 2) : summary(report));
  return report.failed > 0 ? 1 : 0;
}

const command: Command = { name: 'warm', summary: 'prefetch the hot keys published in Redis, with a progress bar', usage, run };
export default command;
