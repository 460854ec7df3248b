// Starts a real PostgreSQL server from Debian's packages for tests and the benchmark: initdb into a temp dir, start
// on a free loopback port, wait until it accepts connections, create a database. Postgres refuses to run as root, so
// as root the server runs as the `postgres` system user that the Debian package creates.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, chownSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../net.js';

const run = promisify(execFile);

export interface TestPostgres {
  /** postgres://postgres@127.0.0.1:PORT/DB */
  url: string;
  /** The major version that runs, e.g. "15". */
  version: string;
  /** A URL for another, fresh database on the same server. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export interface PostgresBinaries {
  version: string;
  bin: string;
}

/** The newest /usr/lib/postgresql/<version>/bin that has initdb and pg_ctl. */
export function findPostgres(root = '/usr/lib/postgresql'): PostgresBinaries {
  const versions = existsSync(root)
    ? readdirSync(root).filter(
        (v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')),
      )
    : [];
  versions.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  const version = versions[0];
  if (version === undefined) {
    throw new Error(
      `PostgreSQL server binaries not found under ${root}/*/bin (initdb, pg_ctl): install Debian's package with \`apt-get install -y postgresql\``,
    );
  }
  return { version, bin: join(root, version, 'bin') };
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

function systemUser(name: string): { uid: number; gid: number } {
  try {
    return {
      uid: Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim()),
      gid: Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim()),
    };
  } catch {
    throw new Error(
      `running as root, but there is no '${name}' system user to run PostgreSQL as: install Debian's \`postgresql\` package (it creates it)`,
    );
  }
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

export interface StartPostgresOptions {
  database?: string;
  /** How long to wait for readiness (default 30 s). */
  timeoutMs?: number;
  /**
   * Durable commits as in production (fsync, synchronous_commit, full_page_writes on: the benchmark). Default false:
   * tests throw the data away, so they skip the flushes.
   */
  durable?: boolean;
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<TestPostgres> {
  const { version, bin } = findPostgres();
  const database = options.database ?? 'fraudscore_test';
  const deadlineMs = options.timeoutMs ?? 30_000;
  const root = mkdtempSync(join(tmpdir(), 'fraudscore-pg-'));
  const data = join(root, 'data');
  const sockets = join(root, 'sock');
  mkdirSync(sockets);
  const user = isRoot() ? 'postgres' : undefined;
  if (user) {
    const { uid, gid } = systemUser(user);
    for (const dir of [root, sockets]) chownSync(dir, uid, gid);
  }
  /** Runs a server binary as the server's user. */
  const pgRun = (tool: string, args: string[]) =>
    run(user ? 'runuser' : join(bin, tool), user ? ['-u', user, '--', join(bin, tool), ...args] : args, {
      cwd: root,
      env: { ...process.env, LC_ALL: 'C' },
    });

  let stopped = false;
  const cleanup = () => rmSync(root, { recursive: true, force: true });
  try {
    await pgRun('initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-sync',
      '--no-instructions',
    ]); // --no-sync: initdb's own files only; commits follow `durable`
    let port = 0;
    for (let attempt = 0; ; attempt++) {
      port = await freePort();
      const settings = `-c listen_addresses=127.0.0.1 -p ${port} -k ${sockets}${options.durable ? '' : ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off'}`;
      try {
        await pgRun('pg_ctl', ['start', '-W', '-D', data, '-l', join(root, 'server.log'), '-o', settings]);
        await waitReady(bin, port, sockets, deadlineMs, join(root, 'server.log'));
        break;
      } catch (error) {
        await pgRun('pg_ctl', ['stop', '-D', data, '-m', 'immediate']).catch(() => {});
        if (attempt >= 2) throw error; // the port may have been taken between probing and binding: try another
      }
    }
    const base = `postgres://postgres@127.0.0.1:${port}`;
    const createDatabase = async (name: string): Promise<string> => {
      const client = new pg.Client({ connectionString: `${base}/postgres` });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
      } finally {
        await client.end();
      }
      return `${base}/${encodeURIComponent(name)}`;
    };
    const url = await createDatabase(database);
    return {
      url,
      version,
      createDatabase,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        try {
          await pgRun('pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w']);
        } finally {
          cleanup();
        }
      },
    };
  } catch (error) {
    cleanup();
    throw error;
  }
}

/** Polls pg_isready until the server accepts connections or the deadline passes. */
async function waitReady(
  bin: string,
  port: number,
  sockets: string,
  timeoutMs: number,
  logFile: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
    try {
      await run(join(bin, 'pg_isready'), [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        'postgres',
        '-d',
        'postgres',
        '-t',
        '1',
      ]);
      return;
    } catch {
      if (Date.now() > deadline) {
        let log = '';
        try {
          log = readFileSync(logFile, 'utf8').slice(-2000);
        } catch {
          // no log yet
        }
        throw new Error(
          `PostgreSQL did not become ready on port ${port} (sockets in ${sockets}) within ${timeoutMs} ms\n${log}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
