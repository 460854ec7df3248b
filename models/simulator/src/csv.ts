// CSV output in the schema of the handbook's published dataset, written atomically.

import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
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

/** One CSV line, without the line break. */
export function formatCsvRow(transaction: Transaction): string {
  return `${transaction.TRANSACTION_ID},${transaction.TX_DATETIME},${transaction.CUSTOMER_ID},${transaction.TERMINAL_ID},${formatAmount(transaction.TX_AMOUNT)},${transaction.TX_TIME_SECONDS},${transaction.TX_TIME_DAYS},${transaction.TX_FRAUD},${transaction.TX_FRAUD_SCENARIO}`;
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
