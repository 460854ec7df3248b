import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csvChunks, formatAmount, writeCsv } from './csv.js';
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
