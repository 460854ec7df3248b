// Back-fill without Kafka: a handbook-schema CSV of history (the simulator's or the handbook's, .csv.gz read as gzip)
// scored straight into the configured store, at the file's own times (weekdays and hours kept), with its labels.
// `fraudscore-ops backfill` (cli/ops.ts) wires it to the server's storage and feature history.
//
// Every row goes through the scoring service's input contract as a back-fill (the same validation as
// `POST /v1/score`, without the window around the clock): a refused row is reported and changes nothing (its label
// is not applied either), an id already stored with the same content is left as it is (a re-run or a resumed run
// adds only what is missing), one stored with other content is refused as a conflict. Nothing is rewritten: the
// amount is read as a number only when the field is one, TX_DATETIME goes to the contract as written.
//
// Labels: TX_FRAUD 1 is fraud, 0 legitimate, empty not known; their decision time is TX_FRAUD_KNOWN_AT (the format of
// TX_DATETIME; empty: not known) or, in a file without that column, TX_DATETIME plus the label delay (7 days, as
// `fraudmodels score --label-delay`). They are applied through the service's bulk label path (POST /v1/labels'), in
// the data's time: a chunk of transactions never runs past the decision time of a label among its own rows, so every
// transaction is scored with exactly the labels known by its time (windows over labels as known at scoring time
// filter by that time; windows on a fixed delay read every label, as in training).
import { parseTimestamp, ValidationError } from '@fraudscore/sdk';
import type { ApiError, ScoredTransaction, ScoringService } from '@fraudscore/edge';
import { readCsvRecords } from '@fraudscore/simulator';

/** The transaction columns a back-fill file must have; TX_FRAUD and TX_FRAUD_KNOWN_AT are optional. */
export const BACKFILL_COLUMNS = ['TRANSACTION_ID', 'TX_DATETIME', 'CUSTOMER_ID', 'TERMINAL_ID', 'TX_AMOUNT'] as const;
/** The optional column fraudmodels reads as the time each label became known (models/README.md, input data). */
export const KNOWN_AT_COLUMN = 'TX_FRAUD_KNOWN_AT';
/** POST /v1/labels' limit per request, kept by the direct path too. */
const LABELS_PER_CALL = 10_000;

const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A CSV row's transaction as the input contract receives it: the fields as written, the amount a number when it is one. */
export function csvTransaction(values: Readonly<Record<string, string>>): Record<string, unknown> {
  const amount = values.TX_AMOUNT ?? '';
  return {
    id: values.TRANSACTION_ID,
    customerId: values.CUSTOMER_ID,
    terminalId: values.TERMINAL_ID,
    // "abc", "" or " 5" stay text, so the contract refuses them by name instead of a Number() guess.
    amount: NUMBER.test(amount) ? Number(amount) : amount,
    timestamp: values.TX_DATETIME,
  };
}

export interface RefusedRow {
  line: number;
  id: string | undefined;
  /** The contract's field (amount, timestamp, ...) or the CSV column (TX_FRAUD, TX_FRAUD_KNOWN_AT). */
  field: string | undefined;
  code: string;
  message: string;
}

export interface BackfillProgress {
  rows: number;
  stored: number;
  labelled: number;
  elapsedMs: number;
}

export interface BackfillOptions {
  file: string;
  /** The scoring service over the configured storage and feature history. */
  service: ScoringService;
  /** Who the labels are recorded as (default "backfill"). */
  analyst?: string;
  /** Without a TX_FRAUD_KNOWN_AT column, a label is known this long after its transaction (default 7 days). */
  labelDelayMs?: number;
  /** At most this many rows per scoring call (default 1000). */
  chunkSize?: number;
  /** SHAP top factors: 'alerts' (default, HIGH and CRITICAL), true (every row) or false. */
  explain?: boolean | 'alerts';
  /** Stop after this many rows. */
  limit?: number | undefined;
  /** Called for every refused row (the summary counts them). */
  refused?: (row: RefusedRow) => void;
  /** Called about every `progressMs` (default 5 s). */
  progress?: (progress: BackfillProgress) => void;
  progressMs?: number;
  /** Called with each chunk's labels once applied (the host records them in shared label counts). */
  labelled?: (labels: readonly AppliedLabel[]) => Promise<void>;
}

export interface BackfillResult {
  rows: number;
  /** Scored and stored by this run. */
  stored: number;
  /** Already stored with the same content (a re-run): left as they were. */
  unchanged: number;
  refused: number;
  /** Labels written, and labels equal to the stored ones (left alone). */
  labelled: number;
  labelsUnchanged: number;
  /** The file's transaction times (epoch ms) of the stored or unchanged rows. */
  first: number | null;
  last: number | null;
  elapsedMs: number;
  /** Of elapsedMs, the time spent applying labels. */
  labelMs: number;
}

export interface AppliedLabel {
  record: ScoredTransaction;
  label: 'fraud' | 'legitimate';
  /** The decision time, epoch ms. */
  at: number;
}

interface PendingRow {
  line: number;
  input: Record<string, unknown>;
  label: { value: 'fraud' | 'legitimate'; knownAt: number } | null;
}

/**
 * A row's label and when it became known (epoch ms), or null (not known); a ValidationError names the column that is
 * wrong. `time`: the row's transaction time (NaN when it has none), for the label delay of a file without known-at times.
 */
export function rowLabel(
  values: Readonly<Record<string, string>>,
  time: number,
  knownAtColumn: boolean,
  delayMs: number,
): PendingRow['label'] {
  const fraud = values.TX_FRAUD;
  if (fraud === undefined || fraud === '') return null;
  if (fraud !== '0' && fraud !== '1')
    throw new ValidationError('TX_FRAUD', `must be 0, 1 or empty (not known), got ${JSON.stringify(fraud)}`);
  const value = fraud === '1' ? 'fraud' : 'legitimate';
  if (!knownAtColumn) return Number.isFinite(time) ? { value, knownAt: time + delayMs } : null;
  const text = values[KNOWN_AT_COLUMN]!;
  if (text === '') return null;
  return { value, knownAt: parseTimestamp(text, KNOWN_AT_COLUMN) };
}

export async function backfill(options: BackfillOptions): Promise<BackfillResult> {
  const { service } = options;
  const analyst = options.analyst ?? 'backfill';
  const delayMs = options.labelDelayMs ?? 7 * 86_400_000;
  const chunkSize = options.chunkSize ?? 1000;
  const progressMs = options.progressMs ?? 5000;
  const started = performance.now();
  let lastProgress = started;
  const result: BackfillResult = {
    rows: 0,
    stored: 0,
    unchanged: 0,
    refused: 0,
    labelled: 0,
    labelsUnchanged: 0,
    first: null,
    last: null,
    elapsedMs: 0,
    labelMs: 0,
  };
  const refuse = (row: RefusedRow): void => {
    result.refused += 1;
    options.refused?.(row);
  };

  let chunk: PendingRow[] = [];
  /** The earliest decision time among the chunk's labels: no row at or after it joins the chunk. */
  let chunkLabelsKnownFrom = Infinity;
  const flush = async (): Promise<void> => {
    if (chunk.length === 0) return;
    const rows = chunk;
    chunk = [];
    chunkLabelsKnownFrom = Infinity;
    const outcomes = await service.scoreEach(
      rows.map((r) => r.input),
      { backfill: true, invalid: 'report', conflicts: 'report', explain: options.explain ?? 'alerts' },
    );
    const labels: { id: string; label: 'fraud' | 'legitimate'; analyst: string; at: string }[] = [];
    const applied: AppliedLabel[] = [];
    for (const [k, outcome] of outcomes.entries()) {
      const row = rows[k]!;
      if (!outcome.ok) {
        const error: ApiError = outcome.error;
        refuse({ line: row.line, id: outcome.id, field: error.field, code: error.code, message: error.message });
        continue;
      }
      if (outcome.created) result.stored += 1;
      else result.unchanged += 1;
      const t = outcome.record.transaction.timestamp;
      result.first = result.first === null ? t : Math.min(result.first, t);
      result.last = result.last === null ? t : Math.max(result.last, t);
      if (row.label) {
        labels.push({
          id: outcome.record.id,
          label: row.label.value,
          analyst,
          at: new Date(row.label.knownAt).toISOString(),
        });
        applied.push({ record: outcome.record, label: row.label.value, at: row.label.knownAt });
      }
    }
    const labelStarted = performance.now();
    for (let i = 0; i < labels.length; i += LABELS_PER_CALL) {
      const { labelled, unchanged } = await service.labelMany({ labels: labels.slice(i, i + LABELS_PER_CALL) });
      result.labelled += labelled;
      result.labelsUnchanged += unchanged;
    }
    if (options.labelled && applied.length > 0) await options.labelled(applied);
    result.labelMs += performance.now() - labelStarted;
    const now = performance.now();
    if (now - lastProgress >= progressMs) {
      lastProgress = now;
      options.progress?.({
        rows: result.rows,
        stored: result.stored,
        labelled: result.labelled,
        elapsedMs: now - started,
      });
    }
  };

  let knownAtColumn: boolean | undefined;
  for await (const { values, line } of readCsvRecords(options.file, { required: BACKFILL_COLUMNS })) {
    if (options.limit !== undefined && result.rows >= options.limit) break;
    result.rows += 1;
    knownAtColumn ??= Object.hasOwn(values, KNOWN_AT_COLUMN);
    const input = csvTransaction(values);
    let time = NaN;
    try {
      time = parseTimestamp(values.TX_DATETIME);
    } catch {
      // The contract refuses the row and names the timestamp.
    }
    let label: PendingRow['label'];
    try {
      label = rowLabel(values, time, knownAtColumn, delayMs);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      // A label that cannot be read refuses its row: nothing of it is scored or stored.
      const id = typeof input.id === 'string' && input.id !== '' ? input.id : undefined;
      refuse({ line, id, field: error.field, code: 'validation_error', message: error.message });
      continue;
    }
    if (chunk.length >= chunkSize || time >= chunkLabelsKnownFrom) await flush();
    chunk.push({ line, input, label });
    if (label) chunkLabelsKnownFrom = Math.min(chunkLabelsKnownFrom, label.knownAt);
  }
  await flush();
  result.elapsedMs = performance.now() - started;
  options.progress?.({
    rows: result.rows,
    stored: result.stored,
    labelled: result.labelled,
    elapsedMs: result.elapsedMs,
  });
  return result;
}
