// The runtime, detected once; other modules read these flags instead of probing globals themselves.

const globals = globalThis as Record<string, unknown>;
const processLike = globals['process'] as { versions?: { node?: string } } | undefined;

export const env = {
  /** Node.js (not a browser bundle of it). */
  isNode: typeof processLike?.versions?.node === 'string',
  /** A Web Worker (dedicated or shared). */
  isWorker: typeof globals['WorkerGlobalScope'] === 'function' && typeof globals['importScripts'] === 'function',
  /** A window with a DOM. */
  isBrowser: typeof globals['window'] === 'object' && typeof globals['document'] === 'object',
  /** IndexedDB exists (it may still fail to open, e.g. in private browsing). */
  hasIndexedDB: typeof globals['indexedDB'] === 'object' && globals['indexedDB'] !== null,
  /** WebCrypto digests (Node 20, browsers in secure contexts, edge runtimes). */
  hasWebCrypto: typeof (globals['crypto'] as Crypto | undefined)?.subtle?.digest === 'function',
} as const;
