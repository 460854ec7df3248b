// Every operation the app registers, with the schemas its route validates with. index.test.ts checks this table
// against the app's own route list, so a route added without an entry here fails the tests.
import * as s from '../schemas/index.js';
import type { z } from '../schemas/index.js';
import { inferRequest } from './components.js';

export type Tag =
  'scoring' | 'transactions' | 'alerts' | 'models' | 'drift' | 'stream' | 'service' | 'legacy' | 'kserve' | 'mlflow';

export interface Reply {
  description: string;
  /** A named schema (components.ts) for JSON; absent with `contentType` for other media. */
  schema?: z.ZodType;
  contentType?: string;
}

export interface Operation {
  method: 'get' | 'post';
  /** OpenAPI form: /v1/transactions/{id}. */
  path: string;
  tag: Tag;
  summary: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** The body may be empty (every field has a default). */
  bodyOptional?: boolean;
  /** Success replies by status; error replies are added from what the operation validates. */
  ok: Record<number, Reply>;
  /** Statuses this operation refuses with beyond the ones its params, query and body imply. */
  refusals?: Partial<Record<number, string>>;
  /** Only served when the host configures it. */
  servedWhen?: 'drift' | 'bundle';
  /** KServe routes answer errors in the protocol's { error } shape. */
  errorSchema?: z.ZodType;
}

const json = (description: string, schema: z.ZodType): Reply => ({ description, schema });
const REGISTRY_REFUSALS = {
  502: 'The registry refused the request (the reason is in the message).',
  503: 'MLflow not configured, or unreachable (the message says which).',
};
const registryJson = (description: string): Reply => ({ description, contentType: 'application/json' });
const BATCH_413 = { 413: `More than ${s.MAX_BATCH} transactions.` };
const CONFLICT_409 = {
  409: 'conflict: this id was already scored with different content (`id` names it; see Transaction for what "same content" means). The same content again returns the stored result with 200.',
};
const BACKFILL_403 = { 403: "backfill=true with a key without the `admin` scope (or the route's scope missing)." };

const scoring: Operation[] = [
  {
    method: 'post',
    path: '/v1/score',
    tag: 'scoring',
    summary: 'Score one transaction (idempotent per id: same content → the stored result, other content → 409)',
    query: s.scoreQuery,
    body: s.scoreBody,
    ok: { 200: json('The scored transaction, as stored.', s.scoredTransaction) },
    refusals: { ...CONFLICT_409, ...BACKFILL_403 },
  },
  {
    method: 'post',
    path: '/v1/score/batch',
    tag: 'scoring',
    summary:
      "Score 1..1000 transactions in order; an invalid one refuses the batch, a conflicting duplicate is that item's error",
    query: s.scoreQuery,
    body: s.scoreBatchBody,
    ok: {
      200: json(
        'One result per transaction, in request order: a ScoredTransaction, or { id, error } for a conflicting duplicate.',
        s.scoreBatchResponse,
      ),
    },
    refusals: { ...BATCH_413, ...BACKFILL_403 },
  },
];

const analyst: Operation[] = [
  {
    method: 'get',
    path: '/v1/transactions',
    tag: 'transactions',
    summary: 'List scored transactions, newest first',
    query: s.transactionListQuery,
    ok: { 200: json('A page of scored transactions.', s.transactionPage) },
  },
  {
    method: 'get',
    path: '/v1/transactions/{id}',
    tag: 'transactions',
    summary: 'One scored transaction',
    params: s.idParam,
    ok: { 200: json('The scored transaction.', s.scoredTransaction) },
    refusals: { 404: 'No transaction with this id.' },
  },
  {
    method: 'post',
    path: '/v1/transactions/{id}/label',
    tag: 'transactions',
    summary: 'Label a transaction fraud or legitimate',
    params: s.idParam,
    body: s.labelBody,
    ok: { 200: json('The transaction with its label.', s.scoredTransaction) },
    refusals: { 404: 'No transaction with this id.' },
  },
  {
    method: 'post',
    path: '/v1/labels',
    tag: 'transactions',
    summary: 'Label up to 10,000 transactions at once (all checked first; idempotent when each `at` is given)',
    body: s.bulkLabelBody,
    ok: {
      200: {
        description: '{ labelled, unchanged }: labels written, and labels equal to the stored ones.',
        contentType: 'application/json',
      },
    },
    refusals: { 404: 'An id with no scored transaction (its index in the field); nothing was labelled.' },
  },
  {
    method: 'post',
    path: '/v1/transactions/{id}/acknowledge',
    tag: 'transactions',
    summary: 'Acknowledge an alert: an analyst has taken it (seen by every analyst)',
    params: s.idParam,
    body: s.acknowledgeBody,
    ok: { 200: json('The transaction with its acknowledgement.', s.scoredTransaction) },
    refusals: { 404: 'No transaction with this id.' },
  },
  {
    method: 'get',
    path: '/v1/transactions/{id}/explanation',
    tag: 'transactions',
    summary: "A narrative of a transaction's score",
    params: s.idParam,
    query: s.explanationQuery,
    ok: { 200: json('The narrative.', s.explanationResponse) },
    refusals: { 404: 'No transaction with this id.' },
  },
  {
    method: 'get',
    path: '/v1/alerts',
    tag: 'alerts',
    summary: 'List HIGH and CRITICAL transactions, newest first',
    query: s.alertListQuery,
    ok: { 200: json('A page of alerts.', s.transactionPage) },
  },
  {
    method: 'get',
    path: '/v1/models',
    tag: 'models',
    summary: 'The active model',
    ok: { 200: json('The active model.', s.modelInfo) },
  },
  {
    method: 'get',
    path: '/v1/models/{version}/bundle/{file}',
    tag: 'models',
    summary: 'A file of the model bundle, for SDKs (public, immutable)',
    params: s.bundlePath,
    ok: {
      200: { description: 'The file (ETag: its sha256).', contentType: 'application/octet-stream' },
      304: { description: 'Not modified (If-None-Match).' },
    },
    refusals: { 404: 'Unknown version or file.' },
    servedWhen: 'bundle',
  },
  {
    method: 'post',
    path: '/v1/models/reload',
    tag: 'models',
    summary: "Follow the registry's champion now (download, verify, warm, swap)",
    ok: { 200: { description: '{ changed, model, source, detail }', contentType: 'application/json' } },
    refusals: REGISTRY_REFUSALS,
  },
  {
    method: 'post',
    path: '/v1/models/promote',
    tag: 'models',
    summary:
      'Promotion gate: challenger vs champion on the latest labelled window; moves the champion alias if it passes',
    body: s.lifecycleBody,
    bodyOptional: true,
    ok: {
      200: {
        description: '{ decision, reason, challenger, champion, labels, frauds, window, active }',
        contentType: 'application/json',
      },
    },
    refusals: { ...REGISTRY_REFUSALS, 409: 'No challenger, or too few labelled transactions to decide.' },
  },
  {
    method: 'post',
    path: '/v1/models/rollback',
    tag: 'models',
    summary: 'Back to the previous champion',
    body: s.lifecycleBody,
    bodyOptional: true,
    ok: { 200: { description: '{ champion, previous, active }', contentType: 'application/json' } },
    refusals: { ...REGISTRY_REFUSALS, 409: 'No previous champion to return to.' },
  },
  {
    method: 'get',
    path: '/v1/drift',
    tag: 'drift',
    summary: 'PSI per feature and for the score over a window ending now',
    query: s.driftQuery,
    ok: { 200: { description: 'The drift snapshot.', contentType: 'application/json' } },
    servedWhen: 'drift',
  },
  {
    method: 'get',
    path: '/v1/drift/history',
    tag: 'drift',
    summary: 'Kept drift snapshots, oldest first',
    query: s.driftHistoryQuery,
    ok: { 200: { description: '{ snapshots: [...] }', contentType: 'application/json' } },
    servedWhen: 'drift',
  },
  {
    method: 'get',
    path: '/v1/drift/baseline',
    tag: 'drift',
    summary: 'The baseline drift is measured against',
    ok: { 200: json('The bundle reference, or the window an admin made the baseline.', s.baselineInfo) },
    servedWhen: 'drift',
  },
  {
    method: 'get',
    path: '/v1/stream',
    tag: 'stream',
    summary: 'Server-Sent Events of newly scored transactions',
    query: s.streamQuery,
    ok: {
      200: {
        description: '`event: scored`, `data:` a ScoredTransaction as JSON; heartbeat comments.',
        contentType: 'text/event-stream',
      },
    },
  },
];

const service: Operation[] = [
  {
    method: 'get',
    path: '/health',
    tag: 'service',
    summary: 'Liveness and the active model',
    ok: { 200: json('Alive.', s.health) },
  },
  {
    method: 'get',
    path: '/metrics',
    tag: 'service',
    summary: 'Prometheus metrics (text format 0.0.4)',
    ok: { 200: { description: 'The exposition.', contentType: 'text/plain' } },
  },
  {
    method: 'get',
    path: '/openapi.json',
    tag: 'service',
    summary: 'This document',
    ok: { 200: { description: 'OpenAPI 3.1.', contentType: 'application/json' } },
  },
];

const legacy: Operation[] = [
  {
    method: 'post',
    path: '/predict',
    tag: 'legacy',
    summary: 'Score one transaction (original field names)',
    query: s.legacyScoreQuery,
    body: s.scoreBody,
    ok: { 200: json('The prediction.', s.legacyPrediction) },
    refusals: { ...CONFLICT_409, ...BACKFILL_403 },
  },
  {
    method: 'post',
    path: '/predict/batch',
    tag: 'legacy',
    summary: 'Score 1..1000 transactions (original field names)',
    query: s.legacyScoreQuery,
    body: s.scoreBatchBody,
    ok: {
      200: json(
        'Predictions in request order; a conflicting duplicate is { transaction_id, error } in its place.',
        s.legacyBatchResponse,
      ),
    },
    refusals: { ...BATCH_413, ...BACKFILL_403 },
  },
  {
    method: 'get',
    path: '/model-info',
    tag: 'legacy',
    summary: 'The active model (original field names)',
    ok: { 200: { description: 'The model.', contentType: 'application/json' } },
  },
  {
    method: 'get',
    path: '/threshold',
    tag: 'legacy',
    summary: 'The threshold in force',
    ok: { 200: json('The threshold.', s.thresholdState) },
  },
  {
    method: 'post',
    path: '/threshold',
    tag: 'legacy',
    summary: 'Change the threshold at run time (audited)',
    body: s.thresholdBody,
    ok: { 200: json('The new threshold with the audit entry.', s.thresholdState) },
  },
  {
    method: 'post',
    path: '/drift/check',
    tag: 'legacy',
    summary: 'Check drift now over a window (kept in the history)',
    body: s.driftCheckBody,
    bodyOptional: true,
    ok: {
      200: {
        description:
          '{ drift_detected, drift_level, score_drift, feature_drift, alert_features, n_samples, baseline, … }',
        contentType: 'application/json',
      },
    },
    servedWhen: 'drift',
  },
  {
    method: 'post',
    path: '/drift/set-baseline',
    tag: 'legacy',
    summary: 'Make a window of live traffic the drift baseline, or reset to the bundle (audited)',
    body: s.setBaselineBody,
    bodyOptional: true,
    ok: {
      200: {
        description: '{ status, baseline: { source, model_version, window, n_samples, set_by, set_at } }',
        contentType: 'application/json',
      },
    },
    refusals: { 422: 'Too few scored transactions in the window (field window), or a bad value.' },
    servedWhen: 'drift',
  },
  {
    method: 'get',
    path: '/threshold/history',
    tag: 'legacy',
    summary: 'The threshold audit trail, oldest first',
    ok: {
      200: {
        description: '{ changes: [{ old_threshold, new_threshold, changed_by, changed_at }] }',
        contentType: 'application/json',
      },
    },
  },
];

const kserveMeta = { description: 'Model metadata: inputs, outputs, threshold.', contentType: 'application/json' };
const kserveModel = (prefix: string): Operation[] => [
  {
    method: 'get',
    path: prefix,
    tag: 'kserve',
    summary: 'Model metadata',
    params: s.kserveModelPath,
    ok: { 200: kserveMeta },
    refusals: { 404: 'Not the loaded model or version.' },
    errorSchema: s.kserveError,
  },
  {
    method: 'get',
    path: `${prefix}/ready`,
    tag: 'kserve',
    summary: 'Model readiness',
    params: s.kserveModelPath,
    ok: { 200: { description: '{ name, ready: true }', contentType: 'application/json' } },
    refusals: { 404: 'Not the loaded model or version.' },
    errorSchema: s.kserveError,
  },
  {
    method: 'post',
    path: `${prefix}/infer`,
    tag: 'kserve',
    summary: 'Inference (Open Inference Protocol)',
    params: s.kserveModelPath,
    body: inferRequest,
    ok: { 200: json('The output tensors.', s.inferResponse) },
    refusals: {
      404: 'Not the loaded model or version.',
      409: 'A conflicting duplicate (an id already scored, or earlier in the request, with different content): nothing was scored.',
      503: 'No model can be loaded.',
    },
    errorSchema: s.kserveError,
  },
];

const kserve: Operation[] = [
  {
    method: 'get',
    path: '/v2',
    tag: 'kserve',
    summary: 'Server metadata',
    ok: { 200: { description: '{ name, version, extensions }', contentType: 'application/json' } },
  },
  {
    method: 'get',
    path: '/v2/health/live',
    tag: 'kserve',
    summary: 'Server liveness',
    ok: { 200: { description: '{ live: true }', contentType: 'application/json' } },
  },
  {
    method: 'get',
    path: '/v2/health/ready',
    tag: 'kserve',
    summary: 'Server readiness',
    ok: {
      200: { description: '{ ready: true }', contentType: 'application/json' },
      503: { description: '{ ready: false }', contentType: 'application/json' },
    },
  },
  ...kserveModel('/v2/models/{name}'),
  ...kserveModel('/v2/models/{name}/versions/{version}'),
];

const mlflow: Operation[] = [
  {
    method: 'get',
    path: '/mlflow/experiments',
    tag: 'mlflow',
    summary: 'MLflow experiments',
    ok: { 200: registryJson('{ experiments: [...] }') },
    refusals: REGISTRY_REFUSALS,
  },
  {
    method: 'get',
    path: '/mlflow/runs',
    tag: 'mlflow',
    summary: 'Training runs, newest first',
    query: s.mlflowRunsQuery,
    ok: { 200: registryJson('{ runs: [{ run_id, experiment_id, status, start_time, metrics, params, tags }] }') },
    refusals: REGISTRY_REFUSALS,
  },
  {
    method: 'get',
    path: '/mlflow/run/{run_id}',
    tag: 'mlflow',
    summary: 'One run',
    params: s.mlflowRunParam,
    ok: { 200: registryJson('The run.') },
    refusals: { ...REGISTRY_REFUSALS, 404: 'No such run.' },
  },
  {
    method: 'get',
    path: '/mlflow/models',
    tag: 'mlflow',
    summary: 'Registered models with their versions, aliases, stages and metrics',
    ok: { 200: registryJson('{ models: [{ name, aliases, versions: [...] }] }') },
    refusals: REGISTRY_REFUSALS,
  },
  {
    method: 'get',
    path: '/mlflow/compare',
    tag: 'mlflow',
    summary: 'Compare runs: per metric the values, best run and average; the overall best run',
    query: s.mlflowCompareQuery,
    ok: { 200: registryJson('{ runs, metrics: { [name]: { values, best_run, average } }, best_run }') },
    refusals: REGISTRY_REFUSALS,
  },
];

export const OPERATIONS: readonly Operation[] = [...scoring, ...analyst, ...service, ...legacy, ...kserve, ...mlflow];

export const TAGS: ReadonlyArray<{ name: Tag; description: string }> = [
  { name: 'scoring', description: 'Authoritative scoring of transactions (scope `score`).' },
  { name: 'transactions', description: 'Stored transactions, labels and explanations (scope `analyst`).' },
  { name: 'alerts', description: 'HIGH and CRITICAL transactions (scope `analyst`).' },
  { name: 'models', description: 'The active model and its bundle files.' },
  { name: 'drift', description: 'Population stability of features and score (scope `analyst`).' },
  { name: 'stream', description: 'Live scored transactions (any valid key).' },
  { name: 'service', description: 'Health, metrics and this document (no key).' },
  {
    name: 'legacy',
    description:
      "The original service's routes, snake_case, for existing clients (keys and scopes as listed per operation).",
  },
  {
    name: 'kserve',
    description:
      'Open Inference Protocol (KServe V2); errors are { "error": "<message>" } (probes public, inference with the score scope).',
  },
  {
    name: 'mlflow',
    description: 'The model registry (MLflow), read-only, for analysts (scope `analyst`); 503 when not configured.',
  },
];
