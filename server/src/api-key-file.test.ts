import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiKeyFileError, readOrCreateApiKey } from './api-key-file.js';

const dirs: string[] = [];
const scratch = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'fraudscore-key-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('readOrCreateApiKey', () => {
  it('creates a key once (owner-only file and directory) and reads the same key back', async () => {
    const path = join(scratch(), 'state', 'api-key');
    const first = await readOrCreateApiKey(path);
    expect(first.created).toBe(true);
    expect(first.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(readFileSync(path, 'utf8')).toBe(`${first.key}\n`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
    expect(await readOrCreateApiKey(path)).toEqual({ key: first.key, created: false });
  });

  it('takes a key someone wrote by hand, surrounding whitespace aside', async () => {
    const path = join(scratch(), 'api-key');
    writeFileSync(path, '  my-demo-key-0123456789\n\n');
    expect(await readOrCreateApiKey(path)).toEqual({ key: 'my-demo-key-0123456789', created: false });
  });

  it('refuses a file that does not hold one valid key, without quoting it', async () => {
    for (const content of ['short', 'two keys-0123456789abc', 'comma,key-0123456789', '']) {
      const path = join(scratch(), 'api-key');
      writeFileSync(path, content);
      const error = await readOrCreateApiKey(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiKeyFileError);
      expect((error as Error).message).toContain(path);
      expect((error as Error).message).toContain('delete it to have a new key generated');
      if (content !== '') expect((error as Error).message).not.toContain(content);
    }
  });

  it('says which file it cannot write', async () => {
    const blocker = join(scratch(), 'a-file');
    writeFileSync(blocker, '');
    const error = await readOrCreateApiKey(join(blocker, 'api-key')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiKeyFileError);
    expect((error as Error).message).toMatch(/a-file\/api-key cannot be (written|read)/);
  });
});
