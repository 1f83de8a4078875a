import { existsSync, readFileSync } from 'node:fs';
import { ErrorCode, StrataError } from '../index.js';

/** Everything `strata serve` and `strata stats` can be configured with. */
export interface ServeConfig {
  /** Address to listen on. */
  host: string;
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Bearer token for /v1 and /metrics; required when host is not loopback. */
  token: string | undefined;
  /** Redis URL for L2 (redis://, rediss://, redis+sentinel://, redis+cluster://); none = embedded mode. */
  redis: string | undefined;
  /** Directory of the L3 disk tier. */
  dataDir: string;
  /** Run without the L3 disk tier. */
  noL3: boolean;
  /** Upper bound of L1, bytes. */
  l1MaxBytes: number | undefined;
  /** Upper bound of L3, bytes. */
  l3MaxBytes: number | undefined;
  /** Namespace of the cache (others are reachable through the API). */
  namespace: string | undefined;
  /** Prefix of every L2/L3 key. */
  prefix: string | undefined;
  /** Largest request body, bytes. */
  bodyLimit: number | undefined;
  /** Longest key, bytes. */
  maxKeyBytes: number | undefined;
  /** Environment profile: development, staging or production. */
  profile: string | undefined;
  /** pino log level, or 'silent'. */
  logLevel: string;
  /** The server `strata stats` asks. */
  url: string | undefined;
  /** Keys `strata warm` prefetches. */
  top: number | undefined;
  /** On SIGTERM, how long to keep serving while /health/ready says 503, so load balancers stop routing here first, ms. */
  drainDelayMs: number;
}

type Kind = 'string' | 'port' | 'bytes' | 'boolean' | 'count' | 'ms';

interface Field {
  key: keyof ServeConfig;
  flag: string;
  env: readonly string[];
  kind: Kind;
  doc: string;
}

/** The options, in `--help` order. */
export const FIELDS: readonly Field[] = [
  { key: 'host', flag: '--host', env: ['STRATA_HOST'], kind: 'string', doc: 'address to listen on (default 127.0.0.1; anything else needs --token)' },
  { key: 'port', flag: '--port', env: ['STRATA_PORT', 'PORT'], kind: 'port', doc: 'port to listen on, 0 = any free port (default 8080)' },
  { key: 'token', flag: '--token', env: ['STRATA_TOKEN'], kind: 'string', doc: 'bearer token required on /v1 and /metrics (16+ characters)' },
  { key: 'redis', flag: '--redis', env: ['STRATA_REDIS_URL', 'REDIS_URL'], kind: 'string', doc: 'Redis URL for L2: redis://, rediss://, redis+sentinel://, redis+cluster://' },
  { key: 'dataDir', flag: '--data-dir', env: ['STRATA_DATA_DIR'], kind: 'string', doc: 'directory of the L3 disk tier (default ./.strata)' },
  { key: 'noL3', flag: '--no-l3', env: ['STRATA_NO_L3'], kind: 'boolean', doc: 'run without the disk tier' },
  { key: 'l1MaxBytes', flag: '--l1-max-bytes', env: ['STRATA_L1_MAX_BYTES'], kind: 'bytes', doc: 'upper bound of the memory tier (e.g. 64mb)' },
  { key: 'l3MaxBytes', flag: '--l3-max-bytes', env: ['STRATA_L3_MAX_BYTES'], kind: 'bytes', doc: 'upper bound of the disk tier (e.g. 1gb)' },
  { key: 'namespace', flag: '--namespace', env: ['STRATA_NAMESPACE'], kind: 'string', doc: 'default namespace (default "default")' },
  { key: 'prefix', flag: '--prefix', env: ['STRATA_PREFIX'], kind: 'string', doc: 'prefix of every Redis and disk key (default "strata")' },
  { key: 'profile', flag: '--profile', env: ['STRATA_PROFILE'], kind: 'string', doc: 'development, staging or production' },
  { key: 'bodyLimit', flag: '--body-limit', env: ['STRATA_BODY_LIMIT'], kind: 'bytes', doc: 'largest request body (default 1mb)' },
  { key: 'maxKeyBytes', flag: '--max-key-bytes', env: ['STRATA_MAX_KEY_BYTES'], kind: 'bytes', doc: 'longest key in bytes (default 1024)' },
  { key: 'logLevel', flag: '--log-level', env: ['STRATA_LOG_LEVEL'], kind: 'string', doc: 'info, warn, error, debug or silent (default info)' },
  { key: 'drainDelayMs', flag: '--drain-delay-ms', env: ['STRATA_DRAIN_DELAY_MS'], kind: 'ms', doc: 'on SIGTERM, keep serving this long with /health/ready at 503 before closing the port (default 0)' },
  { key: 'url', flag: '--url', env: ['STRATA_URL'], kind: 'string', doc: '(stats, warm) the server to ask (stats default: http://<host>:<port>)' },
  { key: 'top', flag: '--top', env: ['STRATA_WARM_TOP'], kind: 'count', doc: '(warm; serve with Redis) most hot keys prefetched into L1 (default 1000)' },
];

const DEFAULTS: ServeConfig = {
  host: '127.0.0.1',
  port: 8080,
  token: undefined,
  redis: undefined,
  dataDir: '.strata',
  noL3: false,
  l1MaxBytes: undefined,
  l3MaxBytes: undefined,
  namespace: undefined,
  prefix: undefined,
  bodyLimit: undefined,
  maxKeyBytes: undefined,
  profile: undefined,
  logLevel: 'info',
  url: undefined,
  top: undefined,
  drainDelayMs: 0,
};

/** A whole number given as a number or a string of digits, at least `min`; else the error `fail` makes. */
function wholeNumber(raw: unknown, min: number, fail: () => Error): number {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw fail();
  return n;
}

const UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, kib: 1024, mb: 1024 ** 2, mib: 1024 ** 2, gb: 1024 ** 3, gib: 1024 ** 3 };

function bad(source: string, message: string): StrataError {
  return new StrataError(ErrorCode.INVALID_OPTION, `${source}: ${message}`);
}

function convert(field: Field, raw: unknown, source: string): unknown {
  switch (field.kind) {
    case 'string':
      if (typeof raw !== 'string' || raw.length === 0) throw bad(source, `expected a non-empty string, got ${JSON.stringify(raw)}`);
      return raw;
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw bad(source, `expected true or false, got ${JSON.stringify(raw)}`);
    case 'port': {
      const port = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw bad(source, `expected a port number 0–65535, got ${JSON.stringify(raw)}`);
      return port;
    }
    case 'count':
      return wholeNumber(raw, 1, () => bad(source, `expected a positive whole number, got ${JSON.stringify(raw)}`));
    case 'ms':
      return wholeNumber(raw, 0, () => bad(source, `expected a whole number of milliseconds, got ${JSON.stringify(raw)}`));
    case 'bytes': {
      if (typeof raw === 'number' && Number.isInteger(raw) && raw > 0) return raw;
      const match = typeof raw === 'string' ? /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(raw.trim()) : null;
      const unit = match === null ? undefined : UNITS[(match[2] as string).toLowerCase()];
      if (match === null || unit === undefined || Number(match[1]) <= 0) throw bad(source, `expected a size such as 1048576, 512kb, 64mb or 1gb, got ${JSON.stringify(raw)}`);
      return Math.floor(Number(match[1]) * unit);
    }
  }
}

/** `--flag value`, `--flag=value` and bare boolean flags; unknown flags and positional words are errors. */
export function parseFlags(argv: readonly string[], extraBooleans: readonly string[] = []): { values: Map<Field, unknown>; config: string | undefined; booleans: Set<string> } {
  const values = new Map<Field, unknown>();
  const booleans = new Set<string>();
  let config: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (extraBooleans.includes(name)) {
      booleans.add(name);
      continue;
    }
    const field = FIELDS.find((f) => f.flag === name);
    if (name === '--config') {
      config = inline ?? argv[++i];
      if (config === undefined) throw bad('--config', 'needs a path to a JSON file');
      continue;
    }
    if (field === undefined) throw bad(arg, `unknown option (see --help)`);
    if (field.kind === 'boolean' && inline === undefined) {
      values.set(field, true);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) throw bad(field.flag, 'needs a value');
    values.set(field, convert(field, value, field.flag));
  }
  return { values, config, booleans };
}

function readFile(path: string): Record<string, unknown> {
  if (!existsSync(path)) throw new StrataError(ErrorCode.INVALID_INPUT, `config file ${path} does not exist`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new StrataError(ErrorCode.INVALID_INPUT, `config file ${path} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new StrataError(ErrorCode.INVALID_INPUT, `config file ${path} must hold a JSON object`);
  return parsed as Record<string, unknown>;
}

/**
 * The configuration from a JSON file (`--config` or STRATA_CONFIG), the environment and the flags; flags win over
 * the environment, which wins over the file. Every value is checked, and an error names where it came from.
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, extraBooleans: readonly string[] = []): { config: ServeConfig; booleans: Set<string> } {
  const flags = parseFlags(argv, extraBooleans);
  const config: ServeConfig = { ...DEFAULTS };
  const set = (field: Field, value: unknown): void => {
    (config as unknown as Record<string, unknown>)[field.key] = value;
  };
  const file = flags.config ?? env.STRATA_CONFIG;
  if (file !== undefined && file !== '') {
    const content = readFile(file);
    for (const [key, raw] of Object.entries(content)) {
      const field = FIELDS.find((f) => f.key === key);
      if (field === undefined) throw bad(`${file}: "${key}"`, `unknown setting; known: ${FIELDS.map((f) => f.key).join(', ')}`);
      set(field, convert(field, raw, `${file}: "${key}"`));
    }
  }
  for (const field of FIELDS) {
    const name = field.env.find((e) => env[e] !== undefined && env[e] !== '');
    if (name !== undefined) set(field, convert(field, env[name], `environment variable ${name}`));
  }
  for (const [field, value] of flags.values) set(field, value);
  return { config, booleans: flags.booleans };
}

/** The options part of a command's `--help`. */
export function optionsHelp(): string {
  const width = Math.max(...FIELDS.map((f) => f.flag.length)) + 8;
  return [
    ...FIELDS.map((f) => `  ${`${f.flag}${f.kind === 'boolean' ? '' : ' <v>'}`.padEnd(width)}${f.doc}  [${f.env.join(', ')}]`),
    `  ${'--config <file>'.padEnd(width)}a JSON file with any of: ${FIELDS.map((f) => f.key).join(', ')}  [STRATA_CONFIG]`,
    '',
    'Precedence: flags > environment variables > config file > defaults.',
  ].join('\n');
}
