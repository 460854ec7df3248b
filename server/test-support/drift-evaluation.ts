// Shared by issue 22's drift evaluations (src/drift-evaluation.test.ts in process, src/drift-evaluation.server.test.ts
// through a started server): the simulated traffic, the injected shifts and the confusion table.
import { ALARM_LEVELS, type DriftSnapshot } from '@fraudscore/edge';
import { simulate } from '@fraudscore/simulator';

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
/** The simulation's first midnight (the handbook's naive times read as UTC). */
export const START = Date.parse('2018-04-01T00:00:00Z');

export interface Tx {
  id: string;
  customerId: string;
  terminalId: string;
  amount: number;
  timestamp: number;
  label: 0 | 1;
}

/** The handbook simulator's transactions from START, in time order. */
export function simulatedTransactions(options: { customers: number; terminals: number; days: number }): Tx[] {
  const transactions: Tx[] = [];
  for (const t of simulate({ ...options, seed: 22 })) {
    transactions.push({
      id: String(t.TRANSACTION_ID),
      customerId: String(t.CUSTOMER_ID),
      terminalId: String(t.TERMINAL_ID),
      amount: t.TX_AMOUNT,
      timestamp: Date.parse(`${t.TX_DATETIME.replace(' ', 'T')}Z`),
      label: t.TX_FRAUD,
    });
  }
  return transactions;
}

/** Days since START. */
export const dayOf = (t: { timestamp: number }): number => Math.floor((t.timestamp - START) / DAY);

/** Amounts ×1.8 for 30 % of the customers (ids ending in 0–2). */
export const scaleAmounts = (day: readonly Tx[]): Tx[] =>
  day.map((t) => (Number(t.customerId) % 10 < 3 ? { ...t, amount: Math.round(t.amount * 180) / 100 } : t));

/** A night-time surge: a copy of every 4th transaction of the day (new ids) at 00–06h of `dayStart`, in time order. */
export function nightSurge(day: readonly Tx[], dayStart: number): Tx[] {
  const extra = day
    .filter((_, i) => i % 4 === 0)
    .map((t, i) => ({ ...t, id: `night-${dayStart}-${i}`, timestamp: dayStart + ((i * 7919) % (6 * HOUR)) }));
  return [...day, ...extra].sort((a, b) => a.timestamp - b.timestamp);
}

/** A new-terminal wave: every 5th transaction of the day on one of 100 terminals never seen before. */
export const newTerminalWave = (day: readonly Tx[]): Tx[] =>
  day.map((t, i) => (i % 5 === 0 ? { ...t, terminalId: `new-${i % 100}` } : t));

/** The features (and "score") at warn or alert, with their level. */
export const alarmed = (s: DriftSnapshot): string[] => [
  ...Object.entries(s.features)
    .filter(([, d]) => ALARM_LEVELS.includes(d.level))
    .map(([name, d]) => `${name} (${d.level})`),
  ...(ALARM_LEVELS.includes(s.score.level) ? [`score (${s.score.level})`] : []),
];

export interface EvaluationRow {
  injected: string;
  expected: string;
  alarmed: string[];
  caught: boolean;
}

/** The confusion table (injected vs alarmed) as markdown. */
export const confusionTable = (title: string, table: readonly EvaluationRow[]): string =>
  [
    `${title} (injected vs alarmed; warn or alert counts as an alarm):`,
    '| injected | expected alarm | alarmed (level) | as expected |',
    '|---|---|---|---|',
    ...table.map(
      (r) =>
        `| ${r.injected} | ${r.expected || '(nothing)'} | ${r.alarmed.join(', ') || '(none)'} | ${r.caught ? 'yes' : 'NO'} |`,
    ),
  ].join('\n');
