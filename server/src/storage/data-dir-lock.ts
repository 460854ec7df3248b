// One process at a time on an embedded store's DATA_DIR. PGlite is a whole PostgreSQL inside one process: two
// processes on the same directory each write their own view of it, and one's writes are lost (a drift snapshot taken
// by the ops CLI beside a running server reported `kept: true` and was gone after the server's next restart). The
// opener writes its pid to DATA_DIR/fraudscore.lock (PostgreSQL ignores files it does not know in its directory); a
// process finding the pid of another live process there is refused. A lock left by a dead process (kill -9) is taken
// over, and so is one naming this process's own pid that this process does not hold (a restarted container's pid 1).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const LOCK_FILE = 'fraudscore.lock';

/** Another process (or another open in this one) holds the embedded store's directory. */
export class DataDirHeldError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `DATA_DIR ${dataDir} is held by a running process (pid ${pid}${pid === process.pid ? ', this one' : ''}): ` +
        'the embedded store belongs to one process at a time; stop the server first, or ask it over HTTP ' +
        '(fraudscore-ops drift-check --url URL, import-labels --url URL)',
    );
    this.name = 'DataDirHeldError';
  }
}

/** Directories this process holds (a second open in the same process is refused too). */
const held = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, another user's
  }
}

/** Takes DATA_DIR (created if missing) for this process; returns the release. Throws DataDirHeldError when held. */
export function lockDataDir(dataDir: string): () => void {
  const dir = resolve(dataDir);
  if (held.has(dir)) throw new DataDirHeldError(dataDir, process.pid);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let pid = NaN;
    try {
      pid = Number(readFileSync(path, 'utf8').trim());
    } catch {
      // Removed meanwhile: try again.
    }
    if (attempt > 0 || (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)))
      throw new DataDirHeldError(dataDir, pid);
    rmSync(path, { force: true }); // a dead process's lock
  }
  held.add(dir);
  return () => {
    held.delete(dir);
    try {
      if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path, { force: true });
    } catch {
      // Already gone.
    }
  };
}
