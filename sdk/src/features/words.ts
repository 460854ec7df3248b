// Feature names in words (English, Russian, Kazakh), derived from what each feature of the spec computes rather than
// from its name: any spec gets readable SHAP factors, waterfalls and narratives, and a new window needs no new
// translation table. Used by the scorer (ModelInfo.featureWords), the edge's narratives and the dashboard.
import type { CompiledFeature, CompiledSpec, WindowFeature } from './spec.js';

export type Lang = 'en' | 'ru' | 'kk';
export const LANGS: readonly Lang[] = ['en', 'ru', 'kk'];

/** How a feature's value reads: money, a whole count, a share (percent), yes/no, hours, a multiple (×), a number. */
export type ValueKind = 'amount' | 'count' | 'share' | 'flag' | 'hours' | 'ratio' | 'number';

export interface FeatureWords {
  readonly kind: ValueKind;
  readonly en: string;
  readonly ru: string;
  readonly kk: string;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

type Phrases = Record<Lang, string>;
const each = (f: (lang: Lang) => string): Phrases => ({ en: f('en'), ru: f('ru'), kk: f('kk') });

/**
 * An entity field in each language: its owner form ("customer's"), where a payment is made ("at the terminal"), who
 * it concerns ("for the customer"), and its plural (distinct counts).
 */
interface EntityWords {
  owner: Phrases;
  at: Phrases;
  for: Phrases;
  many: Phrases;
}
const ENTITIES: Record<string, EntityWords> = {
  customerId: {
    owner: { en: "customer's", ru: 'клиента', kk: 'клиенттің' },
    at: { en: "on the customer's card", ru: 'по карте клиента', kk: 'клиент картасындағы' },
    for: { en: 'for the customer', ru: 'для клиента', kk: 'клиент үшін' },
    many: { en: 'customers', ru: 'клиентов', kk: 'клиенттер' },
  },
  terminalId: {
    owner: { en: "terminal's", ru: 'терминала', kk: 'терминалдың' },
    at: { en: 'at the terminal', ru: 'на терминале', kk: 'терминалдағы' },
    for: { en: 'for the terminal', ru: 'для терминала', kk: 'терминал үшін' },
    many: { en: 'terminals', ru: 'терминалов', kk: 'терминалдар' },
  },
};
const entityWords = (field: string): EntityWords =>
  ENTITIES[field] ?? {
    owner: each(() => field),
    at: each(() => field),
    for: each(() => field),
    many: each(() => field),
  };

/** "N days" / "N hours" (whole days where the duration allows); Kazakh in the locative ("7 күндегі") when asked. */
function span(ms: number, lang: Lang, locative = false): string {
  const days = ms % DAY_MS === 0;
  const n = days ? ms / DAY_MS : ms / HOUR_MS;
  if (lang === 'en') return days ? `${n} day${n === 1 ? '' : 's'}` : `${n} hour${n === 1 ? '' : 's'}`;
  if (lang === 'ru') return `${n} ${days ? 'дн.' : 'ч'}`;
  return `${n} ${days ? (locative ? 'күндегі' : 'күн') : locative ? 'сағаттағы' : 'сағат'}`;
}

/** The window's period: "over the last 7 days", or "over 30 days ending 14 days ago" with a delay. */
function period(w: WindowFeature, lang: Lang): string {
  const oneDay = w.lengthMs === DAY_MS;
  if (w.delayMs === 0) {
    if (lang === 'en') return oneDay ? 'over the last day' : `over the last ${span(w.lengthMs, lang)}`;
    if (lang === 'ru') return oneDay ? 'за последний день' : `за последние ${span(w.lengthMs, lang)}`;
    return `соңғы ${span(w.lengthMs, lang, true)}`;
  }
  if (lang === 'en') return `over ${span(w.lengthMs, lang)} ending ${span(w.delayMs, lang)} ago`;
  if (lang === 'ru') return `за ${span(w.lengthMs, lang)}, закончившиеся ${span(w.delayMs, lang)} назад`;
  return `${span(w.delayMs, lang)} бұрын аяқталған ${span(w.lengthMs, lang, true)}`;
}

const KNOWN: Phrases = {
  en: ' (as known at scoring time)',
  ru: ' (известные на момент оценки)',
  kk: ' (бағалау сәтінде белгілі)',
};

function windowWords(w: WindowFeature, spec: CompiledSpec): { phrases: Phrases; kind: ValueKind } {
  const e = entityWords(w.entity);
  const fieldType = w.field === null ? null : spec.fields.get(w.field);
  const known = (lang: Lang) => (w.labels === 'known' ? KNOWN[lang] : '');
  const p = (lang: Lang) => period(w, lang);
  if (w.aggregate === 'sinceLatest') {
    return {
      kind: 'hours',
      phrases:
        w.delayMs === 0
          ? {
              en: `hours since the ${e.owner.en} previous transaction`,
              ru: `часов с предыдущей транзакции ${e.owner.ru}`,
              kk: `${e.owner.kk} алдыңғы транзакциясынан бергі сағат`,
            }
          : {
              en: `hours since the ${e.owner.en} latest transaction before ${span(w.delayMs, 'en')} ago`,
              ru: `часов с последней транзакции ${e.owner.ru} до ${span(w.delayMs, 'ru')} назад`,
              kk: `${e.owner.kk} ${span(w.delayMs, 'kk')} бұрынға дейінгі соңғы транзакциясынан бергі сағат`,
            },
    };
  }
  if (w.aggregate === 'distinct') {
    const field = w.field!;
    const many = ENTITIES[field]?.many ?? { en: `${field} values`, ru: `значений ${field}`, kk: `${field} мәндерінің` };
    return {
      kind: 'count',
      phrases: {
        en: `number of different ${many.en} ${e.for.en} ${p('en')}`,
        ru: `число разных ${many.ru} ${e.for.ru} ${p('ru')}`,
        kk: `${e.owner.kk} ${p('kk')} әртүрлі ${many.kk} саны`,
      },
    };
  }
  if (w.aggregate === 'count' && w.field === null) {
    return {
      kind: 'count',
      phrases: {
        en: `${e.owner.en} number of transactions ${p('en')}`,
        ru: `число транзакций ${e.owner.ru} ${p('ru')}`,
        kk: `${e.owner.kk} ${p('kk')} транзакциялар саны`,
      },
    };
  }
  if (fieldType === 'label') {
    if (w.aggregate === 'count') {
      return {
        kind: 'count',
        phrases: each(
          (l) =>
            ({
              en: `labelled transactions ${e.at.en} ${p('en')}`,
              ru: `размеченные транзакции ${e.at.ru} ${p('ru')}`,
              kk: `${e.at.kk} ${p('kk')} белгіленген транзакциялар`,
            })[l] + known(l),
        ),
      };
    }
    if (w.aggregate === 'sum') {
      return {
        kind: 'count',
        phrases: each(
          (l) =>
            ({
              en: `confirmed frauds ${e.at.en} ${p('en')}`,
              ru: `подтверждённые мошеннические транзакции ${e.at.ru} ${p('ru')}`,
              kk: `${e.at.kk} ${p('kk')} расталған алаяқтықтар`,
            })[l] + known(l),
        ),
      };
    }
    if (w.aggregate === 'mean') {
      return {
        kind: 'share',
        phrases: each(
          (l) =>
            ({
              en: `share of fraud ${e.at.en} ${p('en')}`,
              ru: `доля мошенничества ${e.at.ru} ${p('ru')}`,
              kk: `${e.at.kk} ${p('kk')} алаяқтық үлесі`,
            })[l] + known(l),
        ),
      };
    }
  }
  const isAmount = w.field === 'amount';
  const what: Phrases = isAmount ? { en: 'amount', ru: 'сумма', kk: 'сомасы' } : each(() => w.field!);
  if (w.aggregate === 'mean') {
    return {
      kind: isAmount ? 'amount' : 'number',
      phrases: {
        en: `${e.owner.en} average ${what.en} ${p('en')}`,
        ru: `средняя ${what.ru} ${e.owner.ru} ${p('ru')}`,
        kk: `${e.owner.kk} ${p('kk')} орташа ${what.kk}`,
      },
    };
  }
  if (w.aggregate === 'sum') {
    return {
      kind: isAmount ? 'amount' : 'number',
      phrases: {
        en: `${e.owner.en} total ${what.en} ${p('en')}`,
        ru: `общая ${what.ru} ${e.owner.ru} ${p('ru')}`,
        kk: `${e.owner.kk} ${p('kk')} жалпы ${what.kk}`,
      },
    };
  }
  if (w.aggregate === 'std') {
    const values: Phrases = isAmount ? { en: 'amounts', ru: 'сумм', kk: 'сомаларының' } : each(() => w.field!);
    return {
      kind: isAmount ? 'amount' : 'number',
      phrases: {
        en: `spread (standard deviation) of the ${e.owner.en} ${values.en} ${p('en')}`,
        ru: `разброс (стандартное отклонение) ${values.ru} ${e.owner.ru} ${p('ru')}`,
        kk: `${e.owner.kk} ${p('kk')} ${values.kk} шашырауы (стандартты ауытқу)`,
      },
    };
  }
  return {
    kind: 'count',
    phrases: {
      en: `${e.owner.en} transactions with a ${w.field} ${p('en')}`,
      ru: `транзакции ${e.owner.ru} с полем ${w.field} ${p('ru')}`,
      kk: `${e.owner.kk} ${p('kk')} ${w.field} өрісі бар транзакциялар`,
    },
  };
}

function sourceWords(f: Extract<CompiledFeature, { kind: 'source' }>): { phrases: Phrases; kind: ValueKind } {
  if (f.field === 'amount')
    return { kind: 'amount', phrases: { en: 'transaction amount', ru: 'сумма транзакции', kk: 'транзакция сомасы' } };
  return { kind: 'number', phrases: each(() => f.field) };
}

function calendarWords(f: Extract<CompiledFeature, { kind: 'calendar' }>): { phrases: Phrases; kind: ValueKind } {
  const listed = [...f.in.keys()].filter((v) => f.in[v] === 1);
  const same = (values: number[]) => values.length === listed.length && values.every((v, i) => v === listed[i]);
  if (f.part === 'isoWeekday' && same([6, 7]))
    return {
      kind: 'flag',
      phrases: { en: 'weekend transaction', ru: 'транзакция в выходной день', kk: 'демалыс күнгі транзакция' },
    };
  if (f.part === 'hour' && listed[0] === 0 && listed.every((v, i) => v === i) && listed.length <= 8) {
    return {
      kind: 'flag',
      phrases: { en: 'night-time transaction', ru: 'транзакция в ночное время', kk: 'түнгі транзакция' },
    };
  }
  const values = listed.join(', ');
  return {
    kind: 'flag',
    phrases:
      f.part === 'hour'
        ? {
            en: `transaction in hours ${values}`,
            ru: `транзакция в часы ${values}`,
            kk: `${values} сағаттардағы транзакция`,
          }
        : {
            en: `transaction on weekdays ${values}`,
            ru: `транзакция в дни недели ${values}`,
            kk: `аптаның ${values} күндеріндегі транзакция`,
          },
  };
}

/** Every feature of the spec in words, by name. */
export function describeFeatures(spec: CompiledSpec): Record<string, FeatureWords> {
  const words: { phrases: Phrases; kind: ValueKind }[] = [];
  for (const f of spec.features) words.push(featureWords(f, spec, words));
  return Object.fromEntries(spec.features.map((f, i) => [f.name, { kind: words[i]!.kind, ...words[i]!.phrases }]));
}

function featureWords(
  f: CompiledFeature,
  spec: CompiledSpec,
  earlier: readonly { phrases: Phrases; kind: ValueKind }[],
): { phrases: Phrases; kind: ValueKind } {
  switch (f.kind) {
    case 'source':
      return sourceWords(f);
    case 'calendar':
      return calendarWords(f);
    case 'window':
      return windowWords(f, spec);
    case 'difference': {
      const [a, b] = [spec.features[f.minuend]!, spec.features[f.subtrahend]!];
      if (
        a.kind === 'source' &&
        a.field === 'amount' &&
        b.kind === 'window' &&
        b.aggregate === 'mean' &&
        b.field === 'amount'
      ) {
        const e = entityWords(b.entity);
        return {
          kind: 'amount',
          phrases: {
            en: `amount above the ${e.owner.en} average ${period(b, 'en')}`,
            ru: `превышение суммы над средней ${e.owner.ru} ${period(b, 'ru')}`,
            kk: `соманың ${e.owner.kk} ${period(b, 'kk')} орташасынан асуы`,
          },
        };
      }
      if (
        a.kind === 'window' &&
        b.kind === 'window' &&
        a.aggregate === 'count' &&
        b.aggregate === 'sum' &&
        a.field !== null &&
        a.field === b.field &&
        spec.fields.get(a.field) === 'label' &&
        a.entity === b.entity &&
        a.lengthMs === b.lengthMs &&
        a.delayMs === b.delayMs &&
        a.labels === b.labels
      ) {
        const e = entityWords(a.entity);
        const known = (lang: Lang) => (a.labels === 'known' ? KNOWN[lang] : '');
        return {
          kind: 'count',
          phrases: each(
            (l) =>
              ({
                en: `confirmed legitimate transactions ${e.at.en} ${period(a, 'en')}`,
                ru: `подтверждённые легитимные транзакции ${e.at.ru} ${period(a, 'ru')}`,
                kk: `${e.at.kk} ${period(a, 'kk')} расталған заңды транзакциялар`,
              })[l] + known(l),
          ),
        };
      }
      const [x, y] = [earlier[f.minuend]!, earlier[f.subtrahend]!];
      return {
        kind: x.kind === y.kind ? x.kind : 'number',
        phrases: {
          en: `${x.phrases.en} minus ${y.phrases.en}`,
          ru: `${x.phrases.ru} минус ${y.phrases.ru}`,
          kk: `${x.phrases.kk} минус ${y.phrases.kk}`,
        },
      };
    }
    case 'ratio': {
      const [num, den] = [spec.features[f.numerator]!, spec.features[f.denominator]!];
      if (num.kind === 'difference' && den.kind === 'window' && den.aggregate === 'std' && den.field === 'amount') {
        const e = entityWords(den.entity);
        return {
          kind: 'number',
          phrases: {
            en: `how unusual the amount is ${e.for.en} (standard deviations from the average ${period(den, 'en')})`,
            ru: `необычность суммы ${e.for.ru} (стандартных отклонений от средней ${period(den, 'ru')})`,
            kk: `соманың ${e.for.kk} әдеттен тыстығы (${period(den, 'kk')} орташадан стандартты ауытқулар саны)`,
          },
        };
      }
      if (
        num.kind === 'source' &&
        num.field === 'amount' &&
        den.kind === 'window' &&
        den.aggregate === 'mean' &&
        den.field === 'amount'
      ) {
        const e = entityWords(den.entity);
        return {
          kind: 'ratio',
          phrases: {
            en: `amount relative to the ${e.owner.en} average ${period(den, 'en')}`,
            ru: `сумма относительно средней ${e.owner.ru} ${period(den, 'ru')}`,
            kk: `соманың ${e.owner.kk} ${period(den, 'kk')} орташасына қатынасы`,
          },
        };
      }
      const [x, y] = [earlier[f.numerator]!, earlier[f.denominator]!];
      return {
        kind: 'ratio',
        phrases: {
          en: `${x.phrases.en} relative to ${y.phrases.en}`,
          ru: `${x.phrases.ru} относительно: ${y.phrases.ru}`,
          kk: `${x.phrases.kk} мен ${y.phrases.kk} қатынасы`,
        },
      };
    }
  }
}
