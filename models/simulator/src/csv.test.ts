import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  csvChunks,
  CsvSyntaxError,
  formatAmount,
  formatCsvLine,
  MAX_RECORD_CHARACTERS,
  parseCsv,
  readCsvRecords,
  writeCsv,
} from './csv.js';
import { simulate, type Transaction } from './simulate.js';

describe('formatAmount', () => {
  it.each([
    [146, '146.0'],
    [57.1, '57.1'],
    [57.16, '57.16'],
    [0.05, '0.05'],
    [0.5, '0.5'],
    [0, '0.0'],
    [1108.85, '1108.85'],
    [5 * 57.13, '285.65'], // 285.65000000000003 in floating point: written rounded, unlike the handbook file
    [100.005 - 0.005, '100.0'],
  ])('writes %d as %s', (amount, text) => {
    expect(formatAmount(amount)).toBe(text);
  });
});

describe('writeCsv', () => {
  let directory: string;
  const options = { seed: 3, customers: 100, terminals: 200, days: 5 };
  const expectedText = async (): Promise<string> => {
    const parts: Buffer[] = [];
    for await (const chunk of csvChunks(simulate(options))) parts.push(chunk);
    return Buffer.concat(parts).toString('utf8');
  };

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'simulator-csv-'));
  });
  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('writes plain CSV, and gzip when the path ends in .gz', async () => {
    const expected = await expectedText();
    const plain = await writeCsv(simulate(options), join(directory, 'out.csv'));
    expect(plain.rows).toBe(expected.split('\n').length - 2);
    expect(readFileSync(join(directory, 'out.csv'), 'utf8')).toBe(expected);

    const gzipped = await writeCsv(simulate(options), join(directory, 'out.csv.gz'));
    expect(gzipped.gzip).toBe(true);
    const bytes = readFileSync(join(directory, 'out.csv.gz'));
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    expect(gunzipSync(bytes).toString('utf8')).toBe(expected);
    expect(readdirSync(directory).sort()).toEqual(['out.csv', 'out.csv.gz']);
  });

  it('leaves nothing behind, and keeps an existing file, when the source fails midway', async () => {
    const target = join(directory, 'out.csv.gz');
    writeFileSync(target, 'previous content');
    function* failing(): Generator<Transaction> {
      let count = 0;
      for (const transaction of simulate(options)) {
        if (++count > 200) throw new Error('source broke');
        yield transaction;
      }
    }
    await expect(writeCsv(failing(), target)).rejects.toThrow('source broke');
    expect(readdirSync(directory)).toEqual(['out.csv.gz']);
    expect(readFileSync(target, 'utf8')).toBe('previous content');
  });

  it('removes the temporary file when aborted', async () => {
    const abort = new AbortController();
    function* abortingMidway(): Generator<Transaction> {
      let count = 0;
      for (const transaction of simulate(options)) {
        if (++count === 300) abort.abort();
        yield transaction;
      }
    }
    await expect(writeCsv(abortingMidway(), join(directory, 'out.csv'), { signal: abort.signal })).rejects.toThrow(
      /abort/i,
    );
    expect(readdirSync(directory)).toEqual([]);
  });

  it('fails cleanly when the directory does not exist', async () => {
    await expect(writeCsv(simulate(options), join(directory, 'missing', 'out.csv'))).rejects.toThrow(/ENOENT/);
    expect(readdirSync(directory)).toEqual([]);
  });
});

const collect = async (chunks: Iterable<string>): Promise<{ fields: string[]; line: number }[]> => {
  const rows: { fields: string[]; line: number }[] = [];
  for await (const row of parseCsv(chunks)) rows.push(row);
  return rows;
};

describe('parseCsv', () => {
  const awkward = [
    ['id', 'customer', 'note'],
    ['1', 'a,b', 'said "hi"'],
    ['2', 'line\nbreak', 'crlf\r\ninside'],
    ['3', '', '"'],
    ['4', ' padded ', ''],
  ];
  const text = `${awkward.map(formatCsvLine).join('\r\n')}\n`;

  it('reads back what formatCsvLine writes: commas, quotes and line breaks inside fields, CRLF or LF', async () => {
    expect(text).toContain('"a,b","said ""hi"""');
    const rows = await collect([text]);
    expect(rows.map((r) => r.fields)).toEqual(awkward);
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3, 6, 7]); // the third record spans lines 3 to 5
  });

  it('gives the same records however the text is cut into chunks', async () => {
    const whole = await collect([text]);
    for (let cut = 0; cut <= text.length; cut++) {
      for (const second of [cut, Math.min(text.length, cut + 1), Math.min(text.length, cut + 2)]) {
        expect(await collect([text.slice(0, cut), text.slice(cut, second), text.slice(second)])).toEqual(whole);
      }
    }
    expect(await collect([...text])).toEqual(whole);
  });

  it('round-trips any fields, in any chunking (property)', async () => {
    const field = fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', ' ', 'é', '😀') });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(field, { minLength: 2, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        async (records, cuts) => {
          const csv = records.map((r) => `${formatCsvLine(r)}\n`).join('');
          const points = [...new Set(cuts.map((c) => c % (csv.length + 1)))].sort((a, b) => a - b);
          const chunks = [0, ...points].map((from, k) => csv.slice(from, [...points, csv.length][k]));
          expect((await collect(chunks)).map((r) => r.fields)).toEqual(records);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('passes over blank lines and a byte-order mark; a last line without a break is a record', async () => {
    expect((await collect(['\uFEFFa,b\n\n', '\r\n1,2'])).map((r) => [r.line, r.fields])).toEqual([
      [1, ['a', 'b']],
      [4, ['1', '2']],
    ]);
  });

  it.each([
    ['a,"b\n', /line 1: a quoted field is not closed/],
    ['a,b\nc,d"e\n', /line 2: a quote inside an unquoted field/],
    ['a,"b"c\n', /line 1: unexpected "c" after a closing quote/],
    ['a,"b\nb"x\n', /line 2: unexpected "x"/],
  ])('refuses malformed input %j', async (input, message) => {
    await expect(collect([input])).rejects.toThrow(message);
    await expect(collect([input])).rejects.toBeInstanceOf(CsvSyntaxError);
  });

  it('refuses a record longer than the bound instead of buffering it', async () => {
    const open = ['"', ...Array.from({ length: 20 }, () => 'x'.repeat(MAX_RECORD_CHARACTERS / 16))];
    await expect(collect(open)).rejects.toThrow(/longer than/);
  });
});

describe('readCsvRecords', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'simulator-csv-read-'));
  });
  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });
  const read = async (path: string, required?: string[]): Promise<unknown[]> => {
    const records: unknown[] = [];
    for await (const record of readCsvRecords(path, required ? { required } : {})) records.push(record);
    return records;
  };

  it('streams what writeCsv wrote (plain and gzip), values by column', async () => {
    const options = { seed: 5, customers: 50, terminals: 100, days: 3 };
    const rows = [...simulate(options)];
    for (const name of ['t.csv', 't.csv.gz']) {
      await writeCsv(rows, join(directory, name));
      const records = (await read(join(directory, name), ['TX_DATETIME'])) as {
        values: Record<string, string>;
        line: number;
      }[];
      expect(records).toHaveLength(rows.length);
      expect(records[0]).toEqual({
        line: 2,
        values: {
          TRANSACTION_ID: String(rows[0]!.TRANSACTION_ID),
          TX_DATETIME: rows[0]!.TX_DATETIME,
          CUSTOMER_ID: String(rows[0]!.CUSTOMER_ID),
          TERMINAL_ID: String(rows[0]!.TERMINAL_ID),
          TX_AMOUNT: formatAmount(rows[0]!.TX_AMOUNT),
          TX_TIME_SECONDS: String(rows[0]!.TX_TIME_SECONDS),
          TX_TIME_DAYS: String(rows[0]!.TX_TIME_DAYS),
          TX_FRAUD: String(rows[0]!.TX_FRAUD),
          TX_FRAUD_SCENARIO: String(rows[0]!.TX_FRAUD_SCENARIO),
        },
      });
    }
  });

  it('refuses a missing column and a record with another number of fields, naming the file and line', async () => {
    const file = join(directory, 'bad.csv');
    writeFileSync(file, 'A,B\n1,2\n3\n');
    await expect(read(file, ['A', 'C'])).rejects.toThrow(`${file} line 1: missing column C; the header is A,B`);
    await expect(read(file)).rejects.toThrow(`${file} line 3: 1 fields where the header has 2`);
    writeFileSync(file, '');
    await expect(read(file, ['A'])).rejects.toThrow(/no header line/);
    await expect(read(join(directory, 'missing.csv'))).rejects.toThrow(/ENOENT/);
    await expect(read(join(directory, 'missing.csv.gz'))).rejects.toThrow(/ENOENT/);
  });
});
