/**
 * @fraudscore/simulator - deterministic card-transaction simulator with labelled frauds,
 * after Chapter 3.2 "Transaction data simulator" of the Fraud Detection Handbook
 * (https://github.com/Fraud-Detection-Handbook/fraud-detection-handbook). See simulate.ts.
 */

export { simulate, simulateDays, type SimulatedDay, type Transaction } from './simulate.js';
export {
  DEFAULT_OPTIONS,
  DEFAULT_PROFILE_OPTIONS,
  DEFAULT_SCENARIO_OPTIONS,
  SimulationOptionError,
  resolveOptions,
  type CustomerProfileOptions,
  type FraudScenarioOptions,
  type ResolvedSimulationOptions,
  type SimulationOptions,
} from './options.js';
export type { FraudScenario } from './scenarios.js';
export {
  CSV_COLUMNS,
  CSV_HEADER,
  csvChunks,
  csvField,
  CsvSyntaxError,
  formatAmount,
  formatCsvLine,
  formatCsvRow,
  MAX_RECORD_CHARACTERS,
  parseCsv,
  readCsvRecords,
  readTextChunks,
  writeCsv,
  type CsvRecord,
  type CsvRow,
  type ReadCsvOptions,
  type WriteCsvOptions,
  type WriteCsvResult,
} from './csv.js';
export { SummaryCollector, summarize, type SimulationSummary } from './summary.js';
export { Random } from './random.js';
