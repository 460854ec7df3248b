// The Open Inference Protocol (KServe V2, REST/JSON): a thin adapter over the ScoringService (the one scoring flow).
// Mounted at '/v2':
//   GET  /v2                                       server metadata
//   GET  /v2/health/live                           200 { live: true }
//   GET  /v2/health/ready                          200 { ready: true } when a model is loaded, else 503 { ready: false }
//   GET  /v2/models/{name}[/versions/{v}]          model metadata (name, versions, platform, inputs, outputs)
//   GET  /v2/models/{name}[/versions/{v}]/ready    200 { name, ready: true }
//   POST /v2/models/{name}[/versions/{v}]/infer    inference
//
// The tensor contract:
//   input  `transactions`  BYTES [N]    each element one transaction in our Transaction shape (id, customerId,
//                                        terminalId, amount, timestamp, ...) as a JSON-encoded string (a JSON object
//                                        is accepted too); 1 <= N <= maxBatch; scored in order like /v1/score/batch.
//   output `probability`   FP64  [N]
//          `risk_level`    BYTES [N]    LOW | MEDIUM | HIGH | CRITICAL
//          `should_block`  BOOL  [N]
//          `shap_values`   FP64  [N, F] SHAP (log-odds), row-major, columns in the model's feature order (also in
//                                        the output's parameters.feature_names, comma-separated). Rows for
//                                        transactions stored earlier without explanations are zeros and listed in
//                                        parameters.unexplained_rows. Request only the other outputs (the request's
//                                        `outputs`) to skip SHAP.
//
// A back-fill (no timestamp window; admin scope) says so in the request's parameters: { "backfill": true }.
// Scored all or nothing: an invalid transaction (400) or a conflicting duplicate (409: an id already scored, or
// earlier in the request, with different content) refuses the request before anything is scored.
//
// Errors: DELIBERATE DEVIATION from the API's one error shape ({ error: { code, message, field } }): these routes
// answer in the protocol's own shape, { "error": "<message>" } — 400 for malformed requests and invalid
// transactions, 409 for a conflicting duplicate, 415 for a body that is not JSON, 404 for an unknown model or
// version, 503 when no model can be loaded, 500 otherwise (logged with the request id, X-Request-Id) — because
// KServe / Triton clients parse that shape.
import { FraudScoreError, IntegrityError, ModelLoadError, ValidationError, type ModelInfo } from '@fraudscore/sdk';
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ApiError } from '../../errors.js';
import { readJson } from '../../http.js';
import type { ScoringService } from '../../service/index.js';
import { checkBackfill } from '../score/index.js';
import { inferBody, KSERVE_INPUT, KSERVE_OUTPUTS, validate } from '../../schemas/index.js';
import type { ScoredTransaction } from '../../storage/index.js';

export interface KServeRoutesOptions {
  service: ScoringService;
  /** Most transactions per infer call; default 1000, as /v1/score/batch. */
  maxBatch?: number;
  /** The `platform` in model metadata; default 'fraudscore-js'. */
  platform?: string;
  /** Server metadata (GET /v2); defaults 'fraudscore-edge' and '0.1.0'. */
  serverName?: string;
  serverVersion?: string;
  /** Called with an unexpected error (a 5xx) before the answer goes out: the app logs it with the request id. */
  onUnexpected?: (error: unknown, c: Context) => void;
}

export const INPUT_NAME = KSERVE_INPUT;
export const OUTPUT_NAMES = KSERVE_OUTPUTS;
type OutputName = (typeof OUTPUT_NAMES)[number];

export interface InferTensor {
  name: string;
  datatype: string;
  shape: number[];
  data: unknown[];
  parameters?: Record<string, string | number | boolean>;
}

/** The protocol's error: { error: message } with a status. */
class KServeError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
  ) {
    super(message);
  }
}

const bad = (message: string): KServeError => new KServeError(400, message);
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function toKServeError(error: unknown): { status: ContentfulStatusCode; body: { error: string } } {
  if (error instanceof KServeError) return { status: error.status, body: { error: error.message } };
  if (error instanceof ValidationError) return { status: 400, body: { error: error.message } };
  if (error instanceof ApiError) {
    const status = error.status === 422 ? 400 : error.status;
    return {
      status,
      body: {
        error:
          error.field && !error.message.startsWith(error.field) ? `${error.field}: ${error.message}` : error.message,
      },
    };
  }
  if (error instanceof HTTPException && error.status >= 400 && error.status < 500)
    return { status: error.status as ContentfulStatusCode, body: { error: error.message || 'bad request' } };
  if (error instanceof IntegrityError || error instanceof ModelLoadError)
    return { status: 503, body: { error: error.message } };
  if (error instanceof FraudScoreError) return { status: 500, body: { error: error.message } };
  return { status: 500, body: { error: 'internal error; the request was not completed' } };
}

/** The request checked against the published schema, each element of the `transactions` tensor decoded. */
function readTransactions(
  body: unknown,
  schema: ReturnType<typeof inferBody>,
): { id: string | undefined; transactions: unknown[]; outputs: OutputName[]; backfill: boolean } {
  // Schema errors arrive as ApiError; toKServeError turns them into { error: "<field>: <message>" } with 400.
  const { id, inputs, outputs, parameters } = validate(schema, body, { status: 400 });
  // JSON text inside a BYTES element is decoded here: that is the protocol's encoding, not a shape to check.
  const transactions = inputs[0]!.data.map((element, i) => {
    if (typeof element !== 'string') return element;
    let parsed: unknown;
    try {
      parsed = JSON.parse(element);
    } catch {
      throw bad(`${INPUT_NAME}[${i}] is not valid JSON`);
    }
    if (!isObject(parsed)) throw bad(`${INPUT_NAME}[${i}] must encode a JSON object`);
    return parsed;
  });
  return {
    id,
    transactions,
    outputs: outputs ? outputs.map((o) => o.name) : [...OUTPUT_NAMES],
    backfill: parameters?.backfill === true,
  };
}

function tensors(
  records: readonly ScoredTransaction[],
  model: ModelInfo,
  outputs: readonly OutputName[],
): InferTensor[] {
  const n = records.length;
  const f = model.features.length;
  return outputs.map((name): InferTensor => {
    switch (name) {
      case 'probability':
        return { name, datatype: 'FP64', shape: [n], data: records.map((r) => r.probability) };
      case 'risk_level':
        return { name, datatype: 'BYTES', shape: [n], data: records.map((r) => r.riskLevel) };
      case 'should_block':
        return { name, datatype: 'BOOL', shape: [n], data: records.map((r) => r.shouldBlock) };
      case 'shap_values': {
        const data: number[] = [];
        const unexplained: number[] = [];
        records.forEach((r, i) => {
          const values = r.shap?.values;
          if (values && values.length === f) data.push(...values);
          else {
            unexplained.push(i);
            for (let k = 0; k < f; k++) data.push(0);
          }
        });
        const parameters: Record<string, string> = { feature_names: model.features.join(',') };
        if (unexplained.length > 0) parameters['unexplained_rows'] = unexplained.join(',');
        return { name, datatype: 'FP64', shape: [n, f], data, parameters };
      }
    }
  });
}

export function kserveRoutes({
  service,
  maxBatch = 1000,
  platform = 'fraudscore-js',
  serverName = 'fraudscore-edge',
  serverVersion = '0.1.0',
  onUnexpected,
}: KServeRoutesOptions): Hono {
  const app = new Hono();
  const inferSchema = inferBody(maxBatch);
  // Used only for this group's routes (Hono applies a sub-app's handler to its own routes when mounted).
  app.onError((error, c) => {
    const { status, body } = toKServeError(error);
    if (status >= 500) onUnexpected?.(error, c);
    return c.json(body, status);
  });

  /** The loaded model when the path names it (and, if given, its version); else 404. */
  const modelFor = (c: Context): ModelInfo => {
    const model = service.currentModel().model;
    const name = c.req.param('name');
    const version = c.req.param('version');
    if (name !== model.name)
      throw new KServeError(
        404,
        `model ${JSON.stringify((name ?? '').slice(0, 128))} not found; the loaded model is ${JSON.stringify(model.name)}`,
      );
    if (version !== undefined && version !== model.version) {
      throw new KServeError(
        404,
        `version ${JSON.stringify(version.slice(0, 64))} of model ${JSON.stringify(model.name)} not found; the loaded version is ${JSON.stringify(model.version)}`,
      );
    }
    return model;
  };

  app.get('/', (c) => c.json({ name: serverName, version: serverVersion, extensions: [] }));
  app.get('/health/live', (c) => c.json({ live: true }));
  app.get('/health/ready', (c) => {
    let ready: boolean;
    try {
      const model = service.currentModel().model;
      ready = typeof model.version === 'string' && model.features.length > 0;
    } catch {
      ready = false;
    }
    return c.json({ ready }, ready ? 200 : 503);
  });

  const metadata = (c: Context) => {
    const model = modelFor(c);
    const f = model.features.length;
    return c.json({
      name: model.name,
      versions: [model.version],
      platform,
      inputs: [{ name: INPUT_NAME, datatype: 'BYTES', shape: [-1] }],
      outputs: [
        { name: 'probability', datatype: 'FP64', shape: [-1] },
        { name: 'risk_level', datatype: 'BYTES', shape: [-1] },
        { name: 'should_block', datatype: 'BOOL', shape: [-1] },
        { name: 'shap_values', datatype: 'FP64', shape: [-1, f] },
      ],
      parameters: { threshold: service.threshold(), feature_names: model.features.join(',') },
    });
  };
  const ready = (c: Context) => c.json({ name: modelFor(c).name, ready: true });
  const infer = async (c: Context) => {
    modelFor(c);
    // The same body rules as the rest of the API: JSON Content-Type, strict UTF-8, valid JSON.
    const { id, transactions, outputs, backfill } = readTransactions(await readJson(c), inferSchema);
    checkBackfill(c, backfill);
    const records = await service.scoreBatch(transactions, { explain: outputs.includes('shap_values'), backfill });
    // The model that scored them (hot reload may have swapped it since modelFor).
    const model = service.currentModel().model;
    return c.json({
      model_name: model.name,
      model_version: records[0]?.modelVersion ?? model.version,
      ...(id !== undefined ? { id } : {}),
      outputs: tensors(records, model, outputs),
    });
  };

  for (const prefix of ['/models/:name', '/models/:name/versions/:version']) {
    app.get(prefix, metadata);
    app.get(`${prefix}/ready`, ready);
    app.post(`${prefix}/infer`, infer);
  }
  return app;
}
