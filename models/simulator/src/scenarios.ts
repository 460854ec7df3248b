// The handbook's three fraud scenarios, applied day by day as transactions are generated:
//  1. any amount above a threshold (220) is fraud;
//  2. each day a few terminals (2) are compromised: all their transactions during the next
//     28 days (the draw day included) are fraud;
//  3. each day a few customers (3) are compromised: during their next 14 days each of their
//     transactions is, with probability 1/3, fraud with its amount multiplied by 5.
// When several apply, the later scenario wins the label (3 over 2 over 1), as in the handbook.

import type { FraudScenarioOptions } from './options.js';
import { Random } from './random.js';

export type FraudScenario = 0 | 1 | 2 | 3;

/** Compromises drawn at the start of one day. */
export interface DailyCompromises {
  /** Terminals whose transactions are fraud from this day on (scenario 2). */
  readonly terminals: readonly number[];
  /** Customers whose card is abused from this day on (scenario 3). */
  readonly customers: readonly number[];
}

/** Outcome of labelling one transaction. */
export interface FraudLabel {
  scenario: FraudScenario;
  /** Amount in cents, multiplied for scenario-3 frauds. */
  amountCents: number;
}

export class FraudScenarios {
  // First day on which the terminal / customer is no longer compromised (0: never was).
  private readonly terminalCompromisedUntil: Int32Array;
  private readonly customerCompromisedUntil: Int32Array;
  private readonly thresholdCents: number;
  private currentDay = -1;

  /**
   * Each random stream serves one purpose so that, for example, switching scenario 3 off
   * leaves the scenario-2 draws unchanged.
   */
  constructor(
    private readonly options: FraudScenarioOptions,
    private readonly customerCount: number,
    private readonly terminalCount: number,
    private readonly terminalDraws: Random,
    private readonly customerDraws: Random,
    private readonly cardAbuseDraws: Random,
  ) {
    this.terminalCompromisedUntil = new Int32Array(terminalCount);
    this.customerCompromisedUntil = new Int32Array(customerCount);
    // Amounts are whole cents, so comparing in cents is exact ("above 220" means >= 220.01).
    this.thresholdCents = options.amountThreshold * 100;
  }

  /** Draws the day's new compromises; call once per day, in order, before labelling. */
  beginDay(day: number): DailyCompromises {
    if (day !== this.currentDay + 1) throw new Error(`FraudScenarios: expected day ${this.currentDay + 1}, got ${day}`);
    this.currentDay = day;
    const terminals = this.terminalDraws.sampleDistinct(this.terminalCount, this.options.compromisedTerminalsPerDay);
    for (const terminal of terminals) {
      this.terminalCompromisedUntil[terminal] = day + this.options.terminalCompromiseDays;
    }
    const customers = this.customerDraws.sampleDistinct(this.customerCount, this.options.compromisedCustomersPerDay);
    for (const customer of customers) {
      this.customerCompromisedUntil[customer] = day + this.options.customerCompromiseDays;
    }
    return { terminals, customers };
  }

  /** Labels a transaction of the current day (amount in cents). */
  label(customer: number, terminal: number, amountCents: number): FraudLabel {
    const day = this.currentDay;
    if (
      (this.customerCompromisedUntil[customer] as number) > day &&
      this.cardAbuseDraws.nextFloat() < this.options.customerFraudShare
    ) {
      return { scenario: 3, amountCents: Math.round(amountCents * this.options.customerFraudAmountMultiplier) };
    }
    if ((this.terminalCompromisedUntil[terminal] as number) > day) return { scenario: 2, amountCents };
    if (amountCents > this.thresholdCents) return { scenario: 1, amountCents };
    return { scenario: 0, amountCents };
  }
}
