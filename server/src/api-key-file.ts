// The admin key of a server without API_KEYS, kept in a file (API_KEY_FILE, or DATA_DIR/api-key) so that the key the
// banner prints survives restarts of the demo. Created once with a fresh random key, readable by its owner only.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { generateApiKey } from '@fraudscore/edge';

/** The rules parseApiKeys holds API_KEYS entries to: printable ASCII without ',', ':' or spaces, 16 or more. */
const KEY = /^[\x21-\x2b\x2d-\x39\x3b-\x7e]{16,}$/;

export class ApiKeyFileError extends Error {
  constructor(
    readonly path: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`API key file ${path} ${problem}`, options);
    this.name = 'ApiKeyFileError';
  }
}

/** The key in `path`, or a new one written there (0600, directory 0700, atomically) when the file does not exist. */
export async function readOrCreateApiKey(path: string): Promise<{ key: string; created: boolean }> {
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new ApiKeyFileError(path, `cannot be read (${(error as Error).message})`, { cause: error });
  }
  if (text !== undefined) {
    const key = text.trim();
    // Never quote the file's content: it may be a key with one wrong character.
    if (!KEY.test(key))
      throw new ApiKeyFileError(
        path,
        'does not hold one key of at least 16 printable ASCII characters without spaces, commas or colons; ' +
          'delete it to have a new key generated',
      );
    return { key, created: false };
  }
  const key = generateApiKey();
  const temporary = `${path}.${randomUUID()}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(temporary, `${key}\n`, { mode: 0o600, flag: 'wx' });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new ApiKeyFileError(path, `cannot be written (${(error as Error).message})`, { cause: error });
  }
  return { key, created: true };
}
