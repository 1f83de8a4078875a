// The shape of bench/results/<suite>.json and of latest.json: what the table, chart and CLI read.

/** A figure measured over several rounds: its median and the range the rounds spanned. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** One peer measured beside Strata in the same rounds. */
export interface PeerFigure {
  label: string;
  value: Spread;
  /** Strata's advantage per round, summarised: > 1 Strata is better by this factor, < 1 the peer wins. */
  ratio: Spread;
  /** Anything the ratio does not say (e.g. factory calls in a stampede). */
  detail?: string;
}

/** Strata against its peers on one operation. */
export interface Comparison {
  name: string;
  /** Unit of `value` (ns/op, ops/s, ms, %). */
  unit: string;
  lowerIsBetter: boolean;
  strata: { label: string; value: Spread; detail?: string };
  peers: PeerFigure[];
}

/** A stated goal and whether this run met it. */
export interface Target {
  name: string;
  value: number;
  goal: string;
  met: boolean;
}

export interface SuiteResult {
  suite: string;
  title: string;
  /** The command that produced this file. */
  command: string;
  date: string;
  quick: boolean;
  comparisons: Comparison[];
  targets: Target[];
  /** Other measured figures (heap bytes, request rates…). */
  figures: Record<string, number | string | boolean>;
  notes: string[];
  /** Set when the suite could not run here (a script not written yet, a missing binary): why. */
  skipped?: string;
  /** The script owned elsewhere that produced the figures (its own results file stays as it wrote it). */
  source?: string;
  /** Wall-clock seconds the suite took in a run of bench/run.ts. */
  durationSeconds?: number;
  /** The unmodified output of a suite script owned elsewhere, when its shape is not this one. */
  raw?: unknown;
}

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryBytes: number;
  node: string;
  redis: string;
  platform: string;
  gitCommit: string;
  gitDirty: boolean;
  loadAverageStart: number[];
  loadAverageEnd: number[];
}

/** bench/results/latest.json */
export interface BenchRun {
  command: string;
  date: string;
  quick: boolean;
  durationSeconds: number;
  machine: Machine;
  suites: SuiteResult[];
}
