import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, runCli } from './cli-run.js';

const directory = mkdtempSync(join(tmpdir(), 'simulator-cli-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function run(argv: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  const code = await runCli(argv, {
    stderr: (text) => {
      stderr += text;
    },
    stdout: (text) => {
      stdout += text;
    },
  });
  return { code, stderr, stdout };
}

describe('cli', () => {
  it('writes the file, progress per ~10% of days and a summary', async () => {
    const out = join(directory, 'small.csv');
    const result = await run([
      '--seed',
      '42',
      '--customers',
      '200',
      '--terminals',
      '400',
      '--days',
      '20',
      '--start',
      '2020-02-20',
      '--out',
      out,
    ]);
    expect(result.code).toBe(EXIT_OK);
    const progress = result.stderr.split('\n').filter((line) => line.startsWith('[simulate] day '));
    expect(progress).toHaveLength(10);
    expect(progress.at(-1)).toMatch(/day 20\/20 \(2020-03-10\) 100%/);
    const rows = readFileSync(out, 'utf8').trimEnd().split('\n').length - 1;
    expect(result.stderr).toContain(`wrote ${rows} rows (20 days, 2020-02-20 to 2020-03-10)`);
    expect(result.stderr).toMatch(/frauds \d+ \(\d+\.\d{3}%\): scenario 1 = \d+, scenario 2 = \d+, scenario 3 = \d+/);
  });

  it('prints help', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(EXIT_OK);
    expect(result.stdout).toContain('--customers <int>');
    expect(result.stdout).toContain('(default 5000)');
  });

  it.each([
    [['--seed', 'abc', '--out', 'x.csv'], '--seed'],
    [['--customers', '0', '--out', 'x.csv'], '--customers'],
    [['--days', '1.5', '--out', 'x.csv'], '--days'],
    [['--start', '2018-13-01', '--out', 'x.csv'], '--start'],
    [['--terminal-compromise-days', '0', '--out', 'x.csv'], '--terminal-compromise-days'],
    [['--bogus', '1', '--out', 'x.csv'], '--bogus'],
    [['--radius'], '--radius'],
    [['--seed', '1'], '--out'],
  ])('exits with 2 naming the argument for %j', async (argv, flag) => {
    const result = await run(argv);
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.stderr).toContain(flag);
    expect(readdirSync(directory).filter((name) => name.startsWith('x.csv'))).toEqual([]);
  });

  it('exits with 1 when the output cannot be written', async () => {
    const result = await run([
      '--customers',
      '10',
      '--terminals',
      '10',
      '--days',
      '2',
      '--out',
      join(directory, 'no', 'such', 'dir.csv'),
      '--quiet',
    ]);
    expect(result.code).toBe(EXIT_FAILURE);
    expect(result.stderr).toContain('nothing written');
  });
});
