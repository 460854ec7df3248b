import { describe, expect, it } from 'vitest';
import { MemoryDriftHistory } from '../drift/history.js';
import { storageContract } from './contract.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { MemoryStorage } from './memory.js';

// The memory store is the reference the SQL stores are compared with; its drift history stands beside it.
const histories = new WeakMap<MemoryStorage, MemoryDriftHistory>();
storageContract('MemoryStorage', () => ({
  fresh: async () => {
    const store = new MemoryStorage();
    histories.set(store, new MemoryDriftHistory());
    return store;
  },
  close: async () => {},
  driftHistory: (store) => histories.get(store)!,
}));

describe('cursors', () => {
  it('round-trip and refuse anything else', () => {
    expect(decodeCursor(encodeCursor({ timestamp: 5, id: 'ä/+' }))).toEqual({ timestamp: 5, id: 'ä/+' });
    for (const bad of ['', '!!', 'e30', btoa('[1]'), 'x'.repeat(2000)]) expect(decodeCursor(bad)).toBeUndefined();
  });
});
