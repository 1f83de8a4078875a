import type { Duration, SemanticCache, Strata } from '../index.js';

/** What the LLM framework adapters (LangChain, AI SDK) share: where answers go and how they are matched. */
export interface LlmCacheOptions {
  /** Where answers are stored; a `SemanticCache` only points at keys of this cache. */
  cache: Strata;
  /** The data class of the answers (default `llm_responses`). */
  class?: string;
  /** Time to live of an answer; default: the class's TTL. */
  ttl?: Duration;
  /** Tags stored with every answer, so `invalidateTags` can drop them (e.g. the corpus version). */
  tags?: readonly string[];
  /** Enables lookups of questions asked in other words; without it only the exact prompt hits. */
  semantic?: SemanticCache<string>;
  /** The tenant of the semantic partition; tenants never share answers (default `default`). */
  tenant?: string;
}
