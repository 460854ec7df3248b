import { describe, expect, it } from 'vitest';
import { simulateDays, type SimulatedDay, type Transaction } from './simulate.js';
import type { SimulationOptions } from './options.js';

// Small enough to run in well under a second, large enough for every scenario to fire often.
const OPTIONS: SimulationOptions = { seed: 2024, customers: 300, terminals: 600, days: 60 };

const days: SimulatedDay[] = [...simulateDays(OPTIONS)];
const transactions: Transaction[] = days.flatMap((day) => day.transactions);

/** For each id, the days on which it was compromised. */
function compromiseDays(pick: (day: SimulatedDay) => readonly number[]): Map<number, number[]> {
  const result = new Map<number, number[]>();
  for (const day of days) {
    for (const id of pick(day)) result.set(id, [...(result.get(id) ?? []), day.day]);
  }
  return result;
}
const terminalCompromises = compromiseDays((day) => day.compromisedTerminals);
const customerCompromises = compromiseDays((day) => day.compromisedCustomers);
const within = (drawDays: number[] | undefined, day: number, length: number): boolean =>
  (drawDays ?? []).some((drawDay) => drawDay <= day && day < drawDay + length);

const byScenario = (scenario: number): Transaction[] =>
  transactions.filter((transaction) => transaction.TX_FRAUD_SCENARIO === scenario);

describe('fraud scenarios (300 customers, 600 terminals, 60 days)', () => {
  it('generates every scenario', () => {
    expect(transactions.length).toBeGreaterThan(20_000);
    for (const scenario of [1, 2, 3]) expect(byScenario(scenario).length).toBeGreaterThan(10);
  });

  it('scenario 1: every amount above 220 is fraud, and scenario-1 frauds are exactly those not claimed by 2 or 3', () => {
    const over = transactions.filter((transaction) => transaction.TX_AMOUNT > 220);
    expect(over.length).toBeGreaterThan(0);
    expect(over.filter((transaction) => transaction.TX_FRAUD !== 1)).toEqual([]);
    expect(byScenario(1).filter((transaction) => !(transaction.TX_AMOUNT > 220))).toEqual([]);
    const genuine = byScenario(0);
    expect(Math.max(...genuine.map((transaction) => transaction.TX_AMOUNT))).toBeLessThanOrEqual(220);
  });

  it('scenario 2: frauds are on terminals compromised within the previous 28 days, and all such transactions are fraud', () => {
    const outsideWindow = byScenario(2).filter(
      (transaction) => !within(terminalCompromises.get(transaction.TERMINAL_ID), transaction.TX_TIME_DAYS, 28),
    );
    expect(outsideWindow).toEqual([]);
    const onCompromised = transactions.filter((transaction) =>
      within(terminalCompromises.get(transaction.TERMINAL_ID), transaction.TX_TIME_DAYS, 28),
    );
    expect(onCompromised.length).toBeGreaterThan(100);
    // Scenario 3 may claim one of them (it labels last), but none stays genuine or scenario 1.
    expect(onCompromised.filter((transaction) => transaction.TX_FRAUD_SCENARIO < 2)).toEqual([]);
    // The window really ends: day 28 after a draw no longer counts unless drawn again.
    const afterWindow = transactions.filter((transaction) => {
      const draws = terminalCompromises.get(transaction.TERMINAL_ID) ?? [];
      return (
        draws.some((drawDay) => transaction.TX_TIME_DAYS === drawDay + 28) &&
        !within(draws, transaction.TX_TIME_DAYS, 28)
      );
    });
    expect(afterWindow.length).toBeGreaterThan(0);
    expect(afterWindow.filter((transaction) => transaction.TX_FRAUD_SCENARIO === 2)).toEqual([]);
  });

  it('scenario 3: frauds are on customers compromised within 14 days, about 1/3 of their transactions', () => {
    expect(
      byScenario(3).filter(
        (transaction) => !within(customerCompromises.get(transaction.CUSTOMER_ID), transaction.TX_TIME_DAYS, 14),
      ),
    ).toEqual([]);
    const compromisedWindow = transactions.filter((transaction) =>
      within(customerCompromises.get(transaction.CUSTOMER_ID), transaction.TX_TIME_DAYS, 14),
    );
    const share = byScenario(3).length / compromisedWindow.length;
    expect(share).toBeGreaterThan(0.29);
    expect(share).toBeLessThan(0.38);
  });

  it('scenario 3: fraudulent amounts are the genuine amount times 5; nothing else changes', () => {
    // Every concern has its own random stream, so switching scenario 3 off reproduces the
    // same transactions (same ids) with the genuine amounts.
    const baseline = [...simulateDays({ ...OPTIONS, scenarios: { compromisedCustomersPerDay: 0 } })].flatMap(
      (day) => day.transactions,
    );
    expect(baseline).toHaveLength(transactions.length);
    const mismatches: string[] = [];
    transactions.forEach((transaction, index) => {
      const original = baseline[index] as Transaction;
      const sameEvent =
        original.CUSTOMER_ID === transaction.CUSTOMER_ID &&
        original.TERMINAL_ID === transaction.TERMINAL_ID &&
        original.TX_TIME_SECONDS === transaction.TX_TIME_SECONDS;
      const expectedAmount =
        transaction.TX_FRAUD_SCENARIO === 3 ? Math.round(original.TX_AMOUNT * 500) / 100 : original.TX_AMOUNT;
      if (!sameEvent || transaction.TX_AMOUNT !== expectedAmount) mismatches.push(`${index}`);
      if (transaction.TX_FRAUD_SCENARIO !== 3 && transaction.TX_FRAUD_SCENARIO !== original.TX_FRAUD_SCENARIO) {
        mismatches.push(`label ${index}`);
      }
    });
    expect(mismatches.slice(0, 5)).toEqual([]);
    const inflation =
      byScenario(3).reduce((sum, transaction) => sum + transaction.TX_AMOUNT, 0) /
      byScenario(3).reduce(
        (sum, transaction) => sum + (baseline[transaction.TRANSACTION_ID] as Transaction).TX_AMOUNT,
        0,
      );
    expect(inflation).toBeCloseTo(5, 6);
  });

  it('scenarios can be switched off', () => {
    const quiet = [
      ...simulateDays({
        ...OPTIONS,
        days: 20,
        scenarios: { amountThreshold: Infinity, compromisedTerminalsPerDay: 0, compromisedCustomersPerDay: 0 },
      }),
    ].flatMap((day) => day.transactions);
    expect(quiet.length).toBeGreaterThan(5000);
    expect(quiet.filter((transaction) => transaction.TX_FRAUD !== 0)).toEqual([]);
  });
});
