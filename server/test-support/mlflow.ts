// Starts a real MLflow tracking server for tests: `mlflow server` from the models' venv (installed by
// scripts/setup.sh), SQLite backend and a local artifact store in a temp dir, on a free loopback port; ready when
// GET /health answers. stop() kills it and removes the directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './net.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const VENV_BIN = join(REPO_ROOT, 'models', '.venv', 'bin');

export interface TestMlflow {
  /** http://127.0.0.1:PORT */
  url: string;
  dir: string;
  stop(): Promise<void>;
}

export async function startMlflow(deadlineMs = 120_000): Promise<TestMlflow> {
  const mlflow = join(VENV_BIN, 'mlflow');
  if (!existsSync(mlflow)) throw new Error(`${mlflow} is missing: run \`bash scripts/setup.sh\` (it installs MLflow into models/.venv)`);
  const dir = mkdtempSync(join(tmpdir(), 'fraudscore-mlflow-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(mlflow, [
    'server', '--host', '127.0.0.1', '--port', String(port), '--workers', '1',
    '--backend-store-uri', `sqlite:///${join(dir, 'mlflow.db')}`,
    '--artifacts-destination', join(dir, 'artifacts'), '--serve-artifacts',
  ], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PYTHONWARNINGS: 'ignore' } });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
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
