// Bulk-label throughput (issue 22): a server on the embedded store (PGlite in a temporary DATA_DIR) holding N scored
// transactions; then POST /v1/labels in requests of 10,000, timed. Prints one JSON line.
//   node server/bench/labels.mjs [N=20000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../dist/config.js';
import { startServer } from '../dist/server.js';

const n = Number(process.argv[2] ?? 20_000);
const KEY = 'bench-labels-admin-key-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'fraudscore-bench-labels-'));
const server = await startServer(
  await loadConfig({
    PORT: '0',
    DATA_DIR: dir,
    DEMO: 'off',
    LOG_LEVEL: 'silent',
    API_KEYS: `${KEY}:admin`,
    RATE_LIMIT_PER_MINUTE: '0',
    DRIFT_INTERVAL: '1d',
  }),
  { dashboardDir: false },
);
const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
const now = Date.now();
try {
  for (let start = 0; start < n; start += 1000) {
    const transactions = Array.from({ length: Math.min(1000, n - start) }, (_, k) => ({
      id: `tx-${start + k}`,
      customerId: `c-${(start + k) % 997}`,
      terminalId: `t-${(start + k) % 1999}`,
      amount: 5 + ((start + k) % 300),
      timestamp: new Date(now - 86_400_000 + (start + k) * 1000 * (86_000 / n)).toISOString(),
    }));
    const res = await fetch(`${server.url}/v1/score/batch?explain=false`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ transactions }),
    });
    if (!res.ok) throw new Error(`score/batch ${res.status}: ${await res.text()}`);
  }
  const at = new Date(now).toISOString();
  /** Every transaction's label (one in 50 fraud) in requests of 10,000; the number the server says it changed. */
  const postLabels = async () => {
    let labelled = 0;
    for (let start = 0; start < n; start += 10_000) {
      const labels = Array.from({ length: Math.min(10_000, n - start) }, (_, k) => ({
        id: `tx-${start + k}`,
        label: (start + k) % 50 === 0 ? 'fraud' : 'legitimate',
        analyst: 'import',
        at,
      }));
      const res = await fetch(`${server.url}/v1/labels`, { method: 'POST', headers, body: JSON.stringify({ labels }) });
      if (!res.ok) throw new Error(`labels ${res.status}: ${await res.text()}`);
      labelled += (await res.json()).labelled;
    }
    return labelled;
  };
  const t0 = performance.now();
  const labelled = await postLabels();
  const seconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  // The same requests again: idempotent, nothing written.
  await postLabels();
  const again = (performance.now() - t1) / 1000;
  console.log(
    JSON.stringify({
      store: 'pglite',
      labels: labelled,
      seconds: +seconds.toFixed(2),
      labelsPerSecond: Math.round(labelled / seconds),
      retrySeconds: +again.toFixed(2),
    }),
  );
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
