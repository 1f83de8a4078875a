#!/usr/bin/env node
import { StrataError } from '../errors.js';
import type { Command } from './command.js';

/** Sub-commands load lazily so `strata trace` does not pay for the server's imports. */
const commands: Record<string, () => Promise<Command>> = {
  bench: async () => (await import('./commands/bench.js')).default,
  redis: async () => (await import('./commands/redis.js')).default,
  serve: async () => (await import('./commands/serve.js')).default,
  stats: async () => (await import('./commands/stats.js')).default,
  trace: async () => (await import('./commands/trace.js')).default,
  eval: async () => (await import('./commands/eval.js')).default,
  demo: async () => (await import('./commands/demo.js')).default,
  warm: async () => (await import('./commands/warm.js')).default,
};

async function help(): Promise<string> {
  const names = Object.keys(commands).sort();
  const loaded = await Promise.all(names.map(async (name) => (await (commands[name] as () => Promise<Command>)()).summary));
  const width = Math.max(...names.map((n) => n.length));
  return [
    'strata — a three-tier cache for RAG and LLM services',
    '',
    'Usage: strata <command> [options]    (strata <command> --help for its options)',
    '',
    'Commands:',
    ...names.map((n, i) => `  ${n.padEnd(width)}  ${loaded[i]}`),
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(await help());
    return name === undefined ? 1 : 0;
  }
  const load = commands[name];
  if (load === undefined) {
    console.error(`strata: unknown command '${name}'.\n\n${await help()}`);
    return 2;
  }
  const command = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof StrataError) {
      console.error(`strata: ${err.message} (${err.code})`);
      process.exitCode = 2;
    } else {
      console.error(err);
      process.exitCode = 1;
    }
  },
);
