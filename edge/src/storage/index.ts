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
// The alert tiers live beside the risk tiers (@fraudscore/sdk's risk.ts); re-exported for the edge's users.
export { ALERT_LEVELS, isAlert } from '@fraudscore/sdk';
export { MemoryStorage, createMemoryStorage, type MemoryStorageOptions } from './memory.js';
export { decodeCursor, encodeCursor, type CursorKey } from './cursor.js';
export { groupCalls, type ManyFn } from './group.js';
export { listAll } from './list-all.js';
