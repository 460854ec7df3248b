// The deterministic narrative: the tier, the probability against the threshold and the top SHAP factors, in
// English, Russian or Kazakh. Features are named in words by the SDK from the model's feature spec (featureWords);
// formatting is done here rather than with Intl so that every runtime gives the same text.
import type { FeatureWords, RiskLevel, TopFactor, ValueKind } from '@fraudscore/sdk';
import type { ExplainInput, Lang } from './types.js';

interface Words {
  unknown: string;
  yes: string;
  no: string;
  decimal: string;
  group: string;
  tiers: Record<RiskLevel, string>;
  increases: string;
  decreases: string;
  headline: (tier: string) => string;
  probability: (p: string, t: string, side: 'above' | 'below' | 'unknown') => string;
  factors: (list: string) => string;
  noFactors: string;
  factor: (phrase: string, value: string, effect: string, contribution: string) => string;
  hours: string;
}

const WORDS: Record<Lang, Words> = {
  en: {
    unknown: 'unknown',
    yes: 'yes',
    no: 'no',
    decimal: '.',
    group: ',',
    tiers: { LOW: 'LOW', MEDIUM: 'MEDIUM', HIGH: 'HIGH', CRITICAL: 'CRITICAL' },
    increases: 'raises the risk',
    decreases: 'lowers the risk',
    headline: (tier) => `Risk tier: ${tier}.`,
    probability: (p, t, side) =>
      `Fraud probability ${p} against a threshold of ${t}${side === 'unknown' ? '' : `, ${side} the threshold`}.`,
    factors: (list) => `Main factors: ${list}.`,
    noFactors: 'No factor explanations were computed for this score.',
    factor: (phrase, value, effect, contribution) => `${phrase} ${value} ${effect} (${contribution})`,
    hours: 'h',
  },
  ru: {
    unknown: 'неизвестно',
    yes: 'да',
    no: 'нет',
    decimal: ',',
    group: ' ',
    tiers: { LOW: 'низкий', MEDIUM: 'средний', HIGH: 'высокий', CRITICAL: 'критический' },
    increases: 'повышает риск',
    decreases: 'снижает риск',
    headline: (tier) => `Уровень риска: ${tier}.`,
    probability: (p, t, side) =>
      `Вероятность мошенничества ${p} при пороге ${t}${side === 'unknown' ? '' : side === 'above' ? ', выше порога' : ', ниже порога'}.`,
    factors: (list) => `Основные факторы: ${list}.`,
    noFactors: 'Для этой оценки факторы не рассчитывались.',
    factor: (phrase, value, effect, contribution) => `${phrase}: ${value} — ${effect} (${contribution})`,
    hours: 'ч',
  },
  kk: {
    unknown: 'белгісіз',
    yes: 'иә',
    no: 'жоқ',
    decimal: ',',
    group: ' ',
    tiers: { LOW: 'төмен', MEDIUM: 'орташа', HIGH: 'жоғары', CRITICAL: 'сыни' },
    increases: 'тәуекелді арттырады',
    decreases: 'тәуекелді төмендетеді',
    headline: (tier) => `Тәуекел деңгейі: ${tier}.`,
    probability: (p, t, side) =>
      `Алаяқтық ықтималдығы ${p}, шекті мән ${t}${side === 'unknown' ? '' : side === 'above' ? ', шектен жоғары' : ', шектен төмен'}.`,
    factors: (list) => `Негізгі факторлар: ${list}.`,
    noFactors: 'Бұл бағалау үшін факторлар есептелмеген.',
    factor: (phrase, value, effect, contribution) => `${phrase}: ${value} — ${effect} (${contribution})`,
    hours: 'сағ',
  },
};

/**
 * A feature as a plain phrase in the language and how its value reads, from the model's featureWords; a feature the
 * words do not know (a record scored by another model) keeps its name.
 */
export function featurePhrase(
  feature: string,
  lang: Lang,
  words?: Readonly<Record<string, FeatureWords>>,
): { phrase: string; kind: ValueKind } {
  const known = words !== undefined && Object.hasOwn(words, feature) ? words[feature] : undefined;
  return known ? { phrase: known[lang], kind: known.kind } : { phrase: feature, kind: 'number' };
}

const finite = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);

/** Fixed decimals with the language's separators (1,234.50 / 1 234,50). */
function fixed(x: number, digits: number, w: Words): string {
  const [int = '0', frac] = Math.abs(x).toFixed(digits).split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, w.group);
  const sign = x < 0 && Number(Math.abs(x).toFixed(digits)) !== 0 ? '-' : '';
  return `${sign}${grouped}${frac === undefined ? '' : w.decimal + frac}`;
}

const percent = (x: number | null, w: Words): string => (finite(x) ? `${fixed(x * 100, 1, w)}%` : w.unknown);

function formatValue(value: number | null, kind: ValueKind, w: Words): string {
  if (!finite(value)) return w.unknown;
  switch (kind) {
    case 'amount':
      return fixed(value, 2, w);
    case 'count':
      return Number.isInteger(value) ? fixed(value, 0, w) : fixed(value, 1, w);
    case 'share':
      return percent(value, w);
    case 'flag':
      return value >= 0.5 ? w.yes : w.no;
    case 'hours':
      return `${fixed(value, 1, w)} ${w.hours}`;
    case 'ratio':
      return `×${fixed(value, 2, w)}`;
    case 'number':
      return Number.isInteger(value) ? fixed(value, 0, w) : fixed(value, 3, w);
  }
}

/** Factors by decreasing |contribution|; ties keep their order. */
export function rankFactors(factors: readonly TopFactor[]): TopFactor[] {
  return factors
    .map((f, i) => ({ f, i }))
    .sort((a, b) => Math.abs(b.f.contribution) - Math.abs(a.f.contribution) || a.i - b.i)
    .map(({ f }) => f);
}

/** How many factors the narrative names. */
export const TEMPLATE_FACTORS = 3;

export function templateNarrative(input: ExplainInput, lang: Lang): string {
  const w = WORDS[lang];
  const tier = input.riskLevel && input.riskLevel in w.tiers ? w.tiers[input.riskLevel] : w.unknown;
  const { probability: p, threshold: t } = input;
  const side = finite(p) && finite(t) ? (p >= t ? 'above' : 'below') : 'unknown';
  const factors = rankFactors(input.factors)
    .slice(0, TEMPLATE_FACTORS)
    .map((f) => {
      const { phrase, kind } = featurePhrase(f.feature, lang, input.words);
      const effect = f.direction === 'increases_risk' ? w.increases : w.decreases;
      const c = finite(f.contribution)
        ? `${f.contribution >= 0 ? '+' : '-'}${fixed(Math.abs(f.contribution), 2, w)}`
        : w.unknown;
      return w.factor(phrase, formatValue(f.value, kind, w), effect, c);
    });
  return [
    w.headline(tier),
    w.probability(percent(p, w), percent(t, w), side),
    factors.length ? w.factors(factors.join('; ')) : w.noFactors,
  ].join(' ');
}
