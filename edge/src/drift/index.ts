// Drift monitoring: PSI against the bundle's reference.json, snapshots on a schedule, kept for charts.
export * from './psi.js';
export * from './history.js';
export * from './sample.js';
