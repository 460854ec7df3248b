// The active model's features in words (en / ru / kk), from its feature spec: the bundle's features.json, public at
// GET /v1/models/{version}/bundle/features.json, described by the SDK (the same words as the edge's narratives).
// Without it (another model's record, an older server) a feature keeps its name.
import { compileSpec, describeFeatures, type FeatureWords, type Lang, type ValueKind } from '@fraudscore/sdk/words';
import { getJson } from './api.js';
import { money, num, pct } from './format.js';

export type { FeatureWords, Lang, ValueKind };
export type Words = Readonly<Record<string, FeatureWords>>;

const byVersion = new Map<string, Promise<Words>>();

/** The words of a model version's features; {} when its spec cannot be fetched or read (names are shown then). */
export function featureWords(version: string): Promise<Words> {
  let pending = byVersion.get(version);
  if (!pending) {
    pending = getJson<unknown>(`/v1/models/${encodeURIComponent(version)}/bundle/features.json`).then(
      (spec) => describeFeatures(compileSpec(spec)),
      () => ({}),
    );
    byVersion.set(version, pending);
  }
  return pending;
}

/** The feature in words in the language, else its name. */
export const phrase = (words: Words, feature: string, lang: Lang): string =>
  Object.hasOwn(words, feature) ? words[feature]![lang] : feature;

const FLAG: Record<Lang, [string, string]> = { en: ['yes', 'no'], ru: ['да', 'нет'], kk: ['иә', 'жоқ'] };
const HOURS: Record<Lang, string> = { en: 'h', ru: 'ч', kk: 'сағ' };

/** A feature's value as its kind reads (money, percent, yes/no, hours, a multiple); '—' when missing. */
export function featureValue(words: Words, feature: string, value: number | null, lang: Lang): string {
  if (value === null || Number.isNaN(value)) return '—';
  const kind: ValueKind = Object.hasOwn(words, feature) ? words[feature]!.kind : 'number';
  switch (kind) {
    case 'amount':
      return money(value);
    case 'share':
      return pct(value, 1);
    case 'flag':
      return FLAG[lang][value >= 0.5 ? 0 : 1];
    case 'hours':
      return `${num(value, 1)} ${HOURS[lang]}`;
    case 'ratio':
      return `×${num(value, 2)}`;
    case 'count':
      return num(value, 1);
    case 'number':
      return num(value, 3);
  }
}
