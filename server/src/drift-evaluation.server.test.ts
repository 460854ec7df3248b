// Issue 22's evaluation through the server: the simulated traffic of drift-evaluation.test.ts replayed over HTTP
// into a started server on the embedded store (real PGlite) in its default drift configuration (DRIFT_MIN_ROWS
// 1000, default thresholds): every transaction as a back-fill (POST /v1/score/batch?backfill=true) at its own time,
// its label through POST /v1/labels at that time, the reference week made the baseline through
// POST /drift/set-baseline { window, until } (a past period of back-filled history), and drift read through
// GET /v1/drift?from&until for past daily windows. The clean week must raise no alarm in any daily window; each
// shift, injected on a day of its own after the clean week, must make its feature alarm in that day's window.
//
// Smaller than the in-process evaluation to keep CI time down (HTTP + PGlite per transaction): 700 customers
// (~1,400 transactions a day, above DRIFT_MIN_ROWS), one reference week, one clean week. The labelling fault is made
// the way it would reach a server: a faulty label import marks as fraud every transaction of the 30 days behind the
// label delay at each terminal that had a fraud in them (so terminal risk reads 1.0 wherever it was non-zero, the
// in-process test's fault), posted through POST /v1/labels before the day is replayed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DriftSnapshot } from '@fraudscore/edge';
import { loadConfig } from './config.js';
import {
  alarmed,
  confusionTable,
  DAY,
  dayOf,
  newTerminalWave,
  nightSurge,
  scaleAmounts,
  simulatedTransactions,
  START,
  type EvaluationRow,
  type Tx,
} from '../test-support/drift-evaluation.js';
import { startServer, type RunningServer } from './server.js';

const ADMIN = 'drift-evaluation-admin-key-0123456789';
// Terminal features look back 30 days behind a 7-day label delay: 40 days before the reference make it steady.
const WARM_UP_DAYS = 40;
const REFERENCE_DAYS = 7; // one whole week
const CLEAN_DAYS = 7;
const SHIFT_DAY = WARM_UP_DAYS + REFERENCE_DAYS + CLEAN_DAYS; // the first day after the clean week
const BATCH = 1000; // POST /v1/score/batch's limit

const iso = (ms: number): string => new Date(ms).toISOString();
const headers = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };

let dir: string | undefined;
let server: RunningServer | undefined;
afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function call(path: string, method: 'GET' | 'POST', body?: unknown): Promise<unknown> {
  const res = await fetch(`${server!.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as unknown;
  if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Back-fills the transactions in time order, each batch's labels decided at the transactions' own times. */
async function backfill(txs: readonly Tx[]): Promise<void> {
  for (let i = 0; i < txs.length; i += BATCH) {
    const chunk = txs.slice(i, i + BATCH);
    const { results } = (await call('/v1/score/batch?backfill=true&explain=false', 'POST', {
      transactions: chunk.map(({ label: _label, timestamp, ...tx }) => ({ ...tx, timestamp: iso(timestamp) })),
    })) as { results: { id?: string; error?: unknown }[] };
    const refused = results.filter((r) => r.error !== undefined);
    expect(refused, 'refused back-fill items').toEqual([]);
    await call('/v1/labels', 'POST', {
      labels: chunk.map((t) => ({
        id: t.id,
        label: t.label === 1 ? 'fraud' : 'legitimate',
        analyst: 'evaluation',
        at: iso(t.timestamp),
      })),
    });
  }
}

const driftOver = (from: number, until: number): Promise<DriftSnapshot> =>
  call(`/v1/drift?from=${iso(from)}&until=${iso(until)}`, 'GET') as Promise<DriftSnapshot>;

describe('drift evaluation through the server (issue 22)', () => {
  it('a back-filled clean week raises no alarm in any daily window; each injected shift alarms on its feature that day', async () => {
    const shifts: {
      name: string;
      expected: string;
      inject: (day: readonly Tx[], dayStart: number) => Tx[];
      /** Requests made before the day is replayed. */
      before?: (dayStart: number) => Promise<void>;
    }[] = [
      { name: 'amounts x1.8 for 30 % of customers', expected: 'TX_AMOUNT', inject: scaleAmounts },
      { name: 'night-time surge: +25 % of the day at 00-06h', expected: 'TX_DURING_NIGHT', inject: nightSurge },
      {
        name: 'new-terminal wave: 20 % of the day on 100 new terminals',
        expected: 'TERMINAL_ID_NB_TX_30DAY_WINDOW',
        inject: newTerminalWave,
      },
      {
        name: 'labelling fault: every transaction at a terminal with a fraud labelled fraud (30 days behind the delay)',
        expected: 'TERMINAL_ID_RISK_30DAY_WINDOW',
        inject: (day) => [...day],
        before: async (dayStart) => {
          // The window TERMINAL_ID_RISK_30DAY_WINDOW reads on this day: 30 days ending 7 days (the delay) before it,
          // all in the unshifted days replayed before the shifts.
          const read = transactions.filter(
            (t) => t.timestamp >= dayStart - 37 * DAY && t.timestamp < dayStart - 7 * DAY && dayOf(t) < SHIFT_DAY,
          );
          const withFraud = new Set(read.filter((t) => t.label === 1).map((t) => t.terminalId));
          const faulty = read.filter((t) => withFraud.has(t.terminalId));
          for (let i = 0; i < faulty.length; i += 10_000) {
            await call('/v1/labels', 'POST', {
              labels: faulty
                .slice(i, i + 10_000)
                .map((t) => ({ id: t.id, label: 'fraud', analyst: 'faulty-import', at: iso(dayStart - 1) })),
            });
          }
        },
      },
    ];
    const days = SHIFT_DAY + shifts.length;
    const transactions = simulatedTransactions({ customers: 700, terminals: 1400, days });
    dir = mkdtempSync(join(tmpdir(), 'fraudscore-drift-evaluation-'));
    const config = await loadConfig({
      DATA_DIR: join(dir, 'store'),
      PORT: '0',
      DEMO: 'off',
      LOG_LEVEL: 'silent',
      API_KEYS: `${ADMIN}:admin`,
      RATE_LIMIT_PER_MINUTE: '0',
    });
    server = await startServer(config, { dashboardDir: false });

    // The warm-up, the reference week and the clean week, unchanged.
    await backfill(transactions.filter((t) => dayOf(t) < SHIFT_DAY));
    const referenceEnd = START + (WARM_UP_DAYS + REFERENCE_DAYS) * DAY;
    const { baseline } = (await call('/drift/set-baseline', 'POST', {
      window: `${REFERENCE_DAYS}d`,
      until: iso(referenceEnd),
      changed_by: 'evaluation',
    })) as { baseline: { window: { from: string; to: string }; n_samples: number } };
    expect(baseline.window).toEqual({ from: iso(referenceEnd - REFERENCE_DAYS * DAY), to: iso(referenceEnd) });

    const table: EvaluationRow[] = [];
    const cleanAlarms: string[] = [];
    for (let end = referenceEnd + DAY; end <= START + SHIFT_DAY * DAY; end += DAY) {
      const s = await driftOver(end - DAY, end);
      expect(s.rows, s.window.to).toBeGreaterThanOrEqual(s.minRows);
      expect(s.level, s.window.to).not.toBe('insufficient_data');
      cleanAlarms.push(...alarmed(s).map((a) => `${a} on ${s.window.from.slice(0, 10)}`));
    }
    table.push({
      injected: `none: clean week, ${CLEAN_DAYS} daily windows (baseline ${baseline.n_samples} rows)`,
      expected: '',
      alarmed: cleanAlarms,
      caught: cleanAlarms.length === 0,
    });

    // Each shift on a day of its own (the days before unchanged or shifted as replayed), read on that day's window.
    for (const [i, shift] of shifts.entries()) {
      const dayStart = START + (SHIFT_DAY + i) * DAY;
      await shift.before?.(dayStart);
      await backfill(
        shift.inject(
          transactions.filter((t) => dayOf(t) === SHIFT_DAY + i),
          dayStart,
        ),
      );
      const names = alarmed(await driftOver(dayStart, dayStart + DAY));
      table.push({
        injected: shift.name,
        expected: shift.expected,
        alarmed: names,
        caught: names.some((n) => n.startsWith(`${shift.expected} `)),
      });
    }
    console.log(confusionTable('drift evaluation through the server', table));
    for (const r of table) expect(r.caught, `${r.injected}: ${r.alarmed.join(', ')}`).toBe(true);
  }, 300_000);
});
