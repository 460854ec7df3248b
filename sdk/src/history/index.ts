// Transaction histories the feature interpreter reads: in memory (server, edge) or IndexedDB (device).
export type { Awaitable, HistoryEntry, HistoryStore, HistoryStoreOptions } from './store.js';
export { checkLabel, MemoryHistoryStore, type MemoryHistoryStoreOptions } from './memory.js';
export {
  DEFAULT_DB_NAME,
  DEVICE_ENTITIES,
  IndexedDbHistoryStore,
  openHistoryStore,
  type IndexedDbHistoryStoreOptions,
  type OpenHistoryStoreOptions,
} from './indexeddb.js';
