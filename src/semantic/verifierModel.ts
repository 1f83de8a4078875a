import { FEATURE_NAMES } from './pairFeatures.js';
import shippedWeights from './verifier-weights.json' with { type: 'json' };

/** A logistic-regression model over `pairFeatures`, trained for one embedder by scripts/train-verifier.ts. */
export interface VerifierModel {
  /** Feature names in weight order; a model trained on other features is refused. */
  features: string[];
  /** Embedding dimensions whose per-dimension agreement (see `interactionFeatures`) follows the named features; 0 = none. */
  interactionDimensions: number;
  /** Per-feature mean and standard deviation used to standardise inputs before the weights. */
  mean: number[];
  std: number[];
  weights: number[];
  bias: number;
  /** Score thresholds picked on the training split for each strategy (see strategies.ts). */
  thresholds: Record<string, number>;
  /** How the model was trained: data, split, pair counts, and its curve on the held-out split. */
  training: Record<string, unknown>;
}

/** The weights file: one model per embedder id. */
export type VerifierWeights = Record<string, VerifierModel>;

/** The probability that the two questions ask the same thing. */
export function scorePair(model: VerifierModel, features: readonly number[]): number {
  let z = model.bias;
  for (let i = 0; i < features.length; i++) z += model.weights[i]! * ((features[i]! - model.mean[i]!) / model.std[i]!);
  return 1 / (1 + Math.exp(-z));
}

/** True when the model was trained on the features this build computes. */
export function modelMatchesFeatures(model: VerifierModel): boolean {
  return (
    model.features.length === FEATURE_NAMES.length &&
    model.features.every((f, i) => f === FEATURE_NAMES[i]) &&
    model.weights.length === FEATURE_NAMES.length + 2 * model.interactionDimensions
  );
}

/** The weights shipped with Strata (src/semantic/verifier-weights.json, written by scripts/train-verifier.ts). */
export function bundledVerifierWeights(): VerifierWeights {
  return shippedWeights as unknown as VerifierWeights;
}
