/**
 * What the server needs from the semantic layer to offer `/v1/semantic/*`. The routes exist only when a handler is
 * passed to `createServer`; the semantic cache itself lives elsewhere.
 */
export interface SemanticHandler {
  /** The cached answer to a question asked in other words, or a miss with the best candidate's similarity. */
  lookup(request: SemanticLookupRequest): Promise<SemanticLookupResult>;
  /** Stores an answer so that later paraphrases of the question find it. */
  store(request: SemanticStoreRequest): Promise<void>;
}

export interface SemanticLookupRequest {
  namespace: string;
  /** The question (or prompt) as the user wrote it. */
  query: string;
  /** Tenants never share answers. */
  tenant?: string;
  /** Anything else that must match for an answer to be reused (model, system prompt version…). */
  context?: Record<string, string>;
}

export interface SemanticLookupResult {
  hit: boolean;
  /** The stored answer, on a hit. */
  value?: unknown;
  /** Similarity of the best candidate, when there was one. */
  similarity?: number;
  /** The stored question that matched, on a hit. */
  matchedQuery?: string;
}

export interface SemanticStoreRequest extends SemanticLookupRequest {
  value: unknown;
  /** Time to live, in ms or as a duration string (`'30m'`). */
  ttl?: number | string;
  tags?: string[];
}
