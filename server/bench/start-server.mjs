// Starting the built server for a bench: server-runner.mjs in a child process, with the settings every bench gives it.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

/** The bench server's settings: a free loopback port, no demo traffic, no rate limit, one admin key, in memory. */
export const benchServerEnv = (key) => ({
  PORT: '0',
  HOST: '127.0.0.1',
  DEMO: 'off',
  RATE_LIMIT_PER_MINUTE: '0',
  API_KEYS: `${key}:admin`,
  LOG_LEVEL: 'error',
  DATA_DIR: '',
});

/**
 * Starts server-runner.mjs (node options `nodeArgs` before it, `env` over the environment and the bench settings) and
 * resolves with the child and its URL once it printed `BENCH_URL`; rejects if it exits first or after 60 s.
 */
export function startBenchServer({ name, key, nodeArgs = [], env = {}, cwd = join(HERE, '..') }) {
  const child = spawn(process.execPath, [...nodeArgs, join(HERE, 'server-runner.mjs')], {
    cwd,
    env: { ...process.env, ...benchServerEnv(key), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not print BENCH_URL within 60 s`)), 60_000);
    child.stdout.on('data', (chunk) => {
      const match = /BENCH_URL (\S+)/.exec((buffer += chunk));
      if (!match) return;
      clearTimeout(timer);
      resolve({ name, child, url: match[1] });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (code ${code}) before printing BENCH_URL`));
    });
  });
}
