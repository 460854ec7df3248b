// The handbook CSV format, in one place: the columns of the handbook's published dataset, the writer (RFC 4180 quoting,
// files written atomically) and the streaming reader every other package reads such files with.

import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type { Transaction } from './simulate.js';

export const CSV_COLUMNS = [
  'TRANSACTION_ID',
  'TX_DATETIME',
  'CUSTOMER_ID',
  'TERMINAL_ID',
  'TX_AMOUNT',
  'TX_TIME_SECONDS',
  'TX_TIME_DAYS',
  'TX_FRAUD',
  'TX_FRAUD_SCENARIO',
] as const;

export const CSV_HEADER = CSV_COLUMNS.join(',');

/**
 * Writes an amount as the handbook's file does (Python's float repr of a 2-decimal value):
 * shortest form with at least one decimal, e.g. 146 -> "146.0", 57.1 -> "57.1", 0.05 -> "0.05".
 * Built from integer cents, so it never depends on float-to-string conversion.
 */
export function formatAmount(amount: number): string {
  const cents = Math.round(amount * 100);
  const sign = cents < 0 ? '-' : '';
  const absolute = Math.abs(cents);
  const units = Math.floor(absolute / 100);
  const fraction = absolute % 100;
  if (fraction === 0) return `${sign}${units}.0`;
  if (fraction % 10 === 0) return `${sign}${units}.${fraction / 10}`;
  return `${sign}${units}.${String(fraction).padStart(2, '0')}`;
}

/** A field as RFC 4180 writes it: quoted (inner quotes doubled) when it holds a comma, a quote or a line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One CSV line of fields, without the line break. */
export function formatCsvLine(fields: readonly string[]): string {
  return fields.map(csvField).join(',');
}

/** One CSV line, without the line break. */
export function formatCsvRow(transaction: Transaction): string {
  return formatCsvLine([
    String(transaction.TRANSACTION_ID),
    transaction.TX_DATETIME,
    String(transaction.CUSTOMER_ID),
    String(transaction.TERMINAL_ID),
    formatAmount(transaction.TX_AMOUNT),
    String(transaction.TX_TIME_SECONDS),
    String(transaction.TX_TIME_DAYS),
    String(transaction.TX_FRAUD),
    String(transaction.TX_FRAUD_SCENARIO),
  ]);
}

/** Header line then one line per transaction, each ending in "\n", batched into ~64 KiB chunks. */
export async function* csvChunks(
  transactions: Iterable<Transaction> | AsyncIterable<Transaction>,
): AsyncGenerator<Buffer, void, undefined> {
  const CHUNK_CHARACTERS = 64 * 1024;
  let chunk = `${CSV_HEADER}\n`;
  for await (const transaction of transactions) {
    chunk += `${formatCsvRow(transaction)}\n`;
    if (chunk.length >= CHUNK_CHARACTERS) {
      yield Buffer.from(chunk, 'utf8');
      chunk = '';
    }
  }
  if (chunk.length > 0) yield Buffer.from(chunk, 'utf8');
}

export interface WriteCsvOptions {
  /** Aborting cancels the write like any other failure: the temporary file is removed. */
  signal?: AbortSignal;
}

export interface WriteCsvResult {
  path: string;
  rows: number;
  gzip: boolean;
}

/**
 * Writes the transactions as CSV to `path` (gzip-compressed when it ends in `.gz`).
 * The data goes to a temporary file in the same directory, is flushed to disk, then renamed
 * over `path`: readers never see a partial file, and on any failure (including an error
 * thrown by the transaction source) the temporary file is removed and `path` is untouched.
 */
export async function writeCsv(
  transactions: Iterable<Transaction> | AsyncIterable<Transaction>,
  path: string,
  options: WriteCsvOptions = {},
): Promise<WriteCsvResult> {
  const gzip = path.toLowerCase().endsWith('.gz');
  const temporaryPath = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let rows = 0;
  async function* counted(): AsyncGenerator<Transaction, void, undefined> {
    for await (const transaction of transactions) {
      rows += 1;
      yield transaction;
    }
  }
  try {
    const source = Readable.from(csvChunks(counted()), { objectMode: false });
    // 'wx': never clobber an existing file that happens to have the temporary name.
    const sink = createWriteStream(temporaryPath, { flags: 'wx' });
    const pipelineOptions = options.signal === undefined ? {} : { signal: options.signal };
    if (gzip) await pipeline(source, createGzip(), sink, pipelineOptions);
    else await pipeline(source, sink, pipelineOptions);
    const handle = await open(temporaryPath, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporaryPath, path);
  } catch (error) {
    await unlink(temporaryPath).catch(() => undefined);
    throw error;
  }
  return { path, rows, gzip };
}

/** A malformed CSV input: what is wrong, the line (1-based) it is on and, when read from a file, the file. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly file?: string,
  ) {
    super(`${file === undefined ? '' : `${file} `}line ${line}: ${reason}`);
    this.name = 'CsvSyntaxError';
  }
}

/** One record's fields and the line (1-based) it starts on. */
export interface CsvRow {
  fields: string[];
  line: number;
}

/** A record longer than this is refused rather than buffered without bound (a missing closing quote, say). */
export const MAX_RECORD_CHARACTERS = 1 << 20;

interface ParsedRecord {
  fields: string[];
  /** Index just after the record's line break (or the end of the text). */
  end: number;
  /** Line breaks inside quoted fields. */
  innerLines: number;
}

/**
 * The record starting at `start`, or undefined when the text ends before the record does and more may follow.
 * RFC 4180: fields separated by commas, records by CRLF or LF; a quoted field may hold commas, line breaks and doubled
 * quotes; a quote anywhere else, or anything but a separator after a closing quote, is an error (refused, never
 * guessed at).
 */
function parseRecord(text: string, start: number, final: boolean, line: number): ParsedRecord | undefined {
  const fields: string[] = [];
  let innerLines = 0;
  let lineEnd = -2;
  let i = start;
  for (;;) {
    if (text.charCodeAt(i) === 34 /* " */) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const quote = text.indexOf('"', from);
        if (quote < 0) {
          if (final) throw new CsvSyntaxError('a quoted field is not closed', line);
          return undefined;
        }
        value += text.slice(from, quote);
        if (text.charCodeAt(quote + 1) === 34) {
          value += '"';
          from = quote + 2;
          continue;
        }
        if (quote + 1 === text.length && !final) return undefined; // the next chunk may start with the second quote
        i = quote + 1;
        break;
      }
      for (let k = value.indexOf('\n'); k >= 0; k = value.indexOf('\n', k + 1)) innerLines += 1;
      fields.push(value);
      if (i === text.length) return final ? { fields, end: i, innerLines } : undefined;
      const next = text.charCodeAt(i);
      if (next === 44 /* , */) {
        i += 1;
        continue;
      }
      if (next === 10 /* \n */) return { fields, end: i + 1, innerLines };
      if (next === 13 /* \r */) {
        if (text.charCodeAt(i + 1) === 10) return { fields, end: i + 2, innerLines };
        if (i + 1 === text.length && !final) return undefined;
      }
      throw new CsvSyntaxError(`unexpected ${JSON.stringify(text[i])} after a closing quote`, line + innerLines);
    }
    if (lineEnd < i) {
      lineEnd = text.indexOf('\n', i);
      if (lineEnd < 0) {
        if (!final) return undefined;
        lineEnd = text.length;
      }
    }
    const comma = text.indexOf(',', i);
    const stop = comma >= 0 && comma < lineEnd ? comma : lineEnd;
    let value = text.slice(i, stop);
    if (stop === lineEnd && value.endsWith('\r')) value = value.slice(0, -1);
    if (value.includes('"')) throw new CsvSyntaxError('a quote inside an unquoted field', line + innerLines);
    fields.push(value);
    if (stop === lineEnd) return { fields, end: Math.min(lineEnd + 1, text.length), innerLines };
    i = stop + 1;
  }
}

/**
 * The records of CSV text arriving in chunks (RFC 4180, LF or CRLF line breaks), lazily; a leading byte-order mark
 * is skipped and blank lines are passed over. Throws CsvSyntaxError on malformed input.
 */
export async function* parseCsv(chunks: AsyncIterable<string> | Iterable<string>): AsyncGenerator<CsvRow> {
  let pending = '';
  let line = 1;
  let first = true;
  const drain = function* (final: boolean): Generator<CsvRow> {
    let start = 0;
    while (start < pending.length) {
      const record = parseRecord(pending, start, final, line);
      if (!record) break;
      if (record.fields.length > 1 || record.fields[0] !== '') yield { fields: record.fields, line };
      line += 1 + record.innerLines;
      start = record.end;
    }
    pending = pending.slice(start);
    if (pending.length > MAX_RECORD_CHARACTERS)
      throw new CsvSyntaxError(`a record longer than ${MAX_RECORD_CHARACTERS} characters`, line);
  };
  for await (const chunk of chunks) {
    pending += first && chunk.startsWith('\uFEFF') ? chunk.slice(1) : chunk;
    first = false;
    yield* drain(false);
  }
  yield* drain(true);
}

/** A file's text in chunks: gunzipped when the name ends in .gz, decoded as UTF-8 (characters split across chunks kept whole). */
export function readTextChunks(path: string): AsyncIterable<string> {
  const file = createReadStream(path);
  const stream = path.toLowerCase().endsWith('.gz') ? file.pipe(createGunzip()) : file;
  if (stream !== file) file.on('error', (error) => stream.destroy(error));
  stream.setEncoding('utf8');
  return stream as AsyncIterable<string>;
}

/** A data record of a CSV file: its values by column name, and the line it starts on. */
export interface CsvRecord {
  values: Record<string, string>;
  line: number;
}

export interface ReadCsvOptions {
  /** Columns the header must name (the file is refused without them). */
  required?: readonly string[];
}

/**
 * The records of a CSV file with a header line (plain or gzip), streamed: values by column name. A file without a
 * required column, or a record with another number of fields than the header, is refused with an error naming the
 * file and the line.
 */
export async function* readCsvRecords(path: string, options: ReadCsvOptions = {}): AsyncGenerator<CsvRecord> {
  let header: string[] | undefined;
  try {
    for await (const { fields, line } of parseCsv(readTextChunks(path))) {
      if (!header) {
        header = fields.map((name) => name.trim());
        const missing = (options.required ?? []).filter((column) => !header!.includes(column));
        if (missing.length > 0)
          throw new CsvSyntaxError(
            `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; the header is ${header.join(',')}`,
            line,
          );
        continue;
      }
      if (fields.length !== header.length)
        throw new CsvSyntaxError(`${fields.length} fields where the header has ${header.length}`, line);
      const values: Record<string, string> = {};
      for (let k = 0; k < header.length; k++) values[header[k]!] = fields[k]!;
      yield { values, line };
    }
  } catch (error) {
    if (error instanceof CsvSyntaxError && error.file === undefined)
      throw new CsvSyntaxError(error.reason, error.line, path);
    throw error;
  }
  if (!header && (options.required ?? []).length > 0) throw new CsvSyntaxError('no header line', 1, path);
}
