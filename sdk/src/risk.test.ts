import { describe, expect, it } from 'vitest';
import { ALERT_LEVELS, isAlert, riskLevel, RISK_LEVELS, shouldBlock, type RiskTier } from './risk.js';

const tiers: RiskTier[] = [
  { level: 'LOW' },
  { level: 'MEDIUM', offset: 0 },
  { level: 'HIGH', offset: 0.1 },
  { level: 'CRITICAL', offset: 0.2 },
];

describe('risk tiers', () => {
  it('follow the threshold, with decimal boundaries kept exact', () => {
    const levels = [0, 0.39, 0.4, 0.49, 0.5, 0.6, 1].map((p) => riskLevel(p, 0.4, tiers));
    expect(levels).toEqual(['LOW', 'LOW', 'MEDIUM', 'MEDIUM', 'HIGH', 'CRITICAL', 'CRITICAL']);
  });
  it('block from the threshold', () => {
    expect([0.3999, 0.4, 0.9].map((p) => shouldBlock(p, 0.4))).toEqual([false, true, true]);
  });

  it('alerts are the two highest tiers', () => {
    expect(ALERT_LEVELS).toEqual(RISK_LEVELS.slice(2));
    expect(RISK_LEVELS.filter(isAlert)).toEqual(['HIGH', 'CRITICAL']);
  });
});
