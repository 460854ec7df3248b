// An in-memory PGlite database without initdb on every start. PGlite.create() runs PostgreSQL's initdb inside
// WebAssembly (16 s measured on a busy shared 2-core machine, where loading the dump below took 2.4 s); loading a dump of a freshly initialised, empty
// cluster is several times faster. The dump is made once per PGlite version and kept in the cache directory
// (FRAUDSCORE_CACHE, default ~/.cache/fraudscore), like the Kafka broker of the tests. It holds no data and no schema:
// migrations still run on every start as before. Anything wrong with the cache only costs the initdb.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

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
  let template: Buffer | undefined;
  try {
    template = await readFile(templatePath);
  } catch {
    template = undefined; // first start with this PGlite version, or an unreadable cache
  }
  if (template !== undefined) {
    try {
      return await PGlite.create({ loadDataDir: new Blob([new Uint8Array(template)]) });
    } catch {
      await rm(templatePath, { force: true }).catch(() => {}); // a damaged dump: make a new one below
    }
  }
  const db = await PGlite.create();
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
  return PGlite.create(dataDir);
}
