// Risk tiers and the block decision from the manifest's threshold t and tier offsets (the original design:
// LOW below t, MEDIUM from t, HIGH from t + 0.1, CRITICAL from t + 0.2; block from t). One place for the rule.

export type RiskLevel = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
export const RISK_LEVELS: readonly RiskLevel[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

export interface RiskTier {
  level: RiskLevel;
  /** Offset from the threshold where the tier starts; absent for the lowest tier. */
  offset?: number;
}

/** Keeps decimal boundaries exact: with t = 0.4, 0.6 is CRITICAL although 0.4 + 0.2 > 0.6 in binary. */
const TIER_TOLERANCE = 1e-12;

/** The highest tier whose start t + offset the probability reaches. */
export function riskLevel(probability: number, threshold: number, tiers: readonly RiskTier[]): RiskLevel {
  let level = tiers[0]?.level ?? 'LOW';
  for (const tier of tiers.slice(1)) {
    if (tier.offset !== undefined && probability - threshold >= tier.offset - TIER_TOLERANCE) level = tier.level;
  }
  return level;
}

export function shouldBlock(probability: number, threshold: number): boolean {
  return probability >= threshold;
}

/** The tiers an analyst is alerted to: the service publishes them as alerts, /v1/alerts lists them. */
export const ALERT_LEVELS: readonly RiskLevel[] = ['HIGH', 'CRITICAL'];

/** Whether a tier is an alert (HIGH or CRITICAL). */
export const isAlert = (level: RiskLevel): boolean => ALERT_LEVELS.includes(level);
