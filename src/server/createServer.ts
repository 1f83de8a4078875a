import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { ErrorCode, StrataError, StrataMetrics, type RedisMonitor, type Strata } from '../index.js';
import { bearerAuth, isLoopback } from './bearerAuth.js';
import { dashboardData, RedisReporter } from './dashboardData.js';
import { errorBody, handleError, HttpError, HttpErrorCode } from './httpError.js';
import { describe, openApiDocument, type DescribedRoute } from './openApi.js';
import { schemas } from './schemas.js';
import type { SemanticHandler } from './semanticHandler.js';

/** Sizes the server refuses to go beyond. */
export interface ServerLimits {
  /** Largest request body, bytes (413 above). */
  bodyLimit?: number;
  /** Longest key, UTF-8 bytes (400 above). */
  maxKeyBytes?: number;
  /** Most keys or items in one batch request. */
  maxBatch?: number;
  /** Most tags on one entry. */
  maxTags?: number;
}

export interface ServerOptions {
  /** The cache the routes serve; its namespaces are reached with `cache.namespace(name)`. */
  cache: Strata;
  /** Required unless `host` is a loopback address: every `/v1` route and `/metrics` then need `Authorization: Bearer <token>`. */
  token?: string;
  /** Address to listen on (`listen()` uses it); default 127.0.0.1. */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default 8080. */
  port?: number;
  limits?: ServerLimits;
  /** Only these namespaces may be used (404 for others); default: any valid name. */
  namespaces?: readonly string[];
  /** Health, roles, replication lag and memory forecast of the L2 Redis for `/v1/redis` and the dashboard. */
  monitor?: RedisMonitor;
  /** Adds `/v1/semantic/:namespace/lookup` and `/store`. */
  semantic?: SemanticHandler;
  /** Fastify's logger option (pino); default off. */
  logger?: FastifyServerOptions['logger'];
  /** Metrics to expose; default: a new registry over `cache`. */
  metrics?: StrataMetrics;
}

/** The app, its metrics, and `listen()` on the configured host and port (resolves to the URL). */
export interface StrataServer {
  app: FastifyInstance;
  metrics: StrataMetrics;
  listen(): Promise<string>;
  /** Stops accepting connections, answers the requests in flight, then releases the metrics' listeners (not the cache). */
  close(): Promise<void>;
  /** From now on /health/ready answers 503 `draining` (everything else is still served): the first step of a shutdown. */
  drain(): void;
}

const DEFAULT_LIMITS: Required<ServerLimits> = { bodyLimit: 1024 * 1024, maxKeyBytes: 1024, maxBatch: 1000, maxTags: 64 };
const VERSION = '0.1.0';
const ASSETS = new URL('./assets/', import.meta.url);
const ASSET_TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };
const READY_PROBE_KEY = 'strata:__ready__';
const READY_TIMEOUT_MS = 2000;

type Params = { namespace: string; key: string };
type ClassQuery = { class?: string };
type EntryBody = { value: unknown; ttl?: number | string; grace?: number | string; tags?: string[] };

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) throw new StrataError(ErrorCode.INVALID_OPTION, `limits.${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return value;
}

function loadAssets(): Map<string, { body: Buffer; type: string }> {
  const assets = new Map<string, { body: Buffer; type: string }>();
  for (const file of ['index.html', 'dashboard.js', 'dashboard.css']) {
    const ext = file.slice(file.lastIndexOf('.') + 1);
    assets.set(file, { body: readFileSync(new URL(file, ASSETS)), type: ASSET_TYPES[ext] as string });
  }
  return assets;
}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The sidecar HTTP server of a Strata cache: REST API under `/v1`, `/metrics`, health checks, the OpenAPI document
 * and the dashboard. Refuses (INVALID_OPTION) to serve a non-loopback address without a token.
 */
export function createServer(options: ServerOptions): StrataServer {
  const { cache } = options;
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8080;
  if (!isLoopback(host) && (options.token === undefined || options.token.length === 0)) {
    throw new StrataError(ErrorCode.INVALID_OPTION, `refusing to listen on ${host} without a token: anyone on the network could read and change the cache. Set a token (--token or STRATA_TOKEN) or bind to 127.0.0.1`);
  }
  if (options.token !== undefined && options.token.length < 16) {
    throw new StrataError(ErrorCode.INVALID_OPTION, 'the token must be at least 16 characters (e.g. openssl rand -hex 24)');
  }
  const raw = options.limits ?? {};
  const limits: Required<ServerLimits> = {
    bodyLimit: positive('bodyLimit', raw.bodyLimit, DEFAULT_LIMITS.bodyLimit),
    maxKeyBytes: positive('maxKeyBytes', raw.maxKeyBytes, DEFAULT_LIMITS.maxKeyBytes),
    maxBatch: positive('maxBatch', raw.maxBatch, DEFAULT_LIMITS.maxBatch),
    maxTags: positive('maxTags', raw.maxTags, DEFAULT_LIMITS.maxTags),
  };
  const allowed = options.namespaces === undefined ? undefined : new Set(options.namespaces);
  const metrics = options.metrics ?? new StrataMetrics(cache);
  const redis = new RedisReporter(cache, options.monitor);
  const assets = loadAssets();
  const s = schemas(limits);
  const routes: DescribedRoute[] = [];
  let requests = 0;
  let ready: Promise<boolean> | undefined;

  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: limits.bodyLimit,
    // Keys are URL path segments: a long key must reach the schema check (400), not the router's limit (414).
    routerOptions: { maxParamLength: limits.maxKeyBytes * 3 + 16 },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false, allowUnionTypes: true } },
    // A request that reaches a draining server (its connection was accepted before the port closed) is served: the cache
    // closes only once every request has finished, so a 503 here would fail it for nothing (test/rollingRestart.test.ts).
    return503OnClosing: false,
    // One line per request at info level would drown the log of a busy sidecar; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.setErrorHandler(handleError);
  // Only JSON bodies: a text/plain body would otherwise reach the schema as a string.
  app.removeContentTypeParser('text/plain');
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(errorBody(HttpErrorCode.NOT_FOUND, `no route ${request.method} ${request.url.split('?')[0]} (see /openapi.json)`));
  });
  app.addHook('onRoute', (route) => {
    routes.push(...describe(route));
  });
  app.addHook('onResponse', async (request, reply) => {
    requests++;
    metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime);
  });
  const auth = options.token === undefined ? undefined : bearerAuth(options.token);
  const guarded = auth === undefined ? {} : { onRequest: auth };
  const config = (summary: string, success: DescribedRoute['success'] = { status: 200, contentType: 'application/json' }, isGuarded = true) => ({
    summary,
    success,
    auth: isGuarded && auth !== undefined,
  });
  const noContent = { status: 204, contentType: undefined };

  const namespaceOf = (name: string): Strata => {
    if (allowed !== undefined && !allowed.has(name)) throw new HttpError(404, HttpErrorCode.NOT_FOUND, `unknown namespace '${name}': this server serves ${[...allowed].join(', ')}`);
    return cache.namespace(name);
  };
  const checkKey = (key: string): void => {
    if (Buffer.byteLength(key) > limits.maxKeyBytes) throw new StrataError(ErrorCode.INVALID_KEY, `key is ${Buffer.byteLength(key)} bytes, over the server's limit of ${limits.maxKeyBytes}; hash long keys`);
  };
  const entryOptions = (body: EntryBody, className: string | undefined) => ({ class: className, ttl: body.ttl, grace: body.grace, tags: body.tags });

  app.get<{ Params: Params; Querystring: ClassQuery }>('/v1/ns/:namespace/keys/:key', { schema: { params: s.keyParams, querystring: s.classQuery }, config: config('Read a value'), ...guarded }, async (request) => {
    const { namespace, key } = request.params;
    checkKey(key);
    const value = await namespaceOf(namespace).get(key, { class: request.query.class });
    if (value === undefined) throw new HttpError(404, HttpErrorCode.NOT_FOUND, `no fresh value for '${key}' in namespace '${namespace}'`);
    return { key, value };
  });

  app.put<{ Params: Params; Querystring: ClassQuery; Body: EntryBody }>('/v1/ns/:namespace/keys/:key', { schema: { params: s.keyParams, querystring: s.classQuery, body: s.setBody }, config: config('Store a value', noContent), ...guarded }, async (request, reply) => {
    const { namespace, key } = request.params;
    checkKey(key);
    await namespaceOf(namespace).set(key, request.body.value, entryOptions(request.body, request.query.class));
    reply.code(204);
  });

  app.delete<{ Params: Params; Querystring: ClassQuery }>('/v1/ns/:namespace/keys/:key', { schema: { params: s.keyParams, querystring: s.classQuery }, config: config('Delete a key from every tier', noContent), ...guarded }, async (request, reply) => {
    const { namespace, key } = request.params;
    checkKey(key);
    await namespaceOf(namespace).delete(key, { class: request.query.class });
    reply.code(204);
  });

  app.post<{ Params: { namespace: string }; Querystring: ClassQuery; Body: { keys: string[] } }>('/v1/ns/:namespace/get', { schema: { params: s.namespaceParams, querystring: s.classQuery, body: s.getManyBody }, config: config('Read many values'), ...guarded }, async (request) => {
    const { keys } = request.body;
    keys.forEach(checkKey);
    const values = await namespaceOf(request.params.namespace).getMany(keys, { class: request.query.class });
    return { items: keys.map((key, i) => (values[i] === undefined ? { key, found: false } : { key, found: true, value: values[i] })) };
  });

  app.post<{ Params: { namespace: string }; Querystring: ClassQuery; Body: { items: Array<EntryBody & { key: string }> } }>('/v1/ns/:namespace/set', { schema: { params: s.namespaceParams, querystring: s.classQuery, body: s.setManyBody }, config: config('Store many values (all are validated before any is written)', noContent), ...guarded }, async (request, reply) => {
    const items = request.body.items.map((item) => {
      checkKey(item.key);
      return { key: item.key, value: item.value, ttl: item.ttl, grace: item.grace, tags: item.tags };
    });
    await namespaceOf(request.params.namespace).setMany(items, { class: request.query.class });
    reply.code(204);
  });

  app.post<{ Params: { namespace: string }; Querystring: ClassQuery; Body: { keys?: string[]; pattern?: string } }>('/v1/ns/:namespace/invalidate', { schema: { params: s.namespaceParams, querystring: s.classQuery, body: s.invalidateBody }, config: config('Delete keys and/or the keys matching a glob pattern'), ...guarded }, async (request) => {
    const ns = namespaceOf(request.params.namespace);
    const { keys, pattern } = request.body;
    keys?.forEach(checkKey);
    if (keys !== undefined) await ns.deleteMany(keys, { class: request.query.class });
    if (pattern !== undefined) await ns.deletePattern(pattern, { class: request.query.class });
    return { keys: keys?.length ?? 0, pattern: pattern ?? null };
  });

  app.post<{ Body: { tags: string[] } }>('/v1/invalidate/tags', { schema: { body: s.tagsBody }, config: config('Invalidate every entry carrying one of the tags, in every namespace', noContent), ...guarded }, async (request, reply) => {
    await cache.invalidateTags(request.body.tags);
    reply.code(204);
  });

  app.delete<{ Params: { namespace: string } }>('/v1/ns/:namespace', { schema: { params: s.namespaceParams }, config: config('Empty a namespace in every tier', noContent), ...guarded }, async (request, reply) => {
    await namespaceOf(request.params.namespace).clear();
    reply.code(204);
  });

  app.get<{ Params: { namespace: string } }>('/v1/ns/:namespace/stats', { schema: { params: s.namespaceParams }, config: config('Counters of one namespace'), ...guarded }, async (request) => namespaceOf(request.params.namespace).stats());

  app.get('/v1/stats', { config: config('Counters of every namespace, and of the tiers'), ...guarded }, async () => {
    const { l2, l3 } = cache.tiers();
    const tierStats = (tier: unknown) => (tier as { stats?: () => unknown } | undefined)?.stats?.() ?? null;
    return {
      namespaces: Object.fromEntries(cache.namespaces().map((name) => [name, cache.namespace(name).stats()])),
      tiers: { l1: cache.stats().l1 ?? null, l2: tierStats(l2), l3: tierStats(l3) },
    };
  });

  app.post<{ Body: { top?: number; namespaces?: string[] } }>('/v1/warm', { schema: { body: s.warmBody }, config: config('Prefetch the hot keys every instance publishes into this server\'s L1; streams one JSON line per batch ({ progress }), then { report } (or { error })', { status: 200, contentType: 'application/x-ndjson' }), ...guarded }, async (request, reply) => {
    const { top, namespaces } = request.body ?? {};
    namespaces?.forEach((n) => namespaceOf(n));
    const lines = new PassThrough();
    // warm() checks its preconditions before any I/O: a server without Redis gets a 4xx here, not a broken stream.
    const warming = cache.warm({ top, namespaces: namespaces ?? '*', onProgress: (progress) => lines.write(`${JSON.stringify({ progress })}\n`) });
    warming.then(
      (report) => lines.end(`${JSON.stringify({ report })}\n`),
      (error: unknown) => lines.end(`${JSON.stringify({ error: { code: error instanceof StrataError ? error.code : 'INTERNAL', message: error instanceof Error ? error.message : String(error) } })}\n`),
    );
    return reply.type('application/x-ndjson').send(lines);
  });

  app.get('/v1/redis', { config: config('Redis (L2) cluster health: nodes, roles, replication lag, memory forecast'), ...guarded }, async () => redis.report());

  app.get('/v1/dashboard', { config: config('Everything the dashboard shows, in one poll'), ...guarded }, async () => dashboardData(cache, metrics, redis, options.semantic !== undefined, requests));

  if (options.semantic !== undefined) {
    const semantic = options.semantic;
    type SemanticBody = { query: string; tenant?: string; context?: Record<string, string>; value?: unknown; ttl?: number | string; tags?: string[] };
    app.post<{ Params: { namespace: string }; Body: SemanticBody }>('/v1/semantic/:namespace/lookup', { schema: { params: s.namespaceParams, body: s.semanticLookupBody }, config: config('Find the cached answer to a question asked in other words'), ...guarded }, async (request) => {
      namespaceOf(request.params.namespace);
      return semantic.lookup({ ...request.body, namespace: request.params.namespace });
    });
    app.post<{ Params: { namespace: string }; Body: SemanticBody }>('/v1/semantic/:namespace/store', { schema: { params: s.namespaceParams, body: s.semanticStoreBody }, config: config('Store an answer for semantic lookups', noContent), ...guarded }, async (request, reply) => {
      namespaceOf(request.params.namespace);
      await semantic.store({ ...request.body, namespace: request.params.namespace, value: request.body.value });
      reply.code(204);
    });
  }

  app.get('/metrics', { config: config('Prometheus metrics', { status: 200, contentType: 'text/plain' }), ...guarded }, async (_request, reply) => {
    reply.type(metrics.contentType);
    return metrics.metrics();
  });

  app.get('/health/live', { config: config('Liveness: the process answers', undefined, false) }, async () => ({ status: 'ok' }));

  const isReady = async (): Promise<boolean> => {
    const warmUp = (cache as unknown as { ready?: () => Promise<unknown> }).ready;
    if (typeof warmUp === 'function') {
      ready ??= warmUp.call(cache).then(
        () => true,
        () => false,
      );
      // A probe answers at once: while the warm-up runs, the instance is simply not ready yet.
      const state = await Promise.race([ready, new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending')))]);
      if (state === 'pending') return false;
      if (!state) {
        ready = undefined;
        return false;
      }
    }
    const { l2 } = cache.tiers();
    if (l2 === undefined) return true;
    try {
      await withTimeout(l2.get(READY_PROBE_KEY), READY_TIMEOUT_MS, 'the L2 readiness probe');
      return l2.isHealthy();
    } catch {
      return false;
    }
  };
  app.get('/health/ready', { config: config('Readiness: warmed up and, with L2, Redis reachable (503 otherwise)', undefined, false) }, async (_request: FastifyRequest, reply: FastifyReply) => {
    const ok = await isReady();
    if (!ok) return reply.code(503).send(errorBody(HttpErrorCode.UNAVAILABLE, cache.tiers().l2 === undefined ? 'the cache is still warming up' : 'Redis (L2) is not reachable or the cache is still warming up'));
    return { status: 'ready' };
  });

  app.get('/openapi.json', { config: config('This document', undefined, false) }, async () => openApiDocument(routes, VERSION));

  const sendAsset = (reply: FastifyReply, file: string) => {
    const asset = assets.get(file);
    if (asset === undefined) throw new HttpError(404, HttpErrorCode.NOT_FOUND, `no asset ${file}`);
    return reply.type(asset.type).header('cache-control', 'no-cache').send(asset.body);
  };
  app.get('/', { config: config('The dashboard', { status: 200, contentType: 'text/html' }, false) }, async (_request, reply) => sendAsset(reply, 'index.html'));
  app.get<{ Params: { file: string } }>('/assets/:file', { schema: { params: s.assetParams }, config: config('Dashboard script and style', { status: 200, contentType: 'text/javascript' }, false) }, async (request, reply) => sendAsset(reply, request.params.file));

  app.addHook('onClose', async () => {
    metrics.close();
  });
  let draining = false;
  app.addHook('onRequest', async (request, reply) => {
    if (draining && request.url === '/health/ready') await reply.code(503).send({ status: 'draining' });
  });

  return {
    app,
    metrics,
    async listen() {
      return app.listen({ host, port });
    },
    async close() {
      await app.close();
    },
    drain() {
      draining = true;
    },
  };
}
