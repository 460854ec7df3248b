// The promotion gate (the original deploy_if_better): the challenger replaces the champion only if, on the same
// latest labelled window, its Average Precision does not fall by more than the tolerance and its AUC does not fall.

export interface Scores {
  averagePrecision: number;
  aucRoc: number;
}

export interface GateInput {
  challenger: Scores;
  /** Absent when there is no champion yet. */
  champion: Scores | undefined;
  /** Allowed fall in Average Precision (absolute, e.g. 0.01). */
  apTolerance: number;
}

export interface GateDecision {
  promote: boolean;
  reason: string;
}

const f = (x: number): string => x.toFixed(4);

export function decide({ challenger, champion, apTolerance }: GateInput): GateDecision {
  if (!champion) return { promote: true, reason: 'no champion yet: the challenger becomes the first champion' };
  const apDrop = champion.averagePrecision - challenger.averagePrecision;
  if (apDrop > apTolerance) {
    return {
      promote: false,
      reason: `Average Precision falls by ${f(apDrop)} (${f(champion.averagePrecision)} → ${f(challenger.averagePrecision)}), more than the tolerance ${f(apTolerance)}`,
    };
  }
  if (challenger.aucRoc < champion.aucRoc) {
    return { promote: false, reason: `AUC ROC falls (${f(champion.aucRoc)} → ${f(challenger.aucRoc)})` };
  }
  return {
    promote: true,
    reason: `Average Precision ${f(champion.averagePrecision)} → ${f(challenger.averagePrecision)} (tolerance ${f(apTolerance)}), AUC ROC ${f(champion.aucRoc)} → ${f(challenger.aucRoc)}`,
  };
}
