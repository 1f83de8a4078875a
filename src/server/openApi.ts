import type { RouteOptions } from 'fastify';

/** What the OpenAPI document needs of a route, captured by the app's onRoute hook. */
export interface DescribedRoute {
  method: string;
  url: string;
  summary: string;
  schema: { params?: unknown; querystring?: unknown; body?: unknown } | undefined;
  /** Success status and what it carries. */
  success: { status: number; contentType: string | undefined };
  auth: boolean;
}

const ERROR = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } },
};

function parametersOf(route: DescribedRoute): unknown[] {
  const out: unknown[] = [];
  for (const [where, schema] of [['path', route.schema?.params], ['query', route.schema?.querystring]] as const) {
    const properties = (schema as { properties?: Record<string, unknown>; required?: string[] } | undefined)?.properties ?? {};
    const required = (schema as { required?: string[] } | undefined)?.required ?? [];
    for (const [name, property] of Object.entries(properties)) {
      out.push({ name, in: where, required: where === 'path' || required.includes(name), schema: property });
    }
  }
  return out;
}

/** `/v1/ns/:namespace` → `/v1/ns/{namespace}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** The OpenAPI 3.1 document of the routes the server registered (so it cannot drift from them). */
export function openApiDocument(routes: readonly DescribedRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const operation: Record<string, unknown> = {
      summary: route.summary,
      parameters: parametersOf(route),
      responses: {
        [String(route.success.status)]:
          route.success.contentType === undefined ? { description: 'done' } : { description: 'success', content: { [route.success.contentType]: {} } },
        '4XX': { description: 'bad request, unauthorized, not found or too large', content: { 'application/json': { schema: ERROR } } },
        '5XX': { description: 'a tier failed or the server is shutting down', content: { 'application/json': { schema: ERROR } } },
      },
    };
    if (route.schema?.body !== undefined) operation.requestBody = { required: true, content: { 'application/json': { schema: route.schema.body } } };
    if (route.auth) operation.security = [{ bearer: [] }];
    (paths[openApiPath(route.url)] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Strata sidecar', version, description: 'REST API of a Strata cache: values, invalidation, stats, Redis health, metrics.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}

/** The route's config as the server declares it (Fastify keeps `config` on the route). */
export function describe(options: RouteOptions): DescribedRoute[] {
  const config = (options.config ?? {}) as { summary?: string; success?: DescribedRoute['success']; auth?: boolean };
  const methods = (Array.isArray(options.method) ? options.method : [options.method]).filter((m) => m !== 'HEAD');
  return methods.map((method) => ({
    method,
    url: options.url,
    summary: config.summary ?? '',
    schema: options.schema as DescribedRoute['schema'],
    success: config.success ?? { status: 200, contentType: 'application/json' },
    auth: config.auth ?? false,
  }));
}
