// Simulation options, their defaults (the handbook's values) and validation.

import { parseIsoDate } from './dates.js';

/** How customers spend. Defaults follow the handbook's customer-profile generation. */
export interface CustomerProfileOptions {
  /** Lower bound of each customer's mean amount, drawn uniformly. Default 5. */
  meanAmountMin: number;
  /** Upper bound of each customer's mean amount. Default 100. */
  meanAmountMax: number;
  /** Standard deviation of a customer's amounts as a fraction of their mean. Default 0.5. */
  stdAmountRatio: number;
  /** Lower bound of each customer's mean number of transactions per day. Default 0. */
  meanTxPerDayMin: number;
  /** Upper bound of each customer's mean number of transactions per day (at most 100). Default 4. */
  meanTxPerDayMax: number;
  /** Mean time of day of a transaction, in seconds after midnight. Default 43200 (noon). */
  timeOfDayMeanSeconds: number;
  /** Standard deviation of the time of day, in seconds. Default 20000. */
  timeOfDayStdSeconds: number;
}

/** The three handbook fraud scenarios. Set a count to 0 to switch a scenario off. */
export interface FraudScenarioOptions {
  /** Scenario 1: every transaction with an amount strictly above this is fraud. Default 220 (Infinity disables). */
  amountThreshold: number;
  /** Scenario 2: terminals compromised each day, drawn uniformly. Default 2. */
  compromisedTerminalsPerDay: number;
  /** Scenario 2: days (including the draw day) during which a compromised terminal's transactions are fraud. Default 28. */
  terminalCompromiseDays: number;
  /** Scenario 3: customers compromised each day, drawn uniformly. Default 3. */
  compromisedCustomersPerDay: number;
  /** Scenario 3: days (including the draw day) during which the customer's card is abused. Default 14. */
  customerCompromiseDays: number;
  /** Scenario 3: probability that a compromised customer's transaction is fraudulent. Default 1/3. */
  customerFraudShare: number;
  /** Scenario 3: factor applied to the amount of those fraudulent transactions. Default 5. */
  customerFraudAmountMultiplier: number;
}

/** Options of {@link simulate}; every field is optional and defaults to the handbook's value. */
export interface SimulationOptions {
  /** PRNG seed, any safe integer. Default 0. */
  seed?: number;
  /** Number of customers. Default 5000. */
  customers?: number;
  /** Number of terminals. Default 10000. */
  terminals?: number;
  /** Number of simulated days. Default 183. */
  days?: number;
  /** First simulated day, `YYYY-MM-DD` (a naive calendar date). Default `2018-04-01`. */
  startDate?: string;
  /** Customers use the terminals strictly closer than this (on a 100 x 100 grid). Default 5. */
  radius?: number;
  profiles?: Partial<CustomerProfileOptions>;
  scenarios?: Partial<FraudScenarioOptions>;
}

/** Options with every default filled in. */
export interface ResolvedSimulationOptions {
  seed: number;
  customers: number;
  terminals: number;
  days: number;
  startDate: string;
  radius: number;
  profiles: CustomerProfileOptions;
  scenarios: FraudScenarioOptions;
}

export const DEFAULT_PROFILE_OPTIONS: Readonly<CustomerProfileOptions> = Object.freeze({
  meanAmountMin: 5,
  meanAmountMax: 100,
  stdAmountRatio: 0.5,
  meanTxPerDayMin: 0,
  meanTxPerDayMax: 4,
  timeOfDayMeanSeconds: 43_200,
  timeOfDayStdSeconds: 20_000,
});

export const DEFAULT_SCENARIO_OPTIONS: Readonly<FraudScenarioOptions> = Object.freeze({
  amountThreshold: 220,
  compromisedTerminalsPerDay: 2,
  terminalCompromiseDays: 28,
  compromisedCustomersPerDay: 3,
  customerCompromiseDays: 14,
  customerFraudShare: 1 / 3,
  customerFraudAmountMultiplier: 5,
});

export const DEFAULT_OPTIONS: Readonly<ResolvedSimulationOptions> = Object.freeze({
  seed: 0,
  customers: 5000,
  terminals: 10_000,
  days: 183,
  startDate: '2018-04-01',
  radius: 5,
  profiles: DEFAULT_PROFILE_OPTIONS,
  scenarios: DEFAULT_SCENARIO_OPTIONS,
});

/** Raised for an invalid option; `option` is its path, e.g. `scenarios.terminalCompromiseDays`. */
export class SimulationOptionError extends Error {
  override readonly name = 'SimulationOptionError';
  constructor(
    readonly option: string,
    readonly reason: string,
  ) {
    super(`Invalid simulation option "${option}": ${reason}`);
  }
}

/** Largest count accepted for customers / terminals: keeps typed arrays and run times sane. */
const MAX_POPULATION = 10_000_000;

const LAST_FOUR_DIGIT_DAY = parseIsoDate('9999-12-31') as number;

/** Fills in defaults and validates; throws {@link SimulationOptionError} naming the bad option. */
export function resolveOptions(options: SimulationOptions = {}): ResolvedSimulationOptions {
  if (typeof options !== 'object' || options === null) {
    throw new SimulationOptionError('options', 'must be an object');
  }
  rejectUnknownKeys(options, DEFAULT_OPTIONS, '');
  const profiles = { ...DEFAULT_PROFILE_OPTIONS, ...definedEntries(options.profiles, 'profiles') };
  const scenarios = { ...DEFAULT_SCENARIO_OPTIONS, ...definedEntries(options.scenarios, 'scenarios') };
  rejectUnknownKeys(profiles, DEFAULT_PROFILE_OPTIONS, 'profiles.');
  rejectUnknownKeys(scenarios, DEFAULT_SCENARIO_OPTIONS, 'scenarios.');

  const resolved: ResolvedSimulationOptions = {
    seed: options.seed ?? DEFAULT_OPTIONS.seed,
    customers: options.customers ?? DEFAULT_OPTIONS.customers,
    terminals: options.terminals ?? DEFAULT_OPTIONS.terminals,
    days: options.days ?? DEFAULT_OPTIONS.days,
    startDate: options.startDate ?? DEFAULT_OPTIONS.startDate,
    radius: options.radius ?? DEFAULT_OPTIONS.radius,
    profiles,
    scenarios,
  };

  if (!Number.isSafeInteger(resolved.seed)) fail('seed', 'must be a safe integer', resolved.seed);
  requireInteger('customers', resolved.customers, 1, MAX_POPULATION);
  requireInteger('terminals', resolved.terminals, 1, MAX_POPULATION);
  requireInteger('days', resolved.days, 1, 36_500);
  const startDay = typeof resolved.startDate === 'string' ? parseIsoDate(resolved.startDate) : undefined;
  if (startDay === undefined) fail('startDate', 'must be a calendar date written YYYY-MM-DD', resolved.startDate);
  // TX_DATETIME has a four-digit year.
  if (startDay + resolved.days - 1 > LAST_FOUR_DIGIT_DAY) fail('days', 'runs past 9999-12-31', resolved.days);
  requireNumber('radius', resolved.radius, { above: 0 });

  requireNumber('profiles.meanAmountMin', profiles.meanAmountMin, { atLeast: 0 });
  requireNumber('profiles.meanAmountMax', profiles.meanAmountMax, { atLeast: profiles.meanAmountMin });
  requireNumber('profiles.stdAmountRatio', profiles.stdAmountRatio, { atLeast: 0 });
  requireNumber('profiles.meanTxPerDayMin', profiles.meanTxPerDayMin, { atLeast: 0 });
  requireNumber('profiles.meanTxPerDayMax', profiles.meanTxPerDayMax, {
    atLeast: profiles.meanTxPerDayMin,
    atMost: 100,
  });
  requireNumber('profiles.timeOfDayMeanSeconds', profiles.timeOfDayMeanSeconds, { atLeast: 0, atMost: 86_400 });
  requireNumber('profiles.timeOfDayStdSeconds', profiles.timeOfDayStdSeconds, { atLeast: 0 });

  if (scenarios.amountThreshold !== Infinity) {
    requireNumber('scenarios.amountThreshold', scenarios.amountThreshold, { atLeast: 0 });
  }
  requireInteger('scenarios.compromisedTerminalsPerDay', scenarios.compromisedTerminalsPerDay, 0, resolved.terminals);
  requireInteger('scenarios.terminalCompromiseDays', scenarios.terminalCompromiseDays, 1, 36_500);
  requireInteger('scenarios.compromisedCustomersPerDay', scenarios.compromisedCustomersPerDay, 0, resolved.customers);
  requireInteger('scenarios.customerCompromiseDays', scenarios.customerCompromiseDays, 1, 36_500);
  requireNumber('scenarios.customerFraudShare', scenarios.customerFraudShare, { atLeast: 0, atMost: 1 });
  requireNumber('scenarios.customerFraudAmountMultiplier', scenarios.customerFraudAmountMultiplier, {
    above: 0,
    atMost: 1e6,
  });
  return resolved;
}

function definedEntries(value: unknown, path: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null) throw new SimulationOptionError(path, 'must be an object');
  // Explicit `undefined` (from JavaScript callers) means "use the default".
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined));
}

function rejectUnknownKeys(value: object, known: object, prefix: string): void {
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(known, key)) throw new SimulationOptionError(prefix + key, 'unknown option');
  }
}

function fail(option: string, requirement: string, value: unknown): never {
  throw new SimulationOptionError(option, `${requirement} (got ${JSON.stringify(value) ?? String(value)})`);
}

function requireInteger(option: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(option, `must be an integer from ${min} to ${max}`, value);
  }
}

function requireNumber(
  option: string,
  value: unknown,
  bounds: { above?: number; atLeast?: number; atMost?: number },
): void {
  const parts: string[] = [];
  if (bounds.above !== undefined) parts.push(`> ${bounds.above}`);
  if (bounds.atLeast !== undefined) parts.push(`>= ${bounds.atLeast}`);
  if (bounds.atMost !== undefined) parts.push(`<= ${bounds.atMost}`);
  const requirement = `must be a finite number ${parts.join(' and ')}`.trimEnd();
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(option, requirement, value);
  if (bounds.above !== undefined && !(value > bounds.above)) fail(option, requirement, value);
  if (bounds.atLeast !== undefined && !(value >= bounds.atLeast)) fail(option, requirement, value);
  if (bounds.atMost !== undefined && !(value <= bounds.atMost)) fail(option, requirement, value);
}
