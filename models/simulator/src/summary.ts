// Running totals over a stream of transactions (for progress and end-of-run reports).

import type { Transaction } from './simulate.js';

export interface SimulationSummary {
  rows: number;
  frauds: number;
  /** frauds / rows (0 when there are no rows). */
  fraudRate: number;
  /** Transactions per TX_FRAUD_SCENARIO: [genuine, scenario 1, scenario 2, scenario 3]. */
  byScenario: [number, number, number, number];
  /** Sum of TX_AMOUNT. */
  totalAmount: number;
}

export class SummaryCollector {
  private rows = 0;
  private readonly byScenario: [number, number, number, number] = [0, 0, 0, 0];
  private totalCents = 0;

  add(transaction: Transaction): void {
    this.rows += 1;
    this.byScenario[transaction.TX_FRAUD_SCENARIO] += 1;
    // Summing integer cents keeps the total exact (and independent of summation order).
    this.totalCents += Math.round(transaction.TX_AMOUNT * 100);
  }

  get summary(): SimulationSummary {
    const frauds = this.rows - this.byScenario[0];
    return {
      rows: this.rows,
      frauds,
      fraudRate: this.rows === 0 ? 0 : frauds / this.rows,
      byScenario: [...this.byScenario],
      totalAmount: this.totalCents / 100,
    };
  }
}

/** Summarises a finite collection of transactions. */
export function summarize(transactions: Iterable<Transaction>): SimulationSummary {
  const collector = new SummaryCollector();
  for (const transaction of transactions) collector.add(transaction);
  return collector.summary;
}
