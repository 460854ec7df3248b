import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { csvChunks, CSV_HEADER } from './csv.js';
import { SimulationOptionError, type SimulationOptions } from './options.js';
import { simulate, simulateDays } from './simulate.js';
import { summarize } from './summary.js';

const SMALL: SimulationOptions = { seed: 11, customers: 300, terminals: 600, days: 30 };

async function csvText(options: SimulationOptions): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of csvChunks(simulate(options))) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

describe('determinism', () => {
  it('gives identical CSV bytes for the same seed and options, different bytes for another seed', async () => {
    const first = await csvText(SMALL);
    expect(await csvText(SMALL)).toBe(first);
    expect(await csvText({ ...SMALL, seed: 12 })).not.toBe(first);
  });

  it('produces pinned bytes, so output is identical on every machine', async () => {
    // If the generation rules change on purpose, update this hash (and say so in the changelog).
    const text = await csvText({ seed: 42, customers: 200, terminals: 400, days: 20, startDate: '2020-02-20' });
    expect(createHash('sha256').update(text).digest('hex')).toBe(PINNED_SHA256);
  });

  it('does not depend on the host time zone', async () => {
    const previous = process.env.TZ;
    try {
      process.env.TZ = 'UTC';
      const utc = await csvText({ ...SMALL, days: 5, startDate: '2021-03-26' });
      for (const zone of ['America/New_York', 'Asia/Kolkata', 'Europe/Paris']) {
        process.env.TZ = zone;
        expect(await csvText({ ...SMALL, days: 5, startDate: '2021-03-26' })).toBe(utc);
      }
    } finally {
      if (previous === undefined) delete process.env.TZ;
      else process.env.TZ = previous;
    }
  });

  it('keeps earlier days unchanged when more days are simulated', () => {
    const short = [...simulate({ ...SMALL, days: 10 })];
    const long = [...simulate({ ...SMALL, days: 20 })];
    expect(long.length).toBeGreaterThan(short.length);
    expect(long.slice(0, short.length)).toEqual(short);
  });
});

describe('schema and ordering', () => {
  const transactions = [...simulate({ ...SMALL, startDate: '2020-02-27' })];

  it('writes the handbook header and well-formed rows', async () => {
    const lines = (await csvText({ ...SMALL, days: 3 })).split('\n');
    expect(lines[0]).toBe(
      'TRANSACTION_ID,TX_DATETIME,CUSTOMER_ID,TERMINAL_ID,TX_AMOUNT,TX_TIME_SECONDS,TX_TIME_DAYS,TX_FRAUD,TX_FRAUD_SCENARIO',
    );
    expect(lines[0]).toBe(CSV_HEADER);
    expect(lines.at(-1)).toBe(''); // file ends with a line break
    const rows = lines.slice(1, -1);
    expect(rows.length).toBeGreaterThan(1000);
    for (const row of rows) {
      expect(row).toMatch(/^\d+,\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d+,\d+,\d+\.\d{1,2},\d+,\d+,[01],[0-3]$/);
      // Python-style amounts: "146.0", "57.1", "57.16" - never "57.10" or "146".
      expect(row.split(',')[4]).not.toMatch(/\.\d0$|^\d+$/);
    }
  });

  it('numbers transactions from 0 in time order, with consistent time fields', () => {
    const start = Date.UTC(2020, 1, 27);
    // Collect violations and assert once: thousands of expect() calls would be slow.
    const problems: string[] = [];
    transactions.forEach((transaction, index) => {
      const previous = transactions[index - 1];
      const expectedDatetime = new Date(start + transaction.TX_TIME_SECONDS * 1000)
        .toISOString()
        .slice(0, 19)
        .replace('T', ' ');
      const checks: [string, boolean][] = [
        ['id', transaction.TRANSACTION_ID === index],
        ['order', previous === undefined || transaction.TX_TIME_SECONDS >= previous.TX_TIME_SECONDS],
        ['day', transaction.TX_TIME_DAYS === Math.floor(transaction.TX_TIME_SECONDS / 86_400)],
        ['datetime', transaction.TX_DATETIME === expectedDatetime],
        ['fraud flag', transaction.TX_FRAUD === (transaction.TX_FRAUD_SCENARIO === 0 ? 0 : 1)],
        [
          'customer',
          Number.isInteger(transaction.CUSTOMER_ID) && transaction.CUSTOMER_ID >= 0 && transaction.CUSTOMER_ID < 300,
        ],
        [
          'terminal',
          Number.isInteger(transaction.TERMINAL_ID) && transaction.TERMINAL_ID >= 0 && transaction.TERMINAL_ID < 600,
        ],
        [
          'amount',
          transaction.TX_AMOUNT >= 0 &&
            Math.abs(transaction.TX_AMOUNT * 100 - Math.round(transaction.TX_AMOUNT * 100)) < 1e-6,
        ],
      ];
      for (const [name, ok] of checks) if (!ok) problems.push(`${name}: ${JSON.stringify(transaction)}`);
    });
    expect(problems.slice(0, 5)).toEqual([]);
    // 2020 is a leap year: day 2 is Feb 29, day 3 is Mar 1.
    const dateOfDay = (day: number): string | undefined =>
      transactions.find((transaction) => transaction.TX_TIME_DAYS === day)?.TX_DATETIME.slice(0, 10);
    expect([dateOfDay(2), dateOfDay(3)]).toEqual(['2020-02-29', '2020-03-01']);
  });

  it('keeps times of day inside the day, centred on noon', () => {
    const seconds = transactions.map((transaction) => transaction.TX_TIME_SECONDS % 86_400);
    expect(Math.min(...seconds)).toBeGreaterThan(0);
    const mean = seconds.reduce((sum, value) => sum + value, 0) / seconds.length;
    expect(Math.abs(mean - 43_200)).toBeLessThan(1000);
  });

  it('reports one batch per day with its compromises', () => {
    const days = [...simulateDays({ ...SMALL, days: 4 })];
    expect(days.map((day) => day.date)).toEqual(['2018-04-01', '2018-04-02', '2018-04-03', '2018-04-04']);
    for (const day of days) {
      expect(day.compromisedTerminals).toHaveLength(2);
      expect(day.compromisedCustomers).toHaveLength(3);
      expect(day.transactions.every((transaction) => transaction.TX_TIME_DAYS === day.day)).toBe(true);
    }
  });
});

describe('volume and fraud rate at the handbook size', () => {
  it('matches the handbook: ~9,600 transactions a day and ~0.8-0.9% fraud once scenarios ramp up', () => {
    const days = [...simulateDays({ seed: 5, days: 40 })];
    const perDay = days.map((day) => day.transactions.length);
    const mean = perDay.reduce((sum, count) => sum + count, 0) / perDay.length;
    expect(mean).toBeGreaterThan(9300);
    expect(mean).toBeLessThan(10_100);
    const steady = summarize(days.slice(28).flatMap((day) => day.transactions));
    expect(steady.fraudRate).toBeGreaterThan(0.006);
    expect(steady.fraudRate).toBeLessThan(0.012);
    const [, scenario1, scenario2, scenario3] = steady.byScenario;
    // Handbook shares of frauds: roughly 7% / 61% / 32%.
    expect(scenario2).toBeGreaterThan(scenario3);
    expect(scenario3).toBeGreaterThan(scenario1);
  });
});

describe('option validation', () => {
  it.each([
    [{ customers: 0 }, 'customers'],
    [{ terminals: 2.5 }, 'terminals'],
    [{ days: -1 }, 'days'],
    [{ startDate: '2018-02-30' }, 'startDate'],
    [{ startDate: '1/4/2018' }, 'startDate'],
    [{ radius: 0 }, 'radius'],
    [{ seed: 1.5 }, 'seed'],
    [{ scenarios: { terminalCompromiseDays: 0 } }, 'scenarios.terminalCompromiseDays'],
    [{ scenarios: { customerFraudShare: 2 } }, 'scenarios.customerFraudShare'],
    [{ customers: 2, scenarios: { compromisedCustomersPerDay: 3 } }, 'scenarios.compromisedCustomersPerDay'],
    [{ profiles: { meanAmountMax: 1, meanAmountMin: 5 } }, 'profiles.meanAmountMax'],
    [{ cutomers: 10 }, 'cutomers'],
  ])('rejects %j naming %s, when simulate() is called', (options, option) => {
    let caught: unknown;
    try {
      simulate(options as SimulationOptions);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SimulationOptionError);
    expect((caught as SimulationOptionError).option).toBe(option);
    expect((caught as Error).message).toContain(`"${option}"`);
  });
});

const PINNED_SHA256 = '2f93a10e48e3f588c4caba4542ee06a5cea7968d21f53ffe8f851224c63dee00';
