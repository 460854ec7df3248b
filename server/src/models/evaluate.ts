// Scores a candidate model on stored labelled transactions for the promotion gate. Each record keeps the features
// it was scored with (the server-side windows at that time); the candidate sees exactly those as known features,
// so champion and challenger are compared on the same inputs. Their feature names must match the records'.
import type { ScoredTransaction } from '@fraudscore/edge';
import type { Scorer } from '@fraudscore/sdk';
import { aucRoc, averagePrecision, type Labelled } from './metrics.js';

export interface Evaluation {
  averagePrecision: number;
  aucRoc: number;
}

export async function evaluate(scorer: Scorer, records: readonly ScoredTransaction[]): Promise<Evaluation> {
  const rows: Labelled[] = [];
  for (const record of records) {
    if (!record.label) continue;
    const known: Record<string, number> = {};
    for (const name of scorer.model.features) {
      const value = record.features[name];
      if (value === undefined)
        throw new Error(
          `model ${scorer.model.version} needs feature ${name}, which the stored transactions do not carry`,
        );
      if (value !== null) known[name] = value;
    }
    const { id: _id, ...tx } = record.transaction;
    const result = await scorer.score(
      { ...tx, id: record.id },
      { explain: false, record: false, knownFeatures: known },
    );
    rows.push({ label: record.label.label === 'fraud' ? 1 : 0, score: result.probability });
  }
  return { averagePrecision: averagePrecision(rows), aucRoc: aucRoc(rows) };
}
