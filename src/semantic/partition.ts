import { createHash } from 'node:crypto';
import { ErrorCode, StrataError } from '../errors.js';

/** What an answer depends on besides the question: two lookups share cached answers only if all of it is equal. */
export interface PartitionContext {
  /** The cache namespace (an application or a service). */
  namespace: string;
  /** The tenant; tenants never share a partition, so one never sees another's answers. */
  tenant: string;
  /** The embedder id; vectors of two models are not comparable. */
  model: string;
  /** The system prompt the answer was generated under. */
  systemPrompt?: string;
  /** Generation parameters (model name, temperature…); key order does not matter. */
  generationParams?: Readonly<Record<string, unknown>>;
  /** Ids of the documents retrieved for the answer, where the answer must only be reused with the same sources. */
  documentIds?: readonly string[];
}

/** A partition key: readable prefix (namespace, tenant, model) plus a hash of the context signature. */
export function partitionKey(context: PartitionContext): string {
  for (const field of ['namespace', 'tenant', 'model'] as const) {
    const value = context[field];
    if (typeof value !== 'string' || value === '') {
      throw new StrataError(ErrorCode.INVALID_OPTION, `a semantic partition needs a non-empty ${field}`);
    }
  }
  return [context.namespace, context.tenant, context.model, contextSignature(context)].map(encodeURIComponent).join('|');
}

/** A hash of the system prompt, the generation parameters and the retrieved document ids (sorted). */
export function contextSignature(context: Omit<PartitionContext, 'namespace' | 'tenant' | 'model'>): string {
  const canonical = JSON.stringify([
    context.systemPrompt ?? null,
    context.generationParams === undefined ? null : sortKeys(context.generationParams),
    context.documentIds === undefined ? null : [...context.documentIds].sort(),
  ]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 22);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
