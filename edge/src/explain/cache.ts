// The explanation cache: a tiny interface (sync or async, so a KV store can stand in) and an in-memory LRU.

export interface ExplanationCache {
  get(key: string): string | undefined | Promise<string | undefined>;
  set(key: string, text: string): void | Promise<void>;
}

/** Least-recently-used in memory: a Map in insertion order, re-inserted on every hit. */
export function memoryCache(maxEntries = 1000): ExplanationCache & { readonly size: number } {
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
  const entries = new Map<string, string>();
  return {
    get size() {
      return entries.size;
    },
    get(key) {
      const text = entries.get(key);
      if (text === undefined) return undefined;
      entries.delete(key);
      entries.set(key, text);
      return text;
    },
    set(key, text) {
      entries.delete(key);
      entries.set(key, text);
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        entries.delete(oldest.value);
      }
    },
  };
}
