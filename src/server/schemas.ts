/** JSON schemas of the routes, built from the server's limits. */

/** Namespace and class names as the cache accepts them (they are parts of Redis keys). */
export const NAME_PATTERN = '^[A-Za-z0-9_.-]{1,64}$';

const name = { type: 'string', pattern: NAME_PATTERN } as const;
const duration = { description: 'milliseconds, or a duration string such as "30s", "10m", "1h"', type: ['number', 'string'] } as const;
const tag = { type: 'string', minLength: 1, maxLength: 256 } as const;

export interface SchemaLimits {
  maxKeyBytes: number;
  maxBatch: number;
  maxTags: number;
}

export function schemas(limits: SchemaLimits) {
  const key = { type: 'string', minLength: 1, maxLength: limits.maxKeyBytes } as const;
  const tags = { type: 'array', items: tag, maxItems: limits.maxTags } as const;
  const keys = { type: 'array', items: key, minItems: 1, maxItems: limits.maxBatch } as const;
  const entryOptions = { ttl: duration, grace: duration, tags };
  return {
    namespaceParams: { type: 'object', required: ['namespace'], additionalProperties: false, properties: { namespace: name } },
    keyParams: { type: 'object', required: ['namespace', 'key'], additionalProperties: false, properties: { namespace: name, key } },
    classQuery: { type: 'object', additionalProperties: false, properties: { class: { ...name, description: 'data class; default: the cache\'s default class' } } },
    setBody: {
      type: 'object',
      required: ['value'],
      additionalProperties: false,
      properties: { value: { description: 'any JSON value' }, ...entryOptions },
    },
    getManyBody: { type: 'object', required: ['keys'], additionalProperties: false, properties: { keys } },
    setManyBody: {
      type: 'object',
      required: ['items'],
      additionalProperties: false,
      properties: {
        items: {
          type: 'array',
          minItems: 1,
          maxItems: limits.maxBatch,
          items: { type: 'object', required: ['key', 'value'], additionalProperties: false, properties: { key, value: { description: 'any JSON value' }, ...entryOptions } },
        },
      },
    },
    invalidateBody: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: { keys, pattern: { type: 'string', minLength: 1, maxLength: limits.maxKeyBytes, description: 'glob: *, ?, [...]' } },
    },
    tagsBody: { type: 'object', required: ['tags'], additionalProperties: false, properties: { tags: { ...tags, minItems: 1 } } },
    semanticLookupBody: {
      type: 'object',
      required: ['query'],
      additionalProperties: false,
      properties: {
        query: { type: 'string', minLength: 1, maxLength: 16384 },
        tenant: { type: 'string', minLength: 1, maxLength: 256 },
        context: { type: 'object', additionalProperties: { type: 'string', maxLength: 1024 }, maxProperties: 32 },
      },
    },
    semanticStoreBody: {
      type: 'object',
      required: ['query', 'value'],
      additionalProperties: false,
      properties: {
        query: { type: 'string', minLength: 1, maxLength: 16384 },
        tenant: { type: 'string', minLength: 1, maxLength: 256 },
        context: { type: 'object', additionalProperties: { type: 'string', maxLength: 1024 }, maxProperties: 32 },
        value: { description: 'any JSON value' },
        ttl: duration,
        tags,
      },
    },
    warmBody: {
      type: 'object',
      additionalProperties: false,
      properties: {
        top: { type: 'integer', minimum: 1, maximum: 1_000_000, description: 'most hot keys prefetched (default 1000)' },
        namespaces: { type: 'array', items: name, minItems: 1, maxItems: 256, description: 'default: every namespace with published hot keys' },
      },
    },
    assetParams: { type: 'object', required: ['file'], additionalProperties: false, properties: { file: { type: 'string', pattern: '^[a-z]+\\.(js|css)$' } } },
  };
}
