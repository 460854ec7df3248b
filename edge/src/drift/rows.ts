// Drift rows from storage: the scored transactions of a window, as feature vectors in the active model's order.
import { listAll } from '../storage/list-all.js';
import type { Storage } from '../storage/types.js';
import type { DriftRowsSource } from './monitor.js';

export function storedDriftRows(
  storage: Pick<Storage, 'list'>,
  featureNames: () => readonly string[],
): DriftRowsSource {
  return async (from, to) => {
    const names = featureNames();
    return (await listAll(storage, { from, to })).map((record) => ({
      features: names.map((name) => record.features[name] ?? null),
      probability: record.probability,
      timestamp: record.transaction.timestamp,
    }));
  };
}
