// Issue 22's evaluation: simulated traffic (the handbook simulator) scored by the default bundle, compared by the
// edge's DriftMonitor in the default configuration (1-day window every day, calendar features over whole periods,
// DRIFT_MIN_ROWS 1000, default thresholds). A clean month must raise no alarm (warn or alert) in any window ending
// on a 6-hour grid (every phase a daily schedule can have, to 6 h); each injected shift must make the feature it
// changes alarm in the first daily window after it starts. Prints the confusion table (injected vs alarmed).
//
// The baseline is two simulated weeks made the baseline as POST /drift/set-baseline does (buildReference): the
// simulation here has 1,000 customers (the bundle's training data had 5,000), so the bundle's own reference.json is
// not the right reference for it.
import { createScorer, directorySource, MemoryHistoryStore, type Scorer } from '@fraudscore/sdk';
import { buildReference, DriftMonitor, MemoryDriftHistory, type DriftRow } from '@fraudscore/edge';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  alarmed,
  confusionTable,
  DAY,
  dayOf,
  HOUR,
  newTerminalWave,
  nightSurge,
  scaleAmounts,
  simulatedTransactions,
  START,
  type EvaluationRow,
  type Tx,
} from '../test-support/drift-evaluation.js';

const BUNDLE = directorySource(fileURLToPath(new URL('../../models/bundles/default/', import.meta.url)));
// Terminal features look back 30 days behind a 7-day label delay, and the simulator's compromised terminals (28 days
// each) reach their steady share after about a month: 40 days before the reference make every window steady.
const WARM_UP_DAYS = 40;
const REFERENCE_DAYS = 14; // two whole weeks
const CLEAN_DAYS = 28;
const SHIFT_DAY = WARM_UP_DAYS + REFERENCE_DAYS + CLEAN_DAYS; // the day after the clean month

const transactions = simulatedTransactions({ customers: 1000, terminals: 2000, days: SHIFT_DAY + 1 });

async function newScorer(): Promise<{ scorer: Scorer; history: MemoryHistoryStore }> {
  const scorer = await createScorer({
    bundle: BUNDLE,
    backend: 'js',
    history: (spec) => new MemoryHistoryStore(spec, { clock: () => Number.MAX_SAFE_INTEGER / 2, autoPrune: false }),
    cache: false,
  });
  return { scorer, history: scorer.history as MemoryHistoryStore };
}

const BACK_FILL = { limits: { timeWindow: false as const } };

/** Scores (or only records) each transaction in time order; labels are known at once (the spec delays their use). */
async function replay(
  scorer: Scorer,
  history: MemoryHistoryStore,
  txs: readonly Tx[],
  score: boolean,
): Promise<DriftRow[]> {
  const rows: DriftRow[] = [];
  const names = scorer.model.features;
  for (const { label, ...tx } of txs) {
    if (score) {
      const r = await scorer.score(tx, { explain: false, record: true, ...BACK_FILL });
      rows.push({
        features: names.map((n) => r.features[n] ?? null),
        probability: r.probability,
        timestamp: tx.timestamp,
      });
    } else await scorer.record(tx, BACK_FILL);
    history.setLabel(tx.id, label);
  }
  return rows;
}

describe('drift evaluation on simulated traffic (issue 22)', () => {
  it('a clean month raises no alarm in any daily window; each injected shift alarms on its feature the next day', async () => {
    const { scorer, history } = await newScorer();
    const features = scorer.model.features;
    const periodMs = scorer.model.periodMs ?? {};
    await replay(
      scorer,
      history,
      transactions.filter((t) => dayOf(t) < WARM_UP_DAYS),
      false,
    );
    const scored = await replay(
      scorer,
      history,
      transactions.filter((t) => dayOf(t) >= WARM_UP_DAYS && dayOf(t) < SHIFT_DAY),
      true,
    );
    const referenceEnd = START + (WARM_UP_DAYS + REFERENCE_DAYS) * DAY;
    const reference = buildReference(
      scored.filter((r) => r.timestamp! < referenceEnd),
      features,
    );
    const monitorOver = (rows: readonly DriftRow[]) =>
      new DriftMonitor({
        model: () => ({ version: scorer.model.version, features, reference, periodMs }),
        rows: (from, to) => Promise.resolve(rows.filter((r) => r.timestamp! >= from && r.timestamp! < to)),
        history: new MemoryDriftHistory(),
        clock: () => referenceEnd,
      });

    // The clean month: windows of a day ending every 6 hours.
    const clean = monitorOver(scored);
    const cleanAlarms = new Map<string, number>();
    let windows = 0;
    for (let end = referenceEnd + DAY; end <= START + SHIFT_DAY * DAY; end += 6 * HOUR) {
      const s = await clean.snapshot(DAY, end);
      windows++;
      expect(s.level, s.window.to).not.toBe('insufficient_data');
      for (const a of alarmed(s)) cleanAlarms.set(a, (cleanAlarms.get(a) ?? 0) + 1);
    }

    // The shifts start at the shift day's midnight; each replays the 40 days before it into a fresh history, then
    // scores the shifted day, and is checked on the daily window that ends one interval later.
    const before = transactions.filter((t) => dayOf(t) >= SHIFT_DAY - WARM_UP_DAYS && dayOf(t) < SHIFT_DAY);
    const day = transactions.filter((t) => dayOf(t) === SHIFT_DAY);
    const priorRows = scored.filter((r) => r.timestamp! >= START + (SHIFT_DAY - 7) * DAY);
    const shiftEnd = START + (SHIFT_DAY + 1) * DAY;
    const risk30 = features.indexOf('TERMINAL_ID_RISK_30DAY_WINDOW');
    const scenarios: { name: string; expected: string; rows: () => Promise<DriftRow[]> }[] = [
      {
        name: 'none (the day after the clean month)',
        expected: '',
        rows: async () => {
          const fresh = await newScorer();
          await replay(fresh.scorer, fresh.history, before, false);
          return replay(fresh.scorer, fresh.history, day, true);
        },
      },
      {
        name: 'amounts x1.8 for 30 % of customers',
        expected: 'TX_AMOUNT',
        rows: async () => {
          const fresh = await newScorer();
          await replay(fresh.scorer, fresh.history, before, false);
          return replay(fresh.scorer, fresh.history, scaleAmounts(day), true);
        },
      },
      {
        name: 'labelling fault: terminal risk 1.0 wherever non-zero',
        expected: 'TERMINAL_ID_RISK_30DAY_WINDOW',
        rows: async () => {
          const fresh = await newScorer();
          await replay(fresh.scorer, fresh.history, before, false);
          const rows = await replay(fresh.scorer, fresh.history, day, true);
          return rows.map((r) => ({
            ...r,
            features: r.features.map((v, i) => (i === risk30 && v !== null && v > 0 ? 1 : v)),
          }));
        },
      },
      {
        name: 'night-time surge: +25 % of the day at 00-06h',
        expected: 'TX_DURING_NIGHT',
        rows: async () => {
          const fresh = await newScorer();
          await replay(fresh.scorer, fresh.history, before, false);
          return replay(fresh.scorer, fresh.history, nightSurge(day, START + SHIFT_DAY * DAY), true);
        },
      },
      {
        name: 'new-terminal wave: 20 % of the day on 100 new terminals',
        expected: 'TERMINAL_ID_NB_TX_30DAY_WINDOW',
        rows: async () => {
          const fresh = await newScorer();
          await replay(fresh.scorer, fresh.history, before, false);
          return replay(fresh.scorer, fresh.history, newTerminalWave(day), true);
        },
      },
    ];
    const table: EvaluationRow[] = [
      {
        injected: `none: clean month, ${windows} daily windows`,
        expected: '',
        alarmed: [...cleanAlarms].map(([a, n]) => `${a} in ${n} windows`),
        caught: cleanAlarms.size === 0,
      },
    ];
    for (const scenario of scenarios) {
      const s = await monitorOver([...priorRows, ...(await scenario.rows())]).snapshot(DAY, shiftEnd);
      const names = alarmed(s);
      const caught = scenario.expected ? names.some((n) => n.startsWith(`${scenario.expected} `)) : names.length === 0;
      table.push({ injected: scenario.name, expected: scenario.expected || '(nothing)', alarmed: names, caught });
    }
    console.log(confusionTable('drift evaluation', table));
    for (const r of table) expect(r.caught, `${r.injected}: ${r.alarmed.join(', ')}`).toBe(true);
    await scorer.dispose();
  }, 300_000);
});
