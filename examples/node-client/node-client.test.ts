// The walk-through against the real server, in process over loopback HTTP: port 0, a known admin key, no demo stream,
// no OpenAI key (so explanations come from the template).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/src/config.js';
import { startServer, type RunningServer } from '../../server/src/server.js';
import { FraudScoreApiError, FraudScoreClient } from './src/client.js';
import { run } from './src/main.js';

const API_KEY = 'node-client-example-admin-key';

let server: RunningServer | undefined;
let client: FraudScoreClient;

beforeAll(async () => {
  const config = await loadConfig({
    PORT: '0',
    DEMO: 'off',
    API_KEYS: `${API_KEY}:admin`,
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'silent',
  });
  server = await startServer(config);
  client = new FraudScoreClient({ baseUrl: server.url, apiKey: API_KEY });
});

afterAll(async () => {
  await server?.close();
});

describe('node-client example', () => {
  it('runs the walk-through end to end', async () => {
    const lines: string[] = [];
    const result = await run(client, (line) => lines.push(line));

    expect(result.single.riskLevel).toMatch(/^(LOW|MEDIUM|HIGH|CRITICAL)$/);
    expect(result.batch).toHaveLength(8);
    // The risky amounts raised at least one alert; the listing (2 per page) returned each once.
    expect(result.alerts.length).toBeGreaterThanOrEqual(1);
    const batchIds = new Set(result.batch.map((r) => r.id));
    for (const alert of result.alerts) {
      expect(batchIds.has(alert.id) || alert.id === result.single.id).toBe(true);
      expect(['HIGH', 'CRITICAL']).toContain(alert.riskLevel);
    }
    expect(new Set(result.alerts.map((a) => a.id)).size).toBe(result.alerts.length);
    expect(result.pages).toBeGreaterThanOrEqual(Math.ceil(result.alerts.length / 2));

    // The label was accepted and stored.
    expect(result.labelled.id).toBe(result.alerts[0]!.id);
    expect(result.labelled.label).toMatchObject({ label: 'fraud', analyst: 'example-analyst' });

    // The explanation: English, from the template (no OpenAI key), non-empty.
    expect(result.explanation).toMatchObject({ transactionId: result.labelled.id, lang: 'en', source: 'template' });
    expect(result.explanation.text.trim().length).toBeGreaterThan(0);

    // The bad request came back as a typed error naming the field.
    expect(result.badRequest).toBeInstanceOf(FraudScoreApiError);
    expect(result.badRequest.field).toBe('amount');
    expect(result.badRequest.status).toBeGreaterThanOrEqual(400);
    expect(result.badRequest.status).toBeLessThan(500);

    // Clear steps were printed, including the explanation text.
    const output = lines.join('\n');
    for (const step of [
      '1. Score one transaction',
      '2. Score a batch',
      '3. Page through the alerts',
      '4. Label',
      '5. Explain',
      '6. Errors',
    ]) {
      expect(output).toContain(step);
    }
    expect(output).toContain(result.explanation.text.split('\n')[0]!);
  });

  it('turns error responses into FraudScoreApiError with status, code and field', async () => {
    const negative = client.score({
      id: 'neg-1',
      customerId: 'c-neg',
      terminalId: 't-1',
      amount: -1,
      timestamp: new Date().toISOString(),
    });
    await expect(negative).rejects.toBeInstanceOf(FraudScoreApiError);
    await expect(negative).rejects.toMatchObject({ status: 422, code: 'validation_error', field: 'amount' });

    const missing = client.explanation('no-such-transaction');
    await expect(missing).rejects.toMatchObject({ status: 404, code: 'not_found', field: 'id' });

    const wrongKey = new FraudScoreClient({ baseUrl: server!.url, apiKey: 'x'.repeat(43) });
    await expect(
      wrongKey.score({ id: 'k-1', customerId: 'c', terminalId: 't', amount: 1, timestamp: Date.now() }),
    ).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
  });
});
