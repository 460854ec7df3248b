// An in-memory PGlite database without initdb on every start. PGlite.create() runs PostgreSQL's initdb inside
// WebAssembly (16 s measured on a busy shared 2-core machine, where loading the dump below took 2.4 s); loading a dump of a freshly initialised, empty
// cluster is several times faster. The dump is made once per PGlite version and kept in the cache directory
// (FRAUDSCORE_CACHE, default ~/.cache/fraudscore), like the Kafka broker of the tests. It holds no data and no schema:
// migrations still run on every start as before. Anything wrong with the cache only costs the initdb.
// Both kinds of embedded database send jsonb as binary, and in memory WAL segments are not zero-filled (see below).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite, types, type PGliteOptions } from '@electric-sql/pglite';

const encoder = new TextEncoder();
/** PGlite's own text form of a jsonb parameter (a string as it is, anything else JSON, bigints as strings). */
const jsonbAsText = types.serializers[types.JSONB]!;

/**
 * jsonb parameters in PostgreSQL's binary format: a version byte (1), then the UTF-8 text, which jsonb_recv parses
 * exactly as it parses text. Sent as text, PGlite measures a parameter's UTF-8 length with a JavaScript loop over
 * its characters, twice: a batch of 1,000 scored records is one 1.5 MB jsonb parameter (SqlStorage.saveMany), and
 * that loop was 7.6% of the store thread under the batch bench. PGlite sends a typed array as it is, as binary.
 */
export function jsonbAsBinary(value: unknown): string {
  const text = jsonbAsText(value);
  const bytes = new Uint8Array(1 + Buffer.byteLength(text, 'utf8')); // native, and sized so the text is encoded once
  bytes[0] = 1;
  encoder.encodeInto(text, bytes.subarray(1));
  return bytes as unknown as string; // PGlite's Serializer type says string; its Bind sends any typed array as bytes
}

const OPTIONS = { serializers: { [types.JSONB]: jsonbAsBinary } } satisfies PGliteOptions;

/**
 * In memory there is no disk to reserve space on, and PostgreSQL's zero-filling of every new 16 MB WAL segment only
 * grows an in-memory file by repeated copies (393 MB copied per 30,000 stored records); with DATA_DIR the default
 * (on) stays, as PostgreSQL recommends for real file systems.
 */
const IN_MEMORY_SETTINGS = 'SET wal_init_zero = off';

/** The installed PGlite's version: a dump is only loaded by the PGlite that wrote it. */
function pgliteVersion(): string {
  const require = createRequire(import.meta.url);
  let dir = dirname(require.resolve('@electric-sql/pglite'));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@electric-sql/pglite' && pkg.version) return pkg.version;
    } catch {
      // no package.json at this level: go up
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the version of @electric-sql/pglite');
    dir = parent;
  }
}

export function pgliteTemplatePath(cacheDir = process.env.FRAUDSCORE_CACHE ?? join(homedir(), '.cache', 'fraudscore')) {
  return join(cacheDir, `pglite-${pgliteVersion()}-empty-cluster.tar`);
}

/** An in-memory PGlite: from the cached empty cluster when there is one, else initdb (and the cache written). */
export async function createInMemoryPGlite(templatePath: string = pgliteTemplatePath()): Promise<PGlite> {
  const db = (await fromTemplate(templatePath)) ?? (await initdbAndKeepTemplate(templatePath));
  await db.exec(IN_MEMORY_SETTINGS);
  return db;
}

async function fromTemplate(templatePath: string): Promise<PGlite | undefined> {
  let template: Buffer;
  try {
    template = await readFile(templatePath);
  } catch {
    return undefined; // first start with this PGlite version, or an unreadable cache
  }
  try {
    return await PGlite.create({ ...OPTIONS, loadDataDir: new Blob([new Uint8Array(template)]) });
  } catch {
    await rm(templatePath, { force: true }).catch(() => {}); // a damaged dump: initdb makes a new one
    return undefined;
  }
}

async function initdbAndKeepTemplate(templatePath: string): Promise<PGlite> {
  const db = await PGlite.create(OPTIONS);
  try {
    const dump = await db.dumpDataDir('none');
    const temporary = `${templatePath}.${randomUUID()}.tmp`;
    await mkdir(dirname(templatePath), { recursive: true });
    await writeFile(temporary, new Uint8Array(await dump.arrayBuffer()));
    await rename(temporary, templatePath); // atomic: concurrent starters each write their own and one wins
  } catch {
    // a read-only home or a full disk: the next start runs initdb again, nothing else changes
  }
  return db;
}

/** The embedded database: in memory (from the cached empty cluster), or persisted in dataDir (created if missing). */
export async function openPGlite(dataDir?: string): Promise<PGlite> {
  if (dataDir === undefined) return createInMemoryPGlite();
  await mkdir(dataDir, { recursive: true });
  return PGlite.create(dataDir, OPTIONS);
}
