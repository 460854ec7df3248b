// The stand-alone processor's own settings (dist/kafka/worker.js) and its bounded store: no broker needed, a bad
// setting exits 2 before connecting.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createStandaloneScoring } from './standalone.js';
import { rawTransactions } from './testing.js';

const WORKER = fileURLToPath(new URL('../../dist/kafka/worker.js', import.meta.url));

describe('the stand-alone processor', () => {
  it('exits 2 naming KAFKA_WORKER_STORED_RECORDS when it is not a whole number of at least 1', async () => {
    for (const bad of ['0', '-5', '2.5', 'lots']) {
      const child = spawn(process.execPath, [WORKER], {
        env: {
          ...process.env,
          KAFKA_BROKERS: '127.0.0.1:9',
          KAFKA_GROUP_ID: 'worker-test',
          KAFKA_WORKER_STORED_RECORDS: bad,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise((resolve) => child.once('exit', resolve));
      expect(code).toBe(2);
      expect(stderr).toContain(`configuration error: KAFKA_WORKER_STORED_RECORDS must be a whole number of at least 1`);
      expect(stderr).toContain(`"${bad}"`);
    }
  }, 60_000);

  it('keeps the last storedRecords records: one consumed again within them is answered from its record, an older one scored anew', async () => {
    const scoring = await createStandaloneScoring(undefined, Date.now, { storedRecords: 3 });
    try {
      const txs = [...rawTransactions(5, 'bounded', 3)].map((r) => JSON.parse(r.value).transaction as { id: string });
      const first = await scoring.service.scoreEach(txs);
      expect(first.map((o) => o.ok && o.created)).toEqual([true, true, true, true, true]);
      const again = await scoring.service.scoreEach([txs[4], txs[0]]);
      expect(again.map((o) => o.ok && o.created)).toEqual([false, true]);
    } finally {
      await scoring.close();
    }
  });
});
