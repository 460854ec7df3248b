// kill -9 loses no answered transaction on the embedded store with DATA_DIR: PGlite on its own thread (the default)
// answers a write only once it has executed it, so every 200 the client saw is in the store after a restart.
// The server runs as a child (`node dist/main.js`, as `pnpm start` does) and is killed while requests are in flight.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const KEY = 'fs_durability_test_key_0123456789';
const dir = mkdtempSync(join(tmpdir(), 'fraudscore-durability-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the server on DATA_DIR and resolves with its URL once it logs server.listening (bounded wait). */
function startServer(pgliteThread: 'on' | 'off'): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DEMO: 'off',
      DATA_DIR: join(dir, `store-${pgliteThread}`),
      API_KEYS: `${KEY}:admin`,
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'info',
      PGLITE_THREAD: pgliteThread,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`the server did not log server.listening within 120 s; output:\n${output}`)),
      120_000,
    );
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /"event":"server\.listening".*?"url":"([^"]+)"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]! });
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (code ${code}) before listening; output:\n${output}`));
    });
  });
}

const headers = { 'content-type': 'application/json', authorization: `Bearer ${KEY}` };
let counter = 0;
const transaction = () => ({
  id: `dur-${counter++}`,
  customerId: `c-${counter % 50}`,
  terminalId: `t-${counter % 20}`,
  amount: 10 + (counter % 90),
  timestamp: new Date().toISOString(),
});

describe.each(['on', 'off'] as const)('kill -9 on the embedded store (PGLITE_THREAD=%s)', (thread) => {
  it('keeps every transaction it answered', async () => {
    const first = await startServer(thread);
    const answered: string[] = [];
    let killed = false;
    // 8 clients post until the server dies; the kill comes once 150 transactions were answered.
    const client = async (): Promise<void> => {
      while (!killed) {
        const tx = transaction();
        try {
          const response = await fetch(`${first.url}/v1/score?explain=false`, {
            method: 'POST',
            headers,
            body: JSON.stringify(tx),
          });
          if (response.status === 200) answered.push(tx.id);
          else throw new Error(`unexpected ${response.status}: ${await response.text()}`);
        } catch (error) {
          if (!killed) throw error;
        }
        if (answered.length >= 150 && !killed) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, client));
    const { child } = first;
    // A killed child has no exit code, only a signal code.
    if (child.exitCode === null && child.signalCode === null)
      await new Promise((resolve) => child.once('exit', resolve));

    const second = await startServer(thread);
    const missing: string[] = [];
    for (const id of answered) {
      const response = await fetch(`${second.url}/v1/transactions/${id}`, { headers });
      if (response.status !== 200) missing.push(id);
    }
    second.child.kill('SIGTERM');
    expect(answered.length).toBeGreaterThanOrEqual(150);
    expect(missing).toEqual([]);
  }, 360_000); // two starts on a new DATA_DIR (PGlite's initdb) on a busy 2-core machine
});
