// Command-line front end: argument parsing, progress and summary on stderr, exit codes.
// Kept apart from cli.ts (which only calls runCli) so tests can run it in-process.

import { parseArgs } from 'node:util';
import { writeCsv } from './csv.js';
import {
  DEFAULT_OPTIONS,
  SimulationOptionError,
  type CustomerProfileOptions,
  type FraudScenarioOptions,
  type SimulationOptions,
} from './options.js';
import { simulateDays, type SimulatedDay, type Transaction } from './simulate.js';
import { SummaryCollector } from './summary.js';

/** 0: success; 1: the run failed (e.g. cannot write the file); 2: bad command line; 130: interrupted. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

export interface CliIo {
  stderr: (text: string) => void;
  stdout: (text: string) => void;
}

type Kind = 'integer' | 'number' | 'string';
interface Flag {
  name: string;
  option: string;
  kind: Kind;
  description: string;
}

const TOP_LEVEL_FLAGS: Flag[] = [
  { name: 'seed', option: 'seed', kind: 'integer', description: 'PRNG seed (any safe integer)' },
  { name: 'customers', option: 'customers', kind: 'integer', description: 'number of customers' },
  { name: 'terminals', option: 'terminals', kind: 'integer', description: 'number of terminals' },
  { name: 'days', option: 'days', kind: 'integer', description: 'number of simulated days' },
  { name: 'start', option: 'startDate', kind: 'string', description: 'first day, YYYY-MM-DD' },
  { name: 'radius', option: 'radius', kind: 'number', description: 'customers use terminals closer than this' },
];

const PROFILE_DESCRIPTIONS: Record<keyof CustomerProfileOptions, string> = {
  meanAmountMin: "lower bound of a customer's mean amount",
  meanAmountMax: "upper bound of a customer's mean amount",
  stdAmountRatio: 'amount std as a fraction of the mean',
  meanTxPerDayMin: "lower bound of a customer's mean transactions per day",
  meanTxPerDayMax: "upper bound of a customer's mean transactions per day",
  timeOfDayMeanSeconds: 'mean time of day, seconds after midnight',
  timeOfDayStdSeconds: 'std of the time of day, seconds',
};

const SCENARIO_DESCRIPTIONS: Record<keyof FraudScenarioOptions, string> = {
  amountThreshold: 'scenario 1: amounts above this are fraud (Infinity: off)',
  compromisedTerminalsPerDay: 'scenario 2: terminals compromised per day',
  terminalCompromiseDays: 'scenario 2: days a terminal stays compromised',
  compromisedCustomersPerDay: 'scenario 3: customers compromised per day',
  customerCompromiseDays: 'scenario 3: days a card stays compromised',
  customerFraudShare: "scenario 3: share of a compromised card's transactions that are fraud",
  customerFraudAmountMultiplier: 'scenario 3: amount multiplier of those frauds',
};

const kebabCase = (name: string): string => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

const NESTED_FLAGS: Flag[] = [
  ...Object.entries(PROFILE_DESCRIPTIONS).map(([key, description]) => ({
    name: kebabCase(key),
    option: `profiles.${key}`,
    kind: 'number' as const,
    description,
  })),
  ...Object.entries(SCENARIO_DESCRIPTIONS).map(([key, description]) => ({
    name: kebabCase(key),
    option: `scenarios.${key}`,
    kind:
      key === 'amountThreshold' || key === 'customerFraudShare' || key === 'customerFraudAmountMultiplier'
        ? ('number' as const)
        : ('integer' as const),
    description,
  })),
];

const ALL_FLAGS = [...TOP_LEVEL_FLAGS, ...NESTED_FLAGS];

class UsageError extends Error {}

function defaultOf(option: string): string {
  const [head, tail] = option.split('.') as [string, string | undefined];
  const group = (DEFAULT_OPTIONS as unknown as Record<string, unknown>)[head];
  const value = tail === undefined ? group : (group as Record<string, unknown>)[tail];
  return typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(4).replace(/0+$/, '') : String(value);
}

export function helpText(): string {
  const line = (flag: string, description: string, fallback?: string): string =>
    `  ${flag.padEnd(42)}${description}${fallback === undefined ? '' : ` (default ${fallback})`}`;
  const argument = (flag: Flag): string =>
    `--${flag.name} <${flag.kind === 'string' ? 'date' : flag.kind === 'integer' ? 'int' : 'num'}>`;
  return [
    'Usage: fraudscore-simulate --out <file.csv|file.csv.gz> [options]',
    '',
    'Simulates card transactions with labelled frauds (Fraud Detection Handbook, ch. 3.2)',
    'and writes them as CSV; gzip-compressed when the file name ends in .gz.',
    'Same options and seed give the same CSV bytes on any machine.',
    '',
    'Options:',
    line('--out <path>', 'output file (required)'),
    ...TOP_LEVEL_FLAGS.map((flag) => line(argument(flag), flag.description, defaultOf(flag.option))),
    line('--quiet', 'no progress lines'),
    line('--help', 'show this help'),
    '',
    'Customer profiles and fraud scenarios:',
    ...NESTED_FLAGS.map((flag) => line(argument(flag), flag.description, defaultOf(flag.option))),
    '',
    'Exit codes: 0 success, 1 failure while running, 2 invalid arguments, 130 interrupted.',
    '',
  ].join('\n');
}

function parseValue(flag: Flag, text: string): number | string {
  if (flag.kind === 'string') return text;
  const pattern = flag.kind === 'integer' ? /^[-+]?\d+$/ : /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^Infinity$/;
  const value = Number(text);
  if (!pattern.test(text) || (flag.kind === 'integer' && !Number.isSafeInteger(value))) {
    throw new UsageError(
      `--${flag.name}: expected ${flag.kind === 'integer' ? 'an integer' : 'a number'}, got "${text}"`,
    );
  }
  return value;
}

interface ParsedCommand {
  help: boolean;
  quiet: boolean;
  out: string;
  options: SimulationOptions;
}

function parseCommand(argv: readonly string[]): ParsedCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        out: { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(ALL_FLAGS.map((flag) => [flag.name, { type: 'string' as const }])),
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help === true) return { help: true, quiet: false, out: '', options: {} };

  const options: Record<string, unknown> = {};
  for (const flag of ALL_FLAGS) {
    const text = values[flag.name];
    if (typeof text !== 'string') continue;
    const [head, tail] = flag.option.split('.') as [string, string | undefined];
    if (tail === undefined) options[head] = parseValue(flag, text);
    else options[head] = { ...(options[head] as object | undefined), [tail]: parseValue(flag, text) };
  }
  const out = values.out;
  if (typeof out !== 'string' || out === '') throw new UsageError('--out: an output file is required');
  return { help: false, quiet: values.quiet === true, out, options: options as SimulationOptions };
}

/** Runs the command line; resolves to the process exit code. */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  let command: ParsedCommand;
  let days: Generator<SimulatedDay, void, undefined>;
  try {
    command = parseCommand(argv);
    if (command.help) {
      io.stdout(helpText());
      return EXIT_OK;
    }
    days = simulateDays(command.options);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`error: ${error.message}\nRun with --help for the options.\n`);
      return EXIT_USAGE;
    }
    if (error instanceof SimulationOptionError) {
      const flag = ALL_FLAGS.find((candidate) => candidate.option === error.option);
      io.stderr(
        `error: ${flag ? `--${flag.name}` : error.option}: ${error.reason}\nRun with --help for the options.\n`,
      );
      return EXIT_USAGE;
    }
    throw error;
  }

  const started = performance.now();
  const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  const totalDays = command.options.days ?? DEFAULT_OPTIONS.days;
  const progressEvery = Math.max(1, Math.ceil(totalDays / 10));
  const collector = new SummaryCollector();
  let firstDate = '';
  let lastDate = '';

  function* transactionsWithProgress(): Generator<Transaction, void, undefined> {
    for (const day of days) {
      if (day.day === 0) firstDate = day.date;
      lastDate = day.date;
      for (const transaction of day.transactions) {
        collector.add(transaction);
        yield transaction;
      }
      const completed = day.day + 1;
      if (!command.quiet && (completed % progressEvery === 0 || completed === totalDays)) {
        const percent = Math.round((completed / totalDays) * 100);
        io.stderr(
          `[simulate] day ${completed}/${totalDays} (${day.date}) ${percent}%, ${collector.summary.rows} rows, ${elapsed()}\n`,
        );
      }
    }
  }

  // Ctrl-C / SIGTERM cancel the write so the temporary file is removed before exiting.
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await writeCsv(transactionsWithProgress(), command.out, { signal: abort.signal });
  } catch (error) {
    const reason = abort.signal.aborted ? 'interrupted' : error instanceof Error ? error.message : String(error);
    io.stderr(`error: simulation failed, nothing written to ${command.out}: ${reason}\n`);
    return abort.signal.aborted ? EXIT_INTERRUPTED : EXIT_FAILURE;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  const summary = collector.summary;
  const [, scenario1, scenario2, scenario3] = summary.byScenario;
  io.stderr(
    `[simulate] wrote ${summary.rows} rows (${totalDays} days, ${firstDate} to ${lastDate}) to ${command.out} in ${elapsed()}\n` +
      `[simulate] frauds ${summary.frauds} (${(summary.fraudRate * 100).toFixed(3)}%): ` +
      `scenario 1 = ${scenario1}, scenario 2 = ${scenario2}, scenario 3 = ${scenario3}\n`,
  );
  return EXIT_OK;
}

const defaultIo: CliIo = {
  stderr: (text) => process.stderr.write(text),
  stdout: (text) => process.stdout.write(text),
};
