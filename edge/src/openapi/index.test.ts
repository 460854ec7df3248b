import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileSpec, directorySource, normalizeTransaction } from '@fraudscore/sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseReference } from '../drift/index.js';
import { parseApiKeys } from '../middleware/index.js';
import {
  errorBody,
  health,
  labelBody,
  modelInfo,
  scoreBatchBody,
  scoreBody,
  scoredTransaction,
  thresholdBody,
  transactionInput,
  z,
} from '../schemas/index.js';
import { createTestEdge, tx, type TestEdge } from '../testing/index.js';
import { DEFAULT_BUNDLE_DIR } from '../../../test/fixtures.js';

const BUNDLE_DIR = DEFAULT_BUNDLE_DIR;
const BUNDLE = directorySource(BUNDLE_DIR);
const readJsonFile = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

type Doc = {
  openapi: string;
  info: { version: string };
  paths: Record<string, Record<string, Op>>;
  components: Record<string, Record<string, unknown>>;
};
type Op = {
  operationId: string;
  tags: string[];
  security: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
};

/** Every app with every optional group: bundle files, drift, API keys. */
async function fullEdge(): Promise<TestEdge> {
  const keys = await parseApiKeys('openapi-test-key-0123456789:admin');
  return createTestEdge(BUNDLE, {
    bundle: () => undefined,
    driftReference: parseReference(readJsonFile(`${BUNDLE_DIR}reference.json`)),
    security: { keys, rateLimit: false },
  });
}

const registered = (edge: TestEdge): string[] =>
  [
    ...new Set(
      edge.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
    ),
  ].sort();
const documented = (doc: Doc): string[] =>
  Object.entries(doc.paths)
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();

/** Every `$ref` in the document, with where it points. */
function refs(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refs(v, found));
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string') found.push(v);
      else refs(v, found);
    }
  }
  return found;
}
const resolve = (doc: unknown, ref: string): unknown =>
  ref
    .slice(2)
    .split('/')
    .reduce<unknown>(
      (node, key) => (node as Record<string, unknown> | undefined)?.[key.replace(/~1/g, '/').replace(/~0/g, '~')],
      doc,
    );

describe('GET /openapi.json', () => {
  let edge: TestEdge;
  let doc: Doc;
  beforeAll(async () => {
    edge = await fullEdge();
    const res = await edge.app.request('/openapi.json'); // no key: the document is public
    expect(res.status).toBe(200);
    doc = await res.json();
  });

  it('is an OpenAPI 3.1 document with the package version, unique operation ids and resolvable $refs', () => {
    expect(doc.openapi).toBe('3.1.0');
    const pkg = readJsonFile(fileURLToPath(new URL('../../package.json', import.meta.url))) as { version: string };
    expect(doc.info.version).toBe(pkg.version);
    const ops = Object.values(doc.paths).flatMap((item) => Object.values(item));
    expect(ops.length).toBeGreaterThan(20);
    expect(new Set(ops.map((o) => o.operationId)).size).toBe(ops.length);
    for (const op of ops) {
      expect(op.tags).toHaveLength(1);
      expect(Object.keys(op.responses).length).toBeGreaterThan(0);
    }
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(20);
    for (const ref of all) {
      expect(ref.startsWith('#/components/schemas/'), ref).toBe(true);
      expect(resolve(doc, ref), ref).toBeTypeOf('object');
    }
  });

  it('documents exactly the routes the app registers', async () => {
    expect(documented(doc)).toEqual(registered(edge));
    // Without the optional groups, neither registers nor documents them.
    const plain = await createTestEdge(BUNDLE);
    const plainDoc = (await (await plain.app.request('/openapi.json')).json()) as Doc;
    expect(documented(plainDoc)).toEqual(registered(plain));
    expect(plainDoc.paths['/v1/drift']).toBeUndefined();
    expect(plainDoc.components['securitySchemes']).toBeUndefined();
  });

  it('states the key and scope each operation needs, as the middleware enforces them', async () => {
    expect(doc.components['securitySchemes']).toEqual({
      apiKey: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    });
    expect(doc.paths['/v1/score']!['post']!.security).toEqual([{ apiKey: ['score'] }]);
    expect(doc.paths['/v1/alerts']!['get']!.security).toEqual([{ apiKey: ['analyst'] }]);
    expect(doc.paths['/v1/stream']!['get']!.security).toEqual([{ apiKey: ['analyst'] }]);
    expect(doc.paths['/predict']!['post']!.security).toEqual([{ apiKey: ['score'] }]);
    expect(doc.paths['/threshold']!['post']!.security).toEqual([{ apiKey: ['admin'] }]);
    expect(doc.paths['/drift/set-baseline']!['post']!.security).toEqual([{ apiKey: ['admin'] }]);
    expect(doc.paths['/drift/check']!['post']!.security).toEqual([{ apiKey: ['admin'] }]);
    expect(doc.paths['/threshold']!['get']!.security).toEqual([{ apiKey: ['analyst'] }]);
    expect(doc.paths['/v2/models/{name}/infer']!['post']!.security).toEqual([{ apiKey: ['score'] }]);
    expect(doc.paths['/v2/health/live']!['get']!.security).toEqual([]);
    expect(doc.paths['/metrics']!['get']!.security).toEqual([]);
    expect(doc.paths['/v1/models/{version}/bundle/{file}']!['get']!.security).toEqual([]);
    expect(doc.paths['/health']!['get']!.security).toEqual([]);
    // The middleware agrees: a score-only key is refused where the document says analyst.
    const keys = await parseApiKeys('openapi-score-key-0123456789:score');
    const scoreOnly = await createTestEdge(BUNDLE, { security: { keys, rateLimit: false } });
    const auth = { authorization: 'Bearer openapi-score-key-0123456789' };
    expect((await scoreOnly.app.request('/v1/alerts', { headers: auth })).status).toBe(403);
    expect(
      (
        await scoreOnly.app.request('/v1/score', {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify(tx('k1')),
        })
      ).status,
    ).toBe(200);
    // The original routes too: scoring with the score key, the threshold only with admin, nothing without a key.
    expect(
      (
        await scoreOnly.app.request('/predict', {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify(tx('k2')),
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await scoreOnly.app.request('/threshold', {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ threshold: 0.9 }),
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await scoreOnly.app.request('/predict', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(tx('k3')),
        })
      ).status,
    ).toBe(401);
    expect((await scoreOnly.app.request('/model-info')).status).toBe(401);
    expect((await scoreOnly.app.request('/v2/health/ready')).status).toBe(200);
  });
});

describe('the input contract in the document', () => {
  type Schema = {
    properties: Record<string, { anyOf?: Record<string, unknown>[]; description?: string } & Record<string, unknown>>;
    description: string;
  };
  const transactionOf = async (edge: TestEdge): Promise<Schema> =>
    (await (await edge.app.request('/openapi.json')).json()).components.schemas.Transaction;

  it('shows the rules: id pattern and length, the amount ceiling, the timestamp window, what "same content" is', async () => {
    const t = await transactionOf(await createTestEdge(BUNDLE));
    for (const field of ['id', 'customerId', 'terminalId']) {
      const [text, integer] = t.properties[field]!.anyOf!;
      expect(text).toMatchObject({
        type: 'string',
        minLength: 1,
        maxLength: 256,
        pattern: expect.stringContaining('\\u0000-\\u001F'),
      });
      expect(integer).toMatchObject({ type: 'integer', maximum: Number.MAX_SAFE_INTEGER });
      expect(t.properties[field]!.description).toMatch(/without control characters/);
    }
    expect(t.properties['amount']).toMatchObject({ type: 'number', minimum: 0, maximum: 1e9 });
    expect(t.properties['timestamp']!.description).toMatch(
      /Within 30 days before and 15 minutes after the server's clock.*backfill=true/,
    );
    expect(t.description).toMatch(/Same content: .* not content/);
  });

  it('shows the configured limits, which the routes enforce', async () => {
    const edge = await createTestEdge(BUNDLE, {
      limits: { maxAmount: 5000, timeWindow: { pastMs: 7 * 86_400_000, futureMs: 60_000 } },
    });
    const t = await transactionOf(edge);
    expect(t.properties['amount']!['maximum']).toBe(5000);
    expect(t.properties['timestamp']!.description).toMatch(/Within 7 days before and 1 minute after/);
    const post = (body: unknown) =>
      edge.app.request('/v1/score', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post(tx('l1', { amount: 5000 }))).status).toBe(200);
    expect((await (await post(tx('l2', { amount: 5000.01 }))).json()).error).toMatchObject({
      field: 'amount',
      message: expect.stringMatching(/ceiling of 5,000/),
    });
  });
});

describe('examples against the schemas and the routes', () => {
  const auth = { authorization: 'Bearer openapi-test-key-0123456789' };
  let edge: TestEdge;
  let doc: Doc;
  beforeAll(async () => {
    edge = await fullEdge();
    doc = await (await edge.app.request('/openapi.json')).json();
  });
  const send = (method: string, path: string, body: unknown) =>
    edge.app.request(path, {
      method,
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const documentedStatuses = (path: string, method: string): string[] =>
    Object.keys(doc.paths[path]![method]!.responses);

  it.each([
    [
      '/v1/score',
      scoreBody,
      tx('e1', { preScore: { probability: 0.2, riskLevel: 'LOW' } }),
      tx('e2', { amount: -1 }),
      422,
      'amount',
    ],
    [
      '/v1/score/batch',
      scoreBatchBody,
      { transactions: [tx('e3'), tx('e4', { timestamp: 1774000800000 })] },
      { transactions: [tx('e5'), { ...tx('e6'), id: '' }] },
      422,
      'transactions[1].id',
    ],
    ['/v1/score/batch', scoreBatchBody, { transactions: [tx('e7')] }, { transactions: [] }, 400, 'transactions'],
    ['/predict', scoreBody, tx('e8'), tx('e9', { timestamp: 'yesterday' }), 422, 'timestamp'],
  ])(
    'POST %s: the example validates and scores; the bad one is %i naming %s',
    async (path, schema, good, bad, status, field) => {
      expect(schema.safeParse(good).success).toBe(true);
      expect((await send('POST', path, good)).status).toBe(200);
      expect(schema.safeParse(bad).success).toBe(false);
      const res = await send('POST', path, bad);
      expect(res.status).toBe(status);
      expect(documentedStatuses(path, 'post')).toContain(String(status));
      const json = await res.json();
      expect(errorBody.safeParse(json).success).toBe(true);
      expect(json.error.field).toBe(field);
    },
  );

  it('label and threshold bodies: examples validate, bad ones are 422 naming the field', async () => {
    await send('POST', '/v1/score', tx('l1'));
    const label = { label: 'fraud', analyst: 'ana', at: '2026-03-20T11:00:00Z' };
    expect(labelBody.safeParse(label).success).toBe(true);
    expect((await send('POST', '/v1/transactions/l1/label', label)).status).toBe(200);
    const badLabel = await send('POST', '/v1/transactions/l1/label', { ...label, analyst: ' ' });
    expect([badLabel.status, (await badLabel.json()).error.field]).toEqual([422, 'analyst']);
    expect(thresholdBody.safeParse({ threshold: 0.4, changed_by: 'ops' }).success).toBe(true);
    const badThreshold = await send('POST', '/threshold', { threshold: 1.5 });
    expect([badThreshold.status, (await badThreshold.json()).error.field]).toEqual([422, 'threshold']);
    expect(documentedStatuses('/threshold', 'post')).toContain('422');
  });

  it('responses match their documented schemas', async () => {
    const scored = await (
      await send('POST', '/v1/score', tx('r1', { preScore: { probability: 0.5, riskLevel: 'HIGH' } }))
    ).json();
    expect(z.strictObject(scoredTransaction.shape).safeParse(scored).error).toBeUndefined();
    expect(
      modelInfo.safeParse(await (await edge.app.request('/v1/models', { headers: auth })).json()).error,
    ).toBeUndefined();
    expect(health.safeParse(await (await edge.app.request('/health')).json()).error).toBeUndefined();
    const infer = await send('POST', `/v2/models/${edge.scorer.model.name}/infer`, {
      inputs: [{ name: 'transactions', datatype: 'FP64', shape: [1], data: [1] }],
    });
    expect(infer.status).toBe(400);
    expect(Object.keys(await infer.json())).toEqual(['error']);
  });
});

describe('the transaction schema agrees with the SDK', () => {
  const spec = compileSpec(readJsonFile(`${BUNDLE_DIR}features.json`));
  const sdkField = (value: unknown): string | undefined => {
    try {
      normalizeTransaction(value, spec);
      return undefined;
    } catch (error) {
      return (error as { field: string }).field;
    }
  };
  it.each([
    tx('a'),
    tx('a', { timestamp: 1774000800000 }),
    tx('a', { timestamp: '2026-03-20' }),
    tx('a', { timestamp: '2026-03-20 10:00:00.123+05:30' }),
    tx('a', { customerId: 17 }),
    tx('a', { amount: 0 }),
    tx('a', { amount: -0.01 }),
    tx('a', { amount: '5' }),
    tx('a', { amount: Infinity }),
    tx('a', { customerId: '' }),
    tx('a', { terminalId: null }),
    tx('a', { timestamp: 'yesterday' }),
    tx('a', { timestamp: 1.5 }),
    tx('a', { timestamp: 9e15 }),
    tx('a', { timestamp: '2026-03-20T10:00' }),
    tx('a', { timestamp: '20260320' }),
    tx('a', { timestamp: '2026-03-20T10:00:00+0530' }),
  ])('%j', (value) => {
    const result = transactionInput.safeParse(value);
    expect(result.success ? undefined : result.error.issues[0]!.path.join('.')).toBe(sdkField(value));
  });
});
