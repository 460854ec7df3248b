export type { Agreement, DeviceScore, LabelValue, ListQuery, Page, SaveResult, ScoredTransaction, Storage, ThresholdChange, TransactionLabel } from './types.js';
export { ALERT_LEVELS } from './types.js';
export { MemoryStorage, createMemoryStorage } from './memory.js';
export { decodeCursor, encodeCursor, type CursorKey } from './cursor.js';
export { groupCalls, type ManyFn } from './group.js';
