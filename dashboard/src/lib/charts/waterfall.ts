// The SHAP waterfall's arithmetic: from the base value (the model's mean log-odds) each feature's contribution moves
// the running total, and the last step ends at the transaction's log-odds, logit(probability).
export interface WaterfallStep {
  feature: string;
  value: number | null;
  contribution: number;
  /** Running log-odds before and after this feature. */
  start: number;
  end: number;
}

export interface Waterfall {
  base: number;
  steps: WaterfallStep[];
  /** base + Σ contributions (summed in the model's feature order, exactly as the model adds them). */
  final: number;
  probability: number;
}

export const logit = (p: number): number => Math.log(p / (1 - p));
export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * Steps ordered by |contribution|, largest first (ties keep the model order). The running total is accumulated in
 * that display order; `final` is the same sum, so the last bar ends where the score is.
 */
export function waterfall(
  features: readonly string[],
  values: readonly number[],
  base: number,
  featureValues: Record<string, number | null> = {},
): Waterfall {
  if (features.length !== values.length)
    throw new Error(`${values.length} SHAP values for ${features.length} features`);
  const order = features
    .map((feature, i) => ({ feature, contribution: values[i]!, i }))
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || a.i - b.i);
  let running = base;
  const steps = order.map(({ feature, contribution }) => {
    const start = running;
    running += contribution;
    return { feature, value: featureValues[feature] ?? null, contribution, start, end: running };
  });
  return { base, steps, final: running, probability: sigmoid(running) };
}

/** The x extent covering every bar's ends, the base and the final value, padded a little. */
export function waterfallExtent(w: Waterfall): [number, number] {
  let lo = Math.min(w.base, w.final);
  let hi = Math.max(w.base, w.final);
  for (const s of w.steps) {
    lo = Math.min(lo, s.start, s.end);
    hi = Math.max(hi, s.start, s.end);
  }
  const pad = (hi - lo || 1) * 0.05;
  return [lo - pad, hi + pad];
}

/**
 * A bar's label in at most `max` characters (the chart's left margin): cut at a word boundary with an ellipsis; the
 * full text goes into the bar's tooltip and the data table.
 */
export function shortLabel(text: string, max = 58): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,(]+$/, '')}…`;
}
