// Risk tier colours from the Okabe–Ito palette (distinguishable with the common colour-vision deficiencies); every
// badge also says its tier in words, so colour is never the only cue.
import type { RiskLevel } from './types.js';

export const TIER_COLOURS: Record<RiskLevel, { fill: string; text: string }> = {
  LOW: { fill: '#0072B2', text: '#ffffff' },
  MEDIUM: { fill: '#E69F00', text: '#000000' },
  HIGH: { fill: '#D55E00', text: '#ffffff' },
  CRITICAL: { fill: '#CC79A7', text: '#000000' },
};

/** Waterfall and other signed bars: vermillion raises risk, blue lowers it. */
export const RAISES = '#D55E00';
export const LOWERS = '#0072B2';
