export type {
  Acknowledgement,
  Agreement,
  DeviceScore,
  LabelValue,
  ListQuery,
  Page,
  SaveResult,
  ScoredTransaction,
  Storage,
  ThresholdChange,
  TransactionLabel,
} from './types.js';
export { ALERT_LEVELS, isAlert } from './types.js';
export { MemoryStorage, createMemoryStorage } from './memory.js';
export { decodeCursor, encodeCursor, type CursorKey } from './cursor.js';
export { groupCalls, type ManyFn } from './group.js';
export { listAll } from './list-all.js';
