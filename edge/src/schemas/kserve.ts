// POST /v2/models/{name}[/versions/{version}]/infer: the Open Inference Protocol's request, as this model takes it.
// One BYTES input `transactions`, shape [N], each element a transaction as JSON text (or a JSON object).
import { z } from './zod.js';

export const KSERVE_INPUT = 'transactions';
export const KSERVE_OUTPUTS = ['probability', 'risk_level', 'should_block', 'shap_values'] as const;

const transactionsTensor = z
  .object(
    {
      name: z.literal(KSERVE_INPUT, { error: `the only input is "${KSERVE_INPUT}"` }),
      datatype: z.literal('BYTES', { error: 'must be BYTES' }),
      shape: z.tuple([z.int().min(0)], { error: 'must be [N] with N the number of elements in data' }),
      data: z
        .array(z.union([z.string(), z.looseObject({})], { error: 'must be a JSON-encoded transaction' }), {
          error: 'must be an array',
        })
        .min(1, { error: 'must hold at least 1 transaction' })
        .meta({ description: 'Transactions (the /v1/score shape) as JSON text, or as JSON objects.' }),
    },
    { error: `must be a tensor { name: "${KSERVE_INPUT}", datatype, shape, data }` },
  )
  .refine((t) => t.shape[0] === t.data.length, {
    error: 'must be [N] with N the number of elements in data',
    path: ['shape'],
  });

export const inferBody = (maxBatch: number) =>
  z.object(
    {
      id: z.string({ error: 'must be a string' }).optional().meta({ description: 'Echoed in the response.' }),
      inputs: z
        .array(transactionsTensor, { error: `must be a non-empty array holding the tensor "${KSERVE_INPUT}"` })
        .min(1, { error: `must be a non-empty array holding the tensor "${KSERVE_INPUT}"` })
        .refine((inputs) => inputs.every((t) => t.data.length <= maxBatch), {
          error: `must hold 1 to ${maxBatch} transactions`,
        })
        .meta({ description: `Exactly the tensor "${KSERVE_INPUT}" with 1..${maxBatch} elements.` }),
      outputs: z
        .array(z.object({ name: z.enum(KSERVE_OUTPUTS, { error: `must be one of ${KSERVE_OUTPUTS.join(', ')}` }) }), {
          error: 'must be a non-empty array of { name }',
        })
        .min(1, { error: 'must be a non-empty array of { name }' })
        .optional()
        .meta({ description: 'The outputs wanted (default all); leave out shap_values to skip SHAP.' }),
      parameters: z
        .object(
          {
            backfill: z.boolean({ error: 'must be true or false' }).optional().meta({
              description:
                "true: a back-fill, the timestamp window around the server's clock is not applied (admin scope).",
            }),
          },
          { error: 'must be an object of parameters' },
        )
        .catchall(z.union([z.string(), z.number(), z.boolean()]))
        .optional()
        .meta({ description: 'Request parameters (Open Inference Protocol); this model reads `backfill`.' }),
    },
    { error: 'the request must be a JSON object { inputs: [...] }' },
  );

const tensor = z.object({
  name: z.string(),
  datatype: z.string(),
  shape: z.array(z.int()),
  data: z.array(z.unknown()),
  parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

export const inferResponse = z.object({
  model_name: z.string(),
  model_version: z.string(),
  id: z.string().optional(),
  outputs: z.array(tensor).meta({
    description: 'probability FP64 [N], risk_level BYTES [N], should_block BOOL [N], shap_values FP64 [N, F].',
  }),
});

/** KServe clients parse this shape, not the rest of the API's. */
export const kserveError = z.object({ error: z.string() });

/** Path parameters of the model routes; a name or version other than the loaded model's is 404. */
export const kserveModelPath = z.object({
  name: z.string().meta({ description: "The loaded model's name." }),
  version: z
    .string()
    .optional()
    .meta({ description: "The loaded model's version (in the /versions/{version} paths)." }),
});
