import { ErrorCode, StrataError } from '../errors.js';
import { interactionFeatures, pairFeatures, questionTypesConflict, setsDiffer, type PairVectors } from './pairFeatures.js';
import type { QuestionSignals } from './questionSignals.js';
import type { Strategy } from './strategies.js';
import { modelMatchesFeatures, scorePair, type VerifierModel } from './verifierModel.js';

/** The verdict on one (query, candidate) pair. */
export interface Decision {
  hit: boolean;
  /** Cosine similarity of the two embeddings. */
  similarity: number;
  /** The value compared with the threshold: the learned model's probability, or the cosine without a model. */
  score: number;
  /** Why: `hit`, or the guard or threshold that refused it. */
  reason: string;
  /** True when a guard refused the pair (whatever its score). */
  vetoed: boolean;
}

/**
 * Decides whether a cached question may answer a new one: hard guards first (each can only veto), then the score
 * threshold. The learned model, when one exists for the embedder, turns lexical and semantic features into a score.
 */
export class Verifier {
  readonly strategy: Strategy;
  private readonly model: VerifierModel | undefined;
  private readonly threshold: number;

  constructor(strategy: Strategy, model?: VerifierModel, thresholdOverride?: number) {
    this.strategy = strategy;
    this.model = model !== undefined && modelMatchesFeatures(model) ? model : undefined;
    const learned = this.model?.thresholds[strategy.learnedThresholdKey];
    this.threshold = thresholdOverride ?? (this.model !== undefined && learned !== undefined ? learned : strategy.cosineThreshold);
  }

  /** True when a learned model scores pairs (otherwise the score is the cosine). */
  get learned(): boolean {
    return this.model !== undefined;
  }

  /** The score without guards or threshold: what the evaluation sweeps. `vectors` are needed by a learned model. */
  score(query: QuestionSignals, candidate: QuestionSignals, similarity: number, vectors?: PairVectors): number {
    if (this.model === undefined) return similarity;
    const features = pairFeatures(query, candidate, similarity);
    if (this.model.interactionDimensions > 0) {
      if (vectors === undefined || vectors.query.length !== this.model.interactionDimensions) {
        throw new StrataError(ErrorCode.INVALID_OPTION, `the learned verifier needs both ${this.model.interactionDimensions}-dimensional embeddings of the pair`);
      }
      features.push(...interactionFeatures(vectors));
    }
    return scorePair(this.model, features);
  }

  /** The first guard that vetoes the pair, or undefined when all pass. */
  guard(query: QuestionSignals, candidate: QuestionSignals, similarity: number): string | undefined {
    const s = this.strategy;
    if (similarity < s.minCosine) return `similarity ${similarity.toFixed(3)} below ${s.minCosine}`;
    if (s.numbersMustMatch && setsDiffer(query.numbers, candidate.numbers)) return 'numbers differ';
    if (s.codesMustMatch && setsDiffer(query.codes, candidate.codes)) return 'product codes differ';
    if (s.negationMustMatch && query.negated !== candidate.negated) return 'negation differs';
    if (s.questionType !== 'off' && questionTypesConflict(query.questionType, candidate.questionType, s.questionType === 'strict')) {
      return `question type differs (${query.questionType} vs ${candidate.questionType})`;
    }
    if (s.attributesMustMatch && setsDiffer(query.attributes, candidate.attributes)) {
      return `asked attribute differs (${describe(query.attributes)} vs ${describe(candidate.attributes)})`;
    }
    if (s.languageMustMatch && query.language !== candidate.language) return `language differs (${query.language} vs ${candidate.language})`;
    if (s.minLengthRatio > 0) {
      const a = query.tokens.length;
      const b = candidate.tokens.length;
      if (Math.min(a, b) < s.minLengthRatio * Math.max(a, b)) return 'lengths differ too much';
    }
    return undefined;
  }

  decide(query: QuestionSignals, candidate: QuestionSignals, similarity: number, vectors?: PairVectors): Decision {
    // The same words after normalisation are the same question, whatever a model trained on paraphrases thinks.
    if (query.text === candidate.text) return { hit: true, similarity, score: 1, reason: 'same question', vetoed: false };
    // Same attributes of the same codes with nothing else asked: the wording around them does not change the answer.
    if (this.strategy.canonicalMatch && query.canonical !== undefined && query.canonical === candidate.canonical) {
      return { hit: true, similarity, score: 1, reason: 'same canonical question', vetoed: false };
    }
    const vetoed = this.guard(query, candidate, similarity);
    const score = this.score(query, candidate, similarity, vectors);
    if (vetoed !== undefined) return { hit: false, similarity, score, reason: vetoed, vetoed: true };
    if (score < this.threshold) {
      const what = this.model === undefined ? 'similarity' : 'verifier score';
      return { hit: false, similarity, score, reason: `${what} ${score.toFixed(3)} below ${this.threshold.toFixed(3)}`, vetoed: false };
    }
    return { hit: true, similarity, score, reason: 'hit', vetoed: false };
  }
}

function describe(attributes: ReadonlySet<string>): string {
  return attributes.size === 0 ? 'none' : [...attributes].sort().join('+');
}
