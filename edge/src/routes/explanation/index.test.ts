import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compileSpec, describeFeatures, type ScoreResult } from '@fraudscore/sdk';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { toErrorResponse } from '../../errors.js';
import {
  createLlmExplainer,
  memoryCache,
  templateExplainer,
  templateNarrative,
  type Explainer,
} from '../../explain/index.js';
import { explanationRoutes, type ExplainableRecord } from './index.js';

const TX_ID = 'TXN-ZEBRA-91731';
const CUSTOMER_ID = 'CUST-OKAPI-55210';
const TERMINAL_ID = 'TERM-QUOKKA-40417';

// A stored record as the storage layer might hold it: the full score result plus the transaction's identifiers.
const result = {
  transactionId: TX_ID,
  probability: 0.91,
  margin: 2.3,
  riskLevel: 'CRITICAL',
  shouldBlock: true,
  topFactors: [
    { feature: 'TERMINAL_ID_RISK_30DAY_WINDOW', value: 0.4, contribution: 1.8, direction: 'increases_risk' },
    { feature: 'TX_AMOUNT', value: 310.2, contribution: 0.4, direction: 'increases_risk' },
  ],
  shap: null,
  margins: { xgb: 2.3 },
  features: { TX_AMOUNT: 310.2 },
  modelVersion: 'model-2026.03',
  backend: 'js',
  timings: { featuresMs: 0, scoreMs: 0, explainMs: 0, totalMs: 0 },
} satisfies ScoreResult;
/** The model's features in words, as the scorer of a bundle with the handbook spec holds them. */
const words = describeFeatures(
  compileSpec(
    JSON.parse(readFileSync(new URL('../../../../models/specs/handbook-features.json', import.meta.url), 'utf8')),
  ),
);
const stored = {
  id: TX_ID,
  transaction: { transactionId: TX_ID, customerId: CUSTOMER_ID, terminalId: TERMINAL_ID, amount: 310.2 },
  result,
};

function appWith(explainer: Explainer, records: Record<string, ExplainableRecord> = { [TX_ID]: stored }) {
  const app = new Hono();
  app.onError((error, c) => {
    const { status, body } = toErrorResponse(error);
    return c.json(body, status);
  });
  app.route(
    '/',
    explanationRoutes({
      getTransaction: async (id) => records[id],
      explainer,
      threshold: () => 0.5,
      words: () => words,
    }),
  );
  return app;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

describe('GET /v1/transactions/:id/explanation', () => {
  it('answers the template narrative in the requested language (en by default)', async () => {
    const app = appWith(templateExplainer);
    const input = {
      factors: result.topFactors,
      probability: 0.91,
      riskLevel: 'CRITICAL',
      threshold: 0.5,
      modelVersion: 'model-2026.03',
      words,
    } as const;
    for (const lang of ['en', 'ru', 'kk'] as const) {
      const res = await app.request(`/v1/transactions/${TX_ID}/explanation?lang=${lang}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        transactionId: TX_ID,
        lang,
        source: 'template',
        text: templateNarrative(input, lang),
        cached: false,
      });
    }
    const plain = await (await app.request(`/v1/transactions/${TX_ID}/explanation`)).json();
    expect(plain).toMatchObject({ lang: 'en', source: 'template' });
    expect(plain.text).toContain('share of fraud at the terminal over 30 days ending 7 days ago 40.0%');
  });

  it('404 for an unknown id, 400 naming lang for a bad language', async () => {
    const app = appWith(templateExplainer);
    const missing = await app.request('/v1/transactions/nope/explanation');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: { code: 'not_found', message: 'transaction not found', field: 'id' },
    });
    for (const lang of ['de', '', 'EN', 'en,ru']) {
      const bad = await app.request(`/v1/transactions/${TX_ID}/explanation?lang=${encodeURIComponent(lang)}`);
      expect(bad.status).toBe(400);
      expect((await bad.json()).error).toMatchObject({ code: 'bad_request', field: 'lang' });
    }
    const long = await app.request(`/v1/transactions/${'x'.repeat(300)}/explanation`);
    expect(long.status).toBe(400);
    expect((await long.json()).error.field).toBe('id');
  });

  it('with the LLM: no identifier reaches the server, the configured model is used, source llm, then cached', async () => {
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      req.on('end', () => {
        bodies.push(`${req.method} ${req.url}\n${body}`);
        const { model } = JSON.parse(body) as { model: string };
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            id: 'c',
            object: 'chat.completion',
            created: 0,
            model,
            choices: [
              {
                index: 0,
                finish_reason: 'stop',
                message: { role: 'assistant', content: 'Терминал жиі алаяқтыққа ұшыраған.' },
              },
            ],
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    const app = appWith(
      createLlmExplainer({ apiKey: 'sk-test', baseURL, model: 'local-llama', cache: memoryCache(), onError: () => {} }),
    );

    const first = await app.request(`/v1/transactions/${TX_ID}/explanation?lang=kk`);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({
      transactionId: TX_ID,
      lang: 'kk',
      source: 'llm',
      model: 'local-llama',
      text: 'Терминал жиі алаяқтыққа ұшыраған.',
      cached: false,
    });
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toMatch(/^POST \/v1\/chat\/completions\n/);
    for (const id of [TX_ID, CUSTOMER_ID, TERMINAL_ID]) expect(bodies[0]).not.toContain(id);
    expect(JSON.parse(bodies[0]!.split('\n').slice(1).join('\n')).model).toBe('local-llama');

    const second = await (await app.request(`/v1/transactions/${TX_ID}/explanation?lang=kk`)).json();
    expect(second).toMatchObject({ source: 'llm', cached: true });
    expect(bodies).toHaveLength(1);
  });
});
