// Starts a real redis-server (Debian's package; valkey-server works the same) for tests and the benchmark: a temp
// directory, a free loopback port, no persistence unless asked, never the system service the package may run.
// Ready when it answers PING; stop() shuts it down (SIGKILL after a deadline), restart() brings it back on the same
// port and data, so the fault tests can take Redis away and give it back.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../net.js';

export interface TestRedis {
  /** redis://127.0.0.1:PORT */
  url: string;
  port: number;
  /** The server's version line, e.g. "Redis server v=7.0.15". */
  version: string;
  /** Stops the server (SIGKILL: an outage, not a shutdown) and leaves it down until start(). */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory (after kill). */
  start(): Promise<void>;
  /** Shuts it down for good and removes its directory. */
  stop(): Promise<void>;
  logFile: string;
}

export interface StartRedisOptions {
  /** How long to wait for readiness (default 20 s). */
  timeoutMs?: number;
  /** Append-only file with fsync every second, as in production (default off: tests throw the data away). */
  appendOnly?: boolean;
  /** maxmemory in bytes (default none). */
  maxMemoryBytes?: number;
}

/** The server binary: REDIS_SERVER, else redis-server or valkey-server on the PATH or in /usr/bin. */
export function findRedisServer(): string {
  const named = process.env.REDIS_SERVER;
  if (named) return named;
  for (const name of ['redis-server', 'valkey-server']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    } catch {
      if (existsSync(`/usr/bin/${name}`)) return `/usr/bin/${name}`;
    }
  }
  throw new Error(
    "redis-server not found: install Debian's package with `apt-get install -y redis-server` (scripts/test.sh does), or set REDIS_SERVER",
  );
}

/** One PING over a raw socket: true when the server answers +PONG. */
export function ping(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

export async function startRedis(options: StartRedisOptions = {}): Promise<TestRedis> {
  const binary = findRedisServer();
  const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim().split(' sha=')[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'fraudscore-redis-'));
  const logFile = join(dir, 'server.log');
  const timeoutMs = options.timeoutMs ?? 20_000;
  let port = await freePort();
  let child: ChildProcess | undefined;

  const args = (): string[] => [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--logfile',
    logFile,
    '--daemonize',
    'no',
    '--save',
    '',
    '--appendonly',
    options.appendOnly ? 'yes' : 'no',
    '--appendfsync',
    'everysec',
    ...(options.maxMemoryBytes ? ['--maxmemory', String(options.maxMemoryBytes)] : []),
  ];

  async function launch(): Promise<void> {
    const started = spawn(binary, args(), { stdio: 'ignore' });
    child = started;
    let exited = false;
    started.once('exit', () => (exited = true));
    const deadline = Date.now() + timeoutMs;
    for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
      if (await ping(port)) return;
      if (exited || Date.now() > deadline) {
        started.kill('SIGKILL');
        const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-1500) : '';
        throw new Error(
          `redis-server did not answer PING on port ${port} within ${timeoutMs} ms${exited ? ' (it exited)' : ''}\n${log}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  async function halt(signal: NodeJS.Signals): Promise<void> {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill(signal);
    const timer = setTimeout(() => running.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  for (let attempt = 0; ; attempt++) {
    try {
      await launch();
      break;
    } catch (error) {
      // The port may have been taken between probing and binding: try another.
      if (attempt >= 2) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
      port = await freePort();
    }
  }

  return {
    get url() {
      return `redis://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    version,
    logFile,
    kill: () => halt('SIGKILL'),
    start: launch,
    stop: async () => {
      await halt('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
