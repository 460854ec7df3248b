// Drift monitoring: PSI against the baseline (the bundle's reference.json or a chosen window of live traffic),
// snapshots on a schedule, kept for charts.
export * from './psi.js';
export * from './history.js';
export * from './baseline.js';
export * from './monitor.js';
export * from './rows.js';
export * from './sample.js';
