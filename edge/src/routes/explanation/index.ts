// GET /v1/transactions/:id/explanation?lang=en|ru|kk: a short narrative of a stored score for an analyst (the LLM's
// when configured and answering, else the deterministic template; `source` says which). Read-only and off the
// scoring path: it only reads the stored result. Mount with app.route('/', explanationRoutes(...)).
import type { FeatureWords, RiskLevel, TopFactor } from '@fraudscore/sdk';
import { Hono } from 'hono';
import type { ExplanationResponse } from '../../api-types.js';
import { notFound } from '../../errors.js';
import type { Explainer } from '../../explain/index.js';
import { explanationQuery, idParam, validateParams, validateQuery } from '../../schemas/index.js';

/** What the route needs of a stored transaction: its score result (a ScoreResult fits). */
export interface ExplainableRecord {
  result: { topFactors: readonly TopFactor[]; probability: number; riskLevel: RiskLevel; modelVersion: string };
}

export interface ExplanationRoutesOptions {
  getTransaction: (id: string) => Promise<ExplainableRecord | undefined>;
  explainer: Explainer;
  /** The current block threshold. */
  threshold: () => number;
  /** The current model's features in words (ModelInfo.featureWords), for the narrative. */
  words?: () => Readonly<Record<string, FeatureWords>>;
}

export function explanationRoutes({ getTransaction, explainer, threshold, words }: ExplanationRoutesOptions): Hono {
  const app = new Hono();
  app.get('/v1/transactions/:id/explanation', async (c) => {
    const { id } = validateParams(c, idParam);
    const { lang } = validateQuery(c, explanationQuery);
    const record = await getTransaction(id);
    if (!record) throw notFound('transaction', 'id');
    const { result } = record;
    // Only the explanation's own fields go to the explainer: never the ids or the transaction.
    const explanation = await explainer.explain(
      {
        factors: result.topFactors,
        probability: result.probability,
        riskLevel: result.riskLevel,
        threshold: threshold(),
        modelVersion: result.modelVersion,
        ...(words ? { words: words() } : {}),
      },
      lang,
    );
    const body: ExplanationResponse = {
      transactionId: id,
      lang: explanation.lang,
      source: explanation.source,
      ...(explanation.model !== undefined ? { model: explanation.model } : {}),
      text: explanation.text,
      cached: explanation.cached,
    };
    return c.json(body);
  });
  return app;
}
