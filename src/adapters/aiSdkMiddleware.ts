import { createHash } from 'node:crypto';
import type { LanguageModelMiddleware } from 'ai';
import type { LlmCacheOptions } from './llmCacheOptions.js';
import { ErrorCode, StrataError } from '../errors.js';
import type { SemanticScope } from '../semantic/semanticCache.js';

type WrapGenerate = NonNullable<LanguageModelMiddleware['wrapGenerate']>;
type WrapStream = NonNullable<LanguageModelMiddleware['wrapStream']>;
type CallParams = Parameters<WrapGenerate>[0]['params'];
type Model = Parameters<WrapGenerate>[0]['model'];
type Message = CallParams['prompt'][number];
type GenerateResult = Awaited<ReturnType<WrapGenerate>>;
type StreamResult = Awaited<ReturnType<WrapStream>>;
type StreamPart = StreamResult['stream'] extends ReadableStream<infer P> ? P : never;
type Content = GenerateResult['content'][number];

/** What is stored per answer: the generate result without its HTTP details, or the parts of a finished stream. */
type CachedAnswer = { kind: 'generate'; result: GenerateResult } | { kind: 'stream'; parts: StreamPart[] };

export interface AiSdkCacheOptions extends LlmCacheOptions {
  /**
   * Whether a question can be answered without the conversation before it; when it cannot, the earlier messages are
   * part of the semantic partition. Default: it stands alone unless it refers back ("it", "that", "what about…").
   */
  standsAlone?: (question: string) => boolean;
  /** Told when storing an answer failed (too large, not serializable); the answer is returned all the same. */
  onStoreError?: (error: unknown) => void;
}

/** Words and openings by which a question leans on what was said before it. */
const REFERS_BACK = /\b(it|its|this|that|these|those|they|them|their|he|she|him|her|there|above|previous|same|else|again|one)\b|^\s*(and|but|so|also|what about|how about)\b/i;

function referencesNothingBefore(question: string): boolean {
  return !REFERS_BACK.test(question);
}

/** JSON with object keys sorted, so equal requests hash equally whatever order their fields were built in. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

/** The call settings that shape an answer: everything but the prompt and the transport details. */
function settingsOf(model: Model, params: CallParams): Record<string, unknown> {
  const { prompt: _prompt, abortSignal: _abortSignal, headers: _headers, includeRawChunks: _raw, ...settings } = params;
  return { provider: model.provider, modelId: model.modelId, ...settings };
}

function lastUserQuestion(prompt: readonly Message[]): string | undefined {
  const last = prompt.at(-1);
  if (last === undefined || last.role !== 'user' || last.content.some((part) => part.type !== 'text')) return undefined;
  return last.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
}

function storable(result: GenerateResult): GenerateResult {
  const { request: _request, response, ...rest } = result;
  return response === undefined ? rest : { ...rest, response: { id: response.id, modelId: response.modelId, timestamp: response.timestamp } };
}

function markedCached<T extends { providerMetadata?: GenerateResult['providerMetadata'] }>(value: T): T {
  return { ...value, providerMetadata: { ...value.providerMetadata, strata: { cache: 'hit' } } };
}

/** A cached stream's parts, or a generate result written out as the parts a provider would have streamed. */
function partsOf(answer: CachedAnswer): StreamPart[] {
  if (answer.kind === 'stream') return answer.parts;
  const { result } = answer;
  const parts: StreamPart[] = [{ type: 'stream-start', warnings: result.warnings }];
  if (result.response !== undefined) parts.push({ type: 'response-metadata', id: result.response.id, modelId: result.response.modelId, timestamp: result.response.timestamp });
  result.content.forEach((content, i) => {
    const id = String(i);
    if (content.type === 'text') parts.push({ type: 'text-start', id }, { type: 'text-delta', id, delta: content.text }, { type: 'text-end', id });
    else if (content.type === 'reasoning') parts.push({ type: 'reasoning-start', id }, { type: 'reasoning-delta', id, delta: content.text }, { type: 'reasoning-end', id });
    else parts.push(content);
  });
  const finish: StreamPart = { type: 'finish', usage: result.usage, finishReason: result.finishReason };
  if (result.providerMetadata !== undefined) finish.providerMetadata = result.providerMetadata;
  parts.push(finish);
  return parts;
}

/** A cached generate result, or the result a recorded stream adds up to. */
function resultOf(answer: CachedAnswer): GenerateResult | undefined {
  if (answer.kind === 'generate') return answer.result;
  const content: Content[] = [];
  const open = new Map<string, Content & { text: string }>();
  let result: GenerateResult | undefined;
  let warnings: GenerateResult['warnings'] = [];
  let response: GenerateResult['response'];
  for (const part of answer.parts) {
    switch (part.type) {
      case 'stream-start':
        warnings = part.warnings;
        break;
      case 'response-metadata':
        response = { id: part.id, modelId: part.modelId, timestamp: part.timestamp };
        break;
      case 'text-start':
      case 'reasoning-start': {
        const block = { type: part.type === 'text-start' ? 'text' : 'reasoning', text: '' } as Content & { text: string };
        open.set(`${block.type}:${part.id}`, block);
        content.push(block);
        break;
      }
      case 'text-delta':
      case 'reasoning-delta': {
        const block = open.get(`${part.type === 'text-delta' ? 'text' : 'reasoning'}:${part.id}`);
        if (block !== undefined) block.text += part.delta;
        break;
      }
      case 'tool-call':
      case 'tool-result':
      case 'tool-approval-request':
      case 'file':
      case 'source':
      case 'custom':
      case 'reasoning-file':
        content.push(part);
        break;
      case 'finish':
        result = { content, finishReason: part.finishReason, usage: part.usage, warnings };
        if (part.providerMetadata !== undefined) result.providerMetadata = part.providerMetadata;
        if (response !== undefined) result.response = response;
        break;
      default:
        break;
    }
  }
  return result;
}

function replay(parts: readonly StreamPart[]): ReadableStream<StreamPart> {
  let next = 0;
  return new ReadableStream<StreamPart>({
    pull(controller) {
      const part = parts[next++];
      if (part === undefined) controller.close();
      else controller.enqueue(part.type === 'finish' ? markedCached(part) : part);
    },
  });
}

interface Lookup {
  key: string;
  semantic?: { scope: SemanticScope; question: string };
}

/**
 * A Vercel AI SDK middleware that answers repeated calls from Strata:
 * `wrapLanguageModel({ model, middleware: strataMiddleware({ cache }) })`. `generateText` results are stored, and
 * `streamText` replays a cached answer part by part (a live stream is recorded and stored when it finishes). Keys cover
 * the provider, the model id, every setting and the whole prompt; with `semantic`, the last user message is also looked
 * up in other words within the partition of the model, its settings, the system prompt, and the earlier conversation
 * unless the question stands alone. A cached answer's finish carries `providerMetadata.strata.cache = 'hit'`.
 */
export function strataMiddleware(options: AiSdkCacheOptions): LanguageModelMiddleware {
  if (options === null || typeof options !== 'object' || options.cache === undefined) {
    throw new StrataError(ErrorCode.INVALID_OPTION, 'strataMiddleware needs { cache: createStrata(...) }');
  }
  const { cache, semantic } = options;
  const tenant = options.tenant ?? 'default';
  const standsAlone = options.standsAlone ?? referencesNothingBefore;
  const call = { class: options.class ?? 'llm_responses' };
  const setOptions = { ...call, ...(options.ttl === undefined ? {} : { ttl: options.ttl }), ...(options.tags === undefined ? {} : { tags: options.tags }) };

  const lookupOf = (model: Model, params: CallParams): Lookup => {
    const settings = settingsOf(model, params);
    const key = `ai:${createHash('sha256').update(canonicalJson({ settings, prompt: params.prompt })).digest('base64url')}`;
    const question = semantic === undefined ? undefined : lastUserQuestion(params.prompt);
    if (question === undefined) return { key };
    const earlier = params.prompt.slice(0, -1);
    const context = standsAlone(question) ? earlier.filter((m) => m.role === 'system') : earlier;
    return { key, semantic: { scope: { namespace: cache.name, tenant, systemPrompt: canonicalJson(context), generationParams: settings }, question } };
  };

  const find = async (lookup: Lookup): Promise<CachedAnswer | undefined> => {
    const exact = await cache.get<CachedAnswer>(lookup.key, call);
    if (exact !== undefined || semantic === undefined || lookup.semantic === undefined) return exact;
    const found = await semantic.lookup(lookup.semantic.scope, lookup.semantic.question);
    return found.hit && found.value !== undefined ? cache.get<CachedAnswer>(found.value, call) : undefined;
  };

  const store = async (lookup: Lookup, answer: CachedAnswer): Promise<void> => {
    try {
      await cache.set(lookup.key, answer, setOptions);
      if (semantic !== undefined && lookup.semantic !== undefined) {
        await semantic.set(lookup.semantic.scope, lookup.semantic.question, lookup.key, options.tags === undefined ? {} : { tags: options.tags });
      }
    } catch (error) {
      options.onStoreError?.(error);
    }
  };

  return {
    specificationVersion: 'v4',

    async wrapGenerate({ doGenerate, params, model }) {
      const lookup = lookupOf(model, params);
      const cached = await find(lookup);
      const result = cached === undefined ? undefined : resultOf(cached);
      if (result !== undefined) return markedCached(result);
      const fresh = await doGenerate();
      await store(lookup, { kind: 'generate', result: storable(fresh) });
      return fresh;
    },

    async wrapStream({ doStream, params, model }) {
      const lookup = lookupOf(model, params);
      const cached = await find(lookup);
      if (cached !== undefined) return { stream: replay(partsOf(cached)) };
      const { stream, ...rest } = await doStream();
      const parts: StreamPart[] = [];
      let failed = false;
      const recorder = new TransformStream<StreamPart, StreamPart>({
        transform(part, controller) {
          if (part.type === 'error') failed = true;
          else if (part.type !== 'raw') parts.push(part);
          controller.enqueue(part);
        },
        async flush() {
          if (!failed && parts.some((p) => p.type === 'finish')) await store(lookup, { kind: 'stream', parts });
        },
      });
      return { ...rest, stream: stream.pipeThrough(recorder) };
    },
  };
}
