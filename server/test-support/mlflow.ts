// Starts a real MLflow tracking server for tests: `mlflow server` from the models' venv (installed by
// scripts/setup.sh), SQLite backend and a local artifact store in a temp dir, on a free loopback port; ready when
// GET /health answers. The same command line as `python -m fraudmodels mlflow-server` (models/fraudmodels/
// mlflow_server.py), with MLflow 3's job runner off (its worker processes would slow the start and outlive a
// SIGTERM); the server runs in its own process group, and stop() ends the whole group and removes the directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../test/fixtures.js';
import { freePort } from './net.js';

export { REPO_ROOT };
export const VENV_BIN = join(REPO_ROOT, 'models', '.venv', 'bin');

export interface TestMlflow {
  /** http://127.0.0.1:PORT */
  url: string;
  dir: string;
  stop(): Promise<void>;
}

export async function startMlflow(deadlineMs = 120_000): Promise<TestMlflow> {
  const mlflow = join(VENV_BIN, 'mlflow');
  if (!existsSync(mlflow))
    throw new Error(`${mlflow} is missing: run \`bash scripts/setup.sh\` (it installs MLflow into models/.venv)`);
  const dir = mkdtempSync(join(tmpdir(), 'fraudscore-mlflow-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    mlflow,
    [
      'server',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--workers',
      '1',
      '--backend-store-uri',
      `sqlite:///${join(dir, 'mlflow.db')}`,
      '--artifacts-destination',
      join(dir, 'artifacts'),
      '--serve-artifacts',
    ],
    {
      cwd: dir,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, PYTHONWARNINGS: 'ignore', MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false' },
    },
  );
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      /* already gone */
    }
  };
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    signalGroup('SIGKILL'); // workers that outlived the main process
    rmSync(dir, { recursive: true, force: true });
  };
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`mlflow server exited with ${child.exitCode}: ${stderr}`);
    }
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, dir, stop };
    } catch {
      /* not listening yet */
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error(`mlflow server did not answer /health within ${deadlineMs} ms: ${stderr}`);
}
