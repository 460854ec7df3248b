// POST /v1/score (one transaction) and POST /v1/score/batch ({ transactions: [...] }, 1..1000); ?explain=false skips
// SHAP, ?backfill=true lifts the timestamp window (admin scope). Bodies are checked against the schemas
// /openapi.json publishes (the batch envelope here, each transaction in the service); the SDK then checks the fields
// of the model's feature spec. A batch with an invalid transaction is refused whole (422, nothing scored); a
// conflicting duplicate (an id already scored, or earlier in the batch, with different content) is that item's
// error ({ id, error }) while the others are scored.
import { Hono, type Context } from 'hono';
import { ApiError, toErrorResponse } from '../../errors.js';
import { readJson } from '../../http.js';
import type { ApiKeyEnv } from '../../middleware/index.js';
import { batchIssueStatus, scoreBatchEnvelope, scoreQuery, validate, validateQuery } from '../../schemas/index.js';
import { atIndex, type ItemOutcome, type ScoringService } from '../../service/index.js';
import type { ScoredTransaction } from '../../storage/index.js';

export interface ScoreRoutesOptions {
  service: ScoringService;
}

/**
 * A back-fill writes the past into every customer's history: when the app has API keys, only an admin key may ask
 * for one (a score key submits live payments). Without keys (tests, local embedding) anyone may.
 */
export function checkBackfill(c: Context, backfill: boolean): void {
  if (!backfill) return;
  const principal = (c as Context<ApiKeyEnv>).get('principal') as ApiKeyEnv['Variables']['principal'] | undefined;
  if (principal && !principal.scopes.includes('admin')) {
    throw new ApiError(
      403,
      'forbidden',
      'a back-fill (backfill=true) needs a key with the admin scope; live transactions are sent without it',
      'backfill',
    );
  }
}

/** A batch item that was not scored, as the batch responses carry it: { id, error } with the API's error object. */
export function itemError(
  outcome: Extract<ItemOutcome, { ok: false }>,
  index: number,
): { id?: string; error: ReturnType<typeof toErrorResponse>['body']['error'] } {
  return {
    ...(outcome.id !== undefined ? { id: outcome.id } : {}),
    error: toErrorResponse(atIndex(outcome.error, index)).body.error,
  };
}

/** A batch through the service: invalid items refuse it whole, conflicting duplicates are per item. */
export async function scoreBatchRequest(
  c: Context,
  service: ScoringService,
  options: { explain?: boolean; backfill: boolean },
): Promise<ItemOutcome[]> {
  const { transactions } = validate(scoreBatchEnvelope, await readJson(c), {
    field: 'transactions',
    status: batchIssueStatus,
  });
  return service.scoreEach(transactions, { ...options, invalid: 'refuse', conflicts: 'report' });
}

export function scoreRoutes({ service }: ScoreRoutesOptions): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    const { explain, backfill } = validateQuery(c, scoreQuery);
    checkBackfill(c, backfill);
    // The service checks the body against the published transaction schema; the raw body goes on, so fields the
    // model's spec declares beyond the schema reach the SDK untouched.
    return c.json(await service.score(await readJson(c), { explain, backfill }));
  });
  app.post('/batch', async (c) => {
    const { explain, backfill } = validateQuery(c, scoreQuery);
    checkBackfill(c, backfill);
    const outcomes = await scoreBatchRequest(c, service, { explain, backfill });
    const results: (ScoredTransaction | ReturnType<typeof itemError>)[] = outcomes.map((o, i) =>
      o.ok ? o.record : itemError(o, i),
    );
    return c.json({ results });
  });
  return app;
}
