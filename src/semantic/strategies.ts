import { ErrorCode, StrataError } from '../errors.js';

/** The built-in strategy names. */
export type StrategyName = 'conservative' | 'smart' | 'aggressive';

/** Which guards veto a hit, and how high the score must be. */
export interface Strategy {
  /** Shown in evaluation reports. */
  name: string;
  /** Cosine below this is a miss whatever the verifier says: it bounds the candidates worth verifying. */
  minCosine: number;
  /** Score threshold when no learned model exists for the embedder (the score is then the cosine). */
  cosineThreshold: number;
  /** Key of the learned model's `thresholds` that holds this strategy's score threshold. */
  learnedThresholdKey: string;
  /** The numbers in both questions must be the same set ("iPhone 14" vs "iPhone 15", "2 kg" vs "5 kg"). */
  numbersMustMatch: boolean;
  /** Model numbers and codes must be the same set ("a15" vs "a16", "rtx 4090" vs "rtx 4080"). */
  codesMustMatch: boolean;
  /** One question negated and the other not is a miss. */
  negationMustMatch: boolean;
  /** 'strict': any two different question types conflict; 'open': what/which/how are interchangeable; 'off'. */
  questionType: 'strict' | 'open' | 'off';
  /** The shorter question must have at least this fraction of the longer one's words (0 = off). */
  minLengthRatio: number;
  /** Both questions must ask the same attributes (price, stock, warranty…: src/semantic/asked-attributes.json). */
  attributesMustMatch: boolean;
  /** Both questions must be in the same language: an answer is written in the language it was asked in. */
  languageMustMatch: boolean;
  /** Two questions with the same canonical form (same attributes of the same codes, nothing else asked) are a hit whatever the score. */
  canonicalMatch: boolean;
}

/**
 * conservative: every guard, strict question types, the learned threshold picked for a 0.5% false-hit rate.
 * smart (the default): every guard, what/which/how interchangeable, threshold for a 1% false-hit rate.
 * aggressive: only the numbers, codes, attribute and language guards (a wrong product, a wrong attribute or an answer
 * in another language is never acceptable), threshold for 5%.
 * All three accept two questions of the same canonical form (see `QuestionSignals.canonical`).
 */
export const STRATEGIES: Readonly<Record<StrategyName, Strategy>> = {
  conservative: {
    name: 'conservative',
    minCosine: 0.8,
    cosineThreshold: 0.95,
    learnedThresholdKey: 'conservative',
    numbersMustMatch: true,
    codesMustMatch: true,
    negationMustMatch: true,
    questionType: 'strict',
    minLengthRatio: 0.5,
    attributesMustMatch: true,
    languageMustMatch: true,
    canonicalMatch: true,
  },
  smart: {
    name: 'smart',
    minCosine: 0.7,
    cosineThreshold: 0.9,
    learnedThresholdKey: 'smart',
    numbersMustMatch: true,
    codesMustMatch: true,
    negationMustMatch: true,
    questionType: 'open',
    minLengthRatio: 0.34,
    attributesMustMatch: true,
    languageMustMatch: true,
    canonicalMatch: true,
  },
  aggressive: {
    name: 'aggressive',
    minCosine: 0.6,
    cosineThreshold: 0.85,
    learnedThresholdKey: 'aggressive',
    numbersMustMatch: true,
    codesMustMatch: true,
    negationMustMatch: false,
    questionType: 'off',
    minLengthRatio: 0,
    attributesMustMatch: true,
    languageMustMatch: true,
    canonicalMatch: true,
  },
};

/** False-hit rate each built-in strategy's learned threshold is chosen for, on the training split. */
export const TARGET_FALSE_HIT_RATES: Readonly<Record<StrategyName, number>> = { conservative: 0.005, smart: 0.01, aggressive: 0.05 };

export function resolveStrategy(strategy: StrategyName | Strategy | undefined): Strategy {
  if (strategy === undefined) return STRATEGIES.smart;
  if (typeof strategy !== 'string') return strategy;
  const found = (STRATEGIES as Record<string, Strategy | undefined>)[strategy];
  if (found === undefined) {
    throw new StrataError(ErrorCode.INVALID_OPTION, `unknown strategy '${strategy}': use ${Object.keys(STRATEGIES).join(', ')}`);
  }
  return found;
}
