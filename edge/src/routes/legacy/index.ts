// The original service's routes, for existing clients, with its field names (snake_case): thin adapters over the
// ScoringService (the one scoring flow) and Storage. Mounted at the root ('/'): paths are the original ones.
//   POST /predict             one transaction (our Transaction shape) → the original prediction
//   POST /predict/batch       { transactions: [...] } (1..1000, as /v1/score/batch) → { predictions: [...] }
//   GET  /model-info          the active model
//   GET  /threshold           the threshold in force
//   POST /threshold           { threshold: (0,1), changed_by? } → changes config.threshold at run time; audited
//   GET  /threshold/history   the audit trail, oldest first
// GET /health is the app's own route; POST /drift/check and POST /drift/set-baseline are in ./drift.ts.
import { Hono } from 'hono';
import { readJson } from '../../http.js';
import { legacyScoreQuery, thresholdBody, validate, validateQuery } from '../../schemas/index.js';
import { checkBackfill, itemError, scoreBatchRequest } from '../score/index.js';
import type { EdgeChange, EdgeConfig, ScoringService } from '../../service/index.js';
import type { ScoredTransaction, Storage, ThresholdChange } from '../../storage/index.js';

export interface LegacyRoutesOptions {
  service: ScoringService;
  /** Where threshold changes are persisted and audited (recordThresholdChange / thresholdChanges). */
  storage: Storage;
  /** The SAME mutable config object the service was created with: POST /threshold sets `config.threshold`. */
  config: EdgeConfig;
  /** Epoch ms, for the audit's `at`; default Date.now. */
  clock?: () => number;
  /** Tells the other replicas of a threshold change (after it is audited and in force here); default: none. */
  announce?: (change: EdgeChange) => Promise<void>;
}

export interface LegacyRiskFactor {
  feature: string;
  value: number | null;
  contribution: number;
  direction: 'increases_risk' | 'decreases_risk';
}

export interface LegacyPrediction {
  transaction_id: string;
  fraud_probability: number;
  /** round(probability × 100), an integer 0..100. */
  fraud_score: number;
  risk_level: string;
  should_block: boolean;
  top_risk_factors: LegacyRiskFactor[];
  /** Feature → SHAP value (log-odds); empty when the record was scored without explanations. */
  shap_values: Record<string, number>;
  model_version: string;
}

/** The original response shape for a scored record; `features` names the SHAP columns (the model's feature order). */
export function toLegacyPrediction(record: ScoredTransaction, features: readonly string[]): LegacyPrediction {
  const names = record.shap && features.length === record.shap.values.length ? features : Object.keys(record.features);
  const shap: Record<string, number> = {};
  if (record.shap) record.shap.values.forEach((v, i) => (shap[names[i] ?? `feature_${i}`] = v));
  return {
    transaction_id: record.id,
    fraud_probability: record.probability,
    fraud_score: Math.min(100, Math.max(0, Math.round(record.probability * 100))),
    risk_level: record.riskLevel,
    should_block: record.shouldBlock,
    top_risk_factors: record.topFactors.map(({ feature, value, contribution, direction }) => ({
      feature,
      value,
      contribution,
      direction,
    })),
    shap_values: shap,
    model_version: record.modelVersion,
  };
}

const legacyChange = (c: ThresholdChange) => ({
  old_threshold: c.from,
  new_threshold: c.to,
  changed_by: c.by,
  changed_at: c.at,
});

export function legacyRoutes({ service, storage, config, clock = Date.now, announce }: LegacyRoutesOptions): Hono {
  const app = new Hono();
  const featureNames = (record: ScoredTransaction): readonly string[] => {
    const { version, features } = service.currentModel().model;
    return record.modelVersion === version ? features : [];
  };
  const predict = (record: ScoredTransaction): LegacyPrediction => toLegacyPrediction(record, featureNames(record));

  // The same bodies, checks and back-fill opt-out as /v1/score and /v1/score/batch; a conflicting duplicate in a
  // batch is { transaction_id, error } in place of its prediction.
  app.post('/predict', async (c) => {
    const { backfill } = validateQuery(c, legacyScoreQuery);
    checkBackfill(c, backfill);
    return c.json(predict(await service.score(await readJson(c), { backfill })));
  });

  app.post('/predict/batch', async (c) => {
    const { backfill } = validateQuery(c, legacyScoreQuery);
    checkBackfill(c, backfill);
    const outcomes = await scoreBatchRequest(c, service, { backfill });
    return c.json({
      predictions: outcomes.map((o, i) => {
        if (o.ok) return predict(o.record);
        const { id, error } = itemError(o, i);
        return { ...(id !== undefined ? { transaction_id: id } : {}), error };
      }),
    });
  });

  app.get('/model-info', (c) => {
    const { name, version, features, threshold, riskTiers, weights, createdAt } = service.currentModel().model;
    return c.json({
      model_name: name,
      model_version: version,
      threshold: service.threshold(),
      bundle_threshold: threshold,
      features,
      n_features: features.length,
      ensemble_weights: weights,
      risk_tiers: riskTiers.map((t) => ({
        level: t.level,
        starts_at: t.offset === undefined ? 0 : service.threshold() + t.offset,
      })),
      created_at: createdAt,
    });
  });

  const current = () => ({
    threshold: service.threshold(),
    bundle_threshold: service.currentModel().model.threshold,
    source: config.threshold === undefined ? 'bundle' : 'runtime',
  });

  app.get('/threshold', (c) => c.json(current()));

  app.post('/threshold', async (c) => {
    const { threshold, changed_by: by } = validate(thresholdBody, await readJson(c));
    const change: ThresholdChange = {
      from: service.threshold(),
      to: threshold,
      by: by?.trim() ?? 'api',
      at: new Date(clock()).toISOString(),
    };
    // Audit first: a change that could not be recorded is not applied.
    await storage.recordThresholdChange(change);
    config.threshold = threshold;
    await announce?.({ kind: 'threshold', threshold });
    return c.json({ ...current(), previous_threshold: change.from, changed_by: change.by, changed_at: change.at });
  });

  app.get('/threshold/history', async (c) => c.json({ changes: (await storage.thresholdChanges()).map(legacyChange) }));

  return app;
}
