// False-positive rate and daily accuracy from labelled outcomes: pure functions over counts.
//  - false_positive_rate = blocked transactions labelled legitimate / blocked transactions that have a label
//    (cumulative since the counts started; the share of blocks that analysts overturned).
//  - model_accuracy_daily = labels given today (UTC) whose prediction at the threshold (probability ≥ threshold
//    means fraud) agrees with the label / labels given today.

export type Label = 'fraud' | 'legitimate';

export interface LabelOutcome {
  /** The labelled transaction: a shared store counts each transaction once (a later label replaces its earlier one). */
  id?: string;
  label: Label;
  /** The model's probability for the labelled transaction. */
  probability: number;
  /** The decision threshold the prediction is judged at (the model's, or the run-time one). */
  threshold: number;
  /** Whether the transaction was blocked when it was scored. */
  blocked: boolean;
}

export interface LabelStats {
  /** Blocked transactions that have a label. */
  blockedLabelled: number;
  /** Of those, labelled legitimate. */
  blockedLegitimate: number;
  /** The UTC day (YYYY-MM-DD) the daily counts belong to; null before the first label. */
  day: string | null;
  labelledToday: number;
  correctToday: number;
}

export const EMPTY_LABEL_STATS: LabelStats = Object.freeze({
  blockedLabelled: 0,
  blockedLegitimate: 0,
  day: null,
  labelledToday: 0,
  correctToday: 0,
});

/** The UTC calendar day of an epoch-millisecond time. */
export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** What one label adds to the counts (0 or 1 each): blocked, blocked and legitimate, prediction agreed. */
export function labelCounts(outcome: LabelOutcome): { blocked: number; blockedLegitimate: number; correct: number } {
  const predictedFraud = outcome.probability >= outcome.threshold;
  return {
    blocked: outcome.blocked ? 1 : 0,
    blockedLegitimate: outcome.blocked && outcome.label === 'legitimate' ? 1 : 0,
    correct: predictedFraud === (outcome.label === 'fraud') ? 1 : 0,
  };
}

/**
 * The counts after one more label, given at `at` (the analyst's time). A label of a later UTC day starts the daily
 * counts again; one of an earlier day (entered late) only changes the cumulative counts.
 */
export function applyLabel(stats: LabelStats, outcome: LabelOutcome, at: number): LabelStats {
  const day = utcDay(at);
  const counts = labelCounts(outcome);
  const cumulative = {
    blockedLabelled: stats.blockedLabelled + counts.blocked,
    blockedLegitimate: stats.blockedLegitimate + counts.blockedLegitimate,
  };
  if (stats.day !== null && day < stats.day) return { ...stats, ...cumulative };
  const sameDay = stats.day === day;
  return {
    ...cumulative,
    day,
    labelledToday: (sameDay ? stats.labelledToday : 0) + 1,
    correctToday: (sameDay ? stats.correctToday : 0) + counts.correct,
  };
}

/** Blocked-and-legitimate / blocked-and-labelled; undefined while no blocked transaction has a label. */
export function falsePositiveRate(stats: LabelStats): number | undefined {
  return stats.blockedLabelled === 0 ? undefined : stats.blockedLegitimate / stats.blockedLabelled;
}

/** Today's (UTC, at `now`) share of labels the prediction agreed with; undefined when nothing was labelled today. */
export function dailyAccuracy(stats: LabelStats, now: number): number | undefined {
  if (stats.day !== utcDay(now) || stats.labelledToday === 0) return undefined;
  return stats.correctToday / stats.labelledToday;
}

/**
 * Where the label counts live: in the process (memoryLabelStats, the default) or shared by every replica (the
 * server's Redis store, so false_positive_rate and model_accuracy_daily are the same whichever replica is scraped).
 */
export interface LabelStatsStore {
  /** Counts one label given at `at` (epoch ms). */
  record(outcome: LabelOutcome, at: number): void | Promise<void>;
  /** The counts now. */
  read(): LabelStats | Promise<LabelStats>;
}

/** The process's own counts, folded label by label (a label given again counts again, as before). */
export function memoryLabelStats(initial: LabelStats = EMPTY_LABEL_STATS): {
  record(outcome: LabelOutcome, at: number): void;
  read(): LabelStats;
} {
  let stats = initial;
  return {
    record(outcome, at) {
      stats = applyLabel(stats, outcome, at);
    },
    read: () => stats,
  };
}
