/**
 * Card-transaction simulator with labelled frauds, after the transaction data simulator of
 * "Reproducible Machine Learning for Credit Card Fraud Detection - Practical Handbook"
 * (Le Borgne, Siblini, Lebichot, Bontempi), Chapter 3.2 "Transaction data simulator"
 * (https://github.com/Fraud-Detection-Handbook/fraud-detection-handbook). Own implementation.
 *
 * - Customers sit uniformly on a 100 x 100 grid, with a mean amount ~ U(5, 100), amount
 *   std = mean / 2 and a mean number of transactions per day ~ U(0, 4).
 * - Terminals sit uniformly on the same grid; a customer uses the terminals within radius 5.
 * - Each day a customer makes Poisson(mean) transactions; the time of day is normal around
 *   noon (std 20000 s; draws outside the day are dropped, as in the handbook); the amount is
 *   normal (a negative draw is replaced by U(0, 2 * mean)); the terminal is uniform among the
 *   customer's terminals.
 * - Frauds follow the handbook's three scenarios (see scenarios.ts).
 *
 * Generation runs day by day, so memory holds only one day of transactions plus the
 * profiles, and a caller can stream days as they come.
 */

import { formatIsoDate, formatTimeOfDay, parseIsoDate } from './dates.js';
import { resolveOptions, type ResolvedSimulationOptions, type SimulationOptions } from './options.js';
import { generateCustomerProfiles, generateTerminalProfiles, terminalsWithinRadius } from './profiles.js';
import { Random } from './random.js';
import { FraudScenarios, type FraudScenario } from './scenarios.js';

const SECONDS_PER_DAY = 86_400;

/** One transaction; the keys are the CSV columns of the handbook's dataset. */
export interface Transaction {
  /** 0, 1, 2, ... in time order over the whole simulation. */
  TRANSACTION_ID: number;
  /** Naive date and time, `YYYY-MM-DD HH:MM:SS`. */
  TX_DATETIME: string;
  CUSTOMER_ID: number;
  TERMINAL_ID: number;
  /** Amount with at most two decimals. */
  TX_AMOUNT: number;
  /** Seconds since midnight of the start date. */
  TX_TIME_SECONDS: number;
  /** Day index, 0 for the start date. */
  TX_TIME_DAYS: number;
  TX_FRAUD: 0 | 1;
  /** 0 for a genuine transaction, otherwise the fraud scenario (1, 2 or 3). */
  TX_FRAUD_SCENARIO: FraudScenario;
}

/** One simulated day: its transactions in time order and the compromises drawn that day. */
export interface SimulatedDay {
  /** Day index, 0 for the start date. */
  day: number;
  /** `YYYY-MM-DD`. */
  date: string;
  transactions: Transaction[];
  /** Terminals compromised from this day on (scenario 2). */
  compromisedTerminals: readonly number[];
  /** Customers whose card is abused from this day on (scenario 3). */
  compromisedCustomers: readonly number[];
}

// Independent random streams, so that each concern's draws do not shift the others'.
const Stream = {
  CustomerProfiles: 1,
  TerminalProfiles: 2,
  Transactions: 3,
  CompromisedTerminals: 4,
  CompromisedCustomers: 5,
  CardAbuse: 6,
} as const;

/**
 * Simulates day by day. Options are validated immediately (throwing
 * `SimulationOptionError`); profiles are built on the first `next()`.
 */
export function simulateDays(options: SimulationOptions = {}): Generator<SimulatedDay, void, undefined> {
  return generateDays(resolveOptions(options));
}

/** All transactions in time order, generated lazily one day at a time. */
export function simulate(options: SimulationOptions = {}): Generator<Transaction, void, undefined> {
  return flatten(simulateDays(options));
}

function* flatten(days: Iterable<SimulatedDay>): Generator<Transaction, void, undefined> {
  for (const day of days) yield* day.transactions;
}

function* generateDays(options: ResolvedSimulationOptions): Generator<SimulatedDay, void, undefined> {
  const { seed, profiles: profileOptions } = options;
  const customers = generateCustomerProfiles(
    options.customers,
    profileOptions,
    new Random(seed, Stream.CustomerProfiles),
  );
  const terminals = generateTerminalProfiles(options.terminals, new Random(seed, Stream.TerminalProfiles));
  const availableTerminals = terminalsWithinRadius(customers, terminals, options.radius);
  const fraud = new FraudScenarios(
    options.scenarios,
    options.customers,
    options.terminals,
    new Random(seed, Stream.CompromisedTerminals),
    new Random(seed, Stream.CompromisedCustomers),
    new Random(seed, Stream.CardAbuse),
  );
  const random = new Random(seed, Stream.Transactions);
  const startDay = parseIsoDate(options.startDate) as number;
  let nextTransactionId = 0;

  for (let day = 0; day < options.days; day += 1) {
    const compromises = fraud.beginDay(day);
    const date = formatIsoDate(startDay + day);
    const transactions: Transaction[] = [];

    for (let customer = 0; customer < customers.count; customer += 1) {
      const count = random.poisson(
        customers.meanTxPerDay[customer] as number,
        customers.expMinusMeanTxPerDay[customer] as number,
      );
      for (let i = 0; i < count; i += 1) {
        // Truncation toward zero and the open interval follow the handbook.
        const secondOfDay = Math.trunc(
          random.normal(profileOptions.timeOfDayMeanSeconds, profileOptions.timeOfDayStdSeconds),
        );
        if (secondOfDay <= 0 || secondOfDay >= SECONDS_PER_DAY) continue;

        const meanAmount = customers.meanAmount[customer] as number;
        let amount = random.normal(meanAmount, customers.stdAmount[customer] as number);
        if (amount < 0) amount = random.uniform(0, 2 * meanAmount);
        const amountCents = Math.round(amount * 100);

        const usable = availableTerminals[customer] as Int32Array;
        if (usable.length === 0) continue;
        const terminal = usable[random.integer(usable.length)] as number;

        const label = fraud.label(customer, terminal, amountCents);
        transactions.push({
          TRANSACTION_ID: -1, // numbered after sorting
          TX_DATETIME: '',
          CUSTOMER_ID: customer,
          TERMINAL_ID: terminal,
          TX_AMOUNT: label.amountCents / 100,
          TX_TIME_SECONDS: day * SECONDS_PER_DAY + secondOfDay,
          TX_TIME_DAYS: day,
          TX_FRAUD: label.scenario === 0 ? 0 : 1,
          TX_FRAUD_SCENARIO: label.scenario,
        });
      }
    }

    // Stable sort: ties in time keep customer order, so the result is fully determined.
    transactions.sort((a, b) => a.TX_TIME_SECONDS - b.TX_TIME_SECONDS);
    for (const transaction of transactions) {
      transaction.TRANSACTION_ID = nextTransactionId;
      nextTransactionId += 1;
      transaction.TX_DATETIME = `${date} ${formatTimeOfDay(transaction.TX_TIME_SECONDS - day * SECONDS_PER_DAY)}`;
    }

    yield {
      day,
      date,
      transactions,
      compromisedTerminals: compromises.terminals,
      compromisedCustomers: compromises.customers,
    };
  }
}
