// The named schemas of /openapi.json (components.schemas): every request body and JSON response is one of these,
// so operations refer to them by $ref and nested ones (Transaction inside BatchRequest) are shared too.
import type { InputLimits } from '@fraudscore/sdk';
import * as s from '../schemas/index.js';
import { z } from '../schemas/index.js';

/** The KServe infer body with the default batch limit, as the app mounts the KServe routes. */
export const inferRequest = s.inferBody(s.MAX_BATCH);

export const NAMED_SCHEMAS: ReadonlyArray<[string, z.ZodType]> = [
  ['Error', s.errorBody],
  ['Transaction', s.transactionInput],
  ['PreScore', s.preScore],
  ['ScoreBatchRequest', s.scoreBatchBody],
  ['ScoredTransaction', s.scoredTransaction],
  ['ScoreBatchResponse', s.scoreBatchResponse],
  ['BatchItemError', s.batchItemError],
  ['TransactionPage', s.transactionPage],
  ['LabelRequest', s.labelBody],
  ['AcknowledgeRequest', s.acknowledgeBody],
  ['BulkLabelRequest', s.bulkLabelBody],
  ['Explanation', s.explanationResponse],
  ['ModelInfo', s.modelInfo],
  ['Health', s.health],
  ['ModelStatus', s.modelStatus],
  ['LifecycleRequest', s.lifecycleBody],
  ['ThresholdRequest', s.thresholdBody],
  ['DriftCheckRequest', s.driftCheckBody],
  ['SetBaselineRequest', s.setBaselineBody],
  ['DriftBaseline', s.baselineInfo],
  ['ThresholdState', s.thresholdState],
  ['LegacyPrediction', s.legacyPrediction],
  ['LegacyBatchResponse', s.legacyBatchResponse],
  ['KServeInferRequest', inferRequest],
  ['KServeInferResponse', s.inferResponse],
  ['KServeError', s.kserveError],
];

export const components = z.registry<{ id: string }>();
for (const [id, schema] of NAMED_SCHEMAS) components.add(schema, { id });

export const refTo = (id: string): { $ref: string } => ({ $ref: `#/components/schemas/${id}` });

/** The $ref of a named schema; a schema left out of NAMED_SCHEMAS is a mistake in the operation table. */
export function refOf(schema: z.ZodType): { $ref: string } {
  const id = components.get(schema)?.id;
  if (!id) throw new Error('an operation refers to a schema that is not in NAMED_SCHEMAS');
  return refTo(id);
}

/**
 * components.schemas: JSON Schema 2020-12 (OpenAPI 3.1's dialect), request side of each transform. With limits other
 * than the defaults, the Transaction schema (and the batch request holding it) is built with them.
 */
export function componentSchemas(limits?: Partial<InputLimits>): Record<string, unknown> {
  let registry = components;
  if (limits !== undefined) {
    const transaction = s.transactionSchema({ limits });
    const overrides = new Map<string, z.ZodType>([
      ['Transaction', transaction],
      ['ScoreBatchRequest', s.scoreBatchSchema(transaction)],
    ]);
    registry = z.registry<{ id: string }>();
    for (const [id, schema] of NAMED_SCHEMAS) registry.add(overrides.get(id) ?? schema, { id });
  }
  const { schemas } = z.toJSONSchema(registry, { io: 'input', uri: (id) => `#/components/schemas/${id}` });
  // Each entry is embedded in the document: its own $schema and $id would only repeat the document's dialect.
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema]));
}
