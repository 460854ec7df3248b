// Every command-line tool: --help (exit 0, usage on stdout), usage errors (exit 2) before any configuration or
// connection is touched, and the built bins running through a link as npm installs them.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { HELP as LIFECYCLE_HELP, run as lifecycle } from './lifecycle.js';
import { HELP as OPS_HELP, run as ops } from './ops.js';
import { HELP as REPLAY_HELP, run as replay } from './replay.js';

const exec = promisify(execFile);
const SERVER_DIR = fileURLToPath(new URL('../../', import.meta.url));

const capture = () => {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
};

describe('command-line tools', () => {
  it('fraudscore-ops: --help for the tool and each command; unknown commands and options, missing values exit 2', async () => {
    for (const argv of [['--help'], ['-h'], ['drift-check', '--help'], ['export-labelled', '-h']]) {
      const out = capture();
      const help = capture();
      expect(await ops(argv, {}, out.write, Date.now, help.write)).toBe(0);
      expect(help.lines).toEqual([OPS_HELP]);
      expect(out.lines).toEqual([]);
    }
    expect(OPS_HELP).toMatch(/Exit codes: 0 done/);
    for (const argv of [
      [],
      ['nope'],
      ['drift-check', '--bogus', 'x'],
      ['drift-check', '--window'],
      ['export-labelled', '--since', '1d', 'extra'],
      ['load-history', '--replace=yes'],
    ]) {
      const out = capture();
      expect(await ops(argv, {}, out.write)).toBe(2);
      expect(JSON.parse(out.lines[0]!).error).toMatch(/usage: fraudscore-ops/);
    }
  });

  it('fraudscore-lifecycle: --help; anything but promote|rollback [--by NAME] exits 2', async () => {
    const help = capture();
    expect(await lifecycle(['--help'], {}, capture().write, help.write)).toBe(0);
    expect(help.lines).toEqual([LIFECYCLE_HELP]);
    for (const argv of [[], ['promote', '--by'], ['promote', 'rollback'], ['demote'], ['promote', '--by', '']]) {
      const out = capture();
      expect(await lifecycle(argv, {}, out.write)).toBe(2);
      expect(JSON.parse(out.lines[0]!).error).toMatch(/usage: fraudscore-lifecycle/);
    }
  });

  it('fraudscore-replay: --help; no file, a bad rate, limit or timestamps mode exit 2 before connecting', async () => {
    const out = capture();
    expect(await replay(['--help'], {}, out.write, capture().write)).toBe(0);
    expect(out.lines).toEqual([REPLAY_HELP]);
    for (const argv of [
      [],
      ['a.csv', 'b.csv'],
      ['a.csv', '--rate', 'fast'],
      ['a.csv', '--rate', '-1'],
      ['a.csv', '--limit', '1.5'],
      ['a.csv', '--timestamps', 'later'],
      ['a.csv', '--bogus'],
    ]) {
      const err = capture();
      expect(await replay(argv, { KAFKA_BROKERS: '127.0.0.1:1' }, capture().write, err.write)).toBe(2);
      expect(err.lines.join('\n')).toMatch(/usage: fraudscore-replay/);
    }
  });

  it('the package bins run through a link, as npm installs them', async () => {
    const { bin } = JSON.parse(readFileSync(join(SERVER_DIR, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    expect(Object.keys(bin).sort()).toEqual(['fraudscore-lifecycle', 'fraudscore-ops', 'fraudscore-replay']);
    const dir = mkdtempSync(join(tmpdir(), 'fraudscore-bin-'));
    try {
      for (const [name, target] of Object.entries(bin)) {
        const link = join(dir, name);
        symlinkSync(join(SERVER_DIR, target), link);
        const { stdout } = await exec(process.execPath, [link, '--help']);
        expect(stdout).toContain(`usage: ${name}`);
        expect(readFileSync(join(SERVER_DIR, target), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
