import { BaseCache, deserializeStoredGeneration, serializeGeneration } from '@langchain/core/caches';
import type { Generation } from '@langchain/core/outputs';
import type { StoredGeneration } from '@langchain/core/messages';
import type { Strata } from '../core/strata.js';
import type { Duration } from '../config/duration.js';
import type { LlmCacheOptions } from './llmCacheOptions.js';
import type { SemanticCache, SemanticScope } from '../semantic/semanticCache.js';
import { ErrorCode, StrataError } from '../errors.js';

export type LangChainCacheOptions = LlmCacheOptions;

/** How `getBufferString` writes out a chat model's messages: one `Role: text` turn after another. */
const HUMAN_TURN = '\nHuman: ';
/** A turn of another speaker: when one follows the last human turn, the prompt does not end with a question. */
const LATER_TURN = /\n(AI|System|Function|Tool): /;

/** Splits a chat prompt into its last human turn (the question) and the conversation before it. */
function splitPrompt(prompt: string): { question: string; history: string } {
  const text = `\n${prompt}`;
  const at = text.lastIndexOf(HUMAN_TURN);
  const question = at < 0 ? '' : text.slice(at + HUMAN_TURN.length);
  if (at < 0 || LATER_TURN.test(question)) return { question: prompt, history: '' };
  return { question, history: text.slice(1, at) };
}

/**
 * A LangChain.js cache on Strata: `new ChatOpenAI({ cache: new StrataLangChainCache({ cache: strata }) })`.
 * Exact lookups use a hash of the `llmKey` (model and parameters) and the prompt; with `semantic`, a prompt asked in
 * other words is found in the partition of its `llmKey` and of the conversation before its last human turn, so one
 * model's or one conversation's answer is never served for another's.
 */
export class StrataLangChainCache extends BaseCache<Generation[]> {
  private readonly cache: Strata;
  private readonly semantic: SemanticCache<string> | undefined;
  private readonly tenant: string;
  private readonly setOptions: { class: string; ttl?: Duration; tags?: readonly string[] };

  constructor(options: LangChainCacheOptions) {
    super();
    if (options === null || typeof options !== 'object' || options.cache === undefined) {
      throw new StrataError(ErrorCode.INVALID_OPTION, 'StrataLangChainCache needs { cache: createStrata(...) }');
    }
    this.cache = options.cache;
    this.semantic = options.semantic;
    this.tenant = options.tenant ?? 'default';
    this.setOptions = { class: options.class ?? 'llm_responses' };
    if (options.ttl !== undefined) this.setOptions.ttl = options.ttl;
    if (options.tags !== undefined) this.setOptions.tags = options.tags;
  }

  async lookup(prompt: string, llmKey: string): Promise<Generation[] | null> {
    const exact = await this.read(this.keyOf(prompt, llmKey));
    if (exact !== null || this.semantic === undefined) return exact;
    const { scope, question } = this.scopeOf(prompt, llmKey);
    const found = await this.semantic.lookup(scope, question);
    return found.hit && found.value !== undefined ? this.read(found.value) : null;
  }

  async update(prompt: string, llmKey: string, generations: Generation[]): Promise<void> {
    const key = this.keyOf(prompt, llmKey);
    await this.cache.set(key, generations.map(serializeGeneration), this.setOptions);
    if (this.semantic !== undefined) {
      const { scope, question } = this.scopeOf(prompt, llmKey);
      await this.semantic.set(scope, question, key, this.setOptions.tags === undefined ? {} : { tags: this.setOptions.tags });
    }
  }

  private keyOf(prompt: string, llmKey: string): string {
    return `lc:${this.keyEncoder(prompt, llmKey)}`;
  }

  private async read(key: string): Promise<Generation[] | null> {
    const stored = await this.cache.get<StoredGeneration[]>(key, { class: this.setOptions.class });
    return stored === undefined ? null : stored.map(deserializeStoredGeneration);
  }

  private scopeOf(prompt: string, llmKey: string): { scope: SemanticScope; question: string } {
    const { question, history } = splitPrompt(prompt);
    return { scope: { namespace: this.cache.name, tenant: this.tenant, systemPrompt: history, generationParams: { llmKey } }, question };
  }
}
