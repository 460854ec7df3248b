// Fetching or reading a bundle's files and checking them before anything parses them: the signature of the
// manifest (when a public key is configured), then every file's size and sha256 against the manifest.
import { FraudScoreError, ModelLoadError } from '../errors.js';
import type { BundleCache, BundleFiles } from './cache.js';
import { noCache } from './cache.js';
import { checkFile, checkSignature, sha256Hex } from './integrity.js';
import { parseManifest, REQUIRED_FILES, type Manifest } from './manifest.js';

/** Reads one bundle file by name; undefined when it does not exist. */
export type BundleReader = (name: string) => Promise<Uint8Array | undefined>;

/** Where a bundle comes from: a base URL (ending in the bundle directory), the files themselves, or a reader. */
export type BundleSource = string | URL | BundleFiles | { read: BundleReader; key?: string };

export interface LoadOptions {
  publicKey?: string | undefined;
  cache?: BundleCache | undefined;
  fetch?: typeof fetch | undefined;
}

export interface VerifiedBundle {
  manifest: Manifest;
  files: BundleFiles;
  /** name@version#sha256(manifest): the cache key, identical for identical bundles. */
  key: string;
}

/** Loads and verifies a bundle. A URL source is cached by version and hash and falls back to the cache offline. */
export async function loadBundleFiles(source: BundleSource, options: LoadOptions = {}): Promise<VerifiedBundle> {
  const cache = options.cache ?? noCache;
  const { read, sourceKey } = readerFor(source, options.fetch ?? globalThis.fetch);
  let manifestBytes: Uint8Array | undefined;
  let signatureBytes: Uint8Array | undefined;
  try {
    manifestBytes = await read('manifest.json');
    if (options.publicKey) signatureBytes = await read('manifest.sig.json').catch(() => undefined);
  } catch (error) {
    // Offline: the last bundle this source served, if it was cached.
    const last = sourceKey ? await cache.match(`latest:${sourceKey}`) : undefined;
    if (!last?.['manifest.json'])
      throw new ModelLoadError(`cannot read manifest.json from ${describe(source)}: ${String(error)}`, {
        cause: error,
      });
    manifestBytes = last['manifest.json'];
    signatureBytes = last['manifest.sig.json'];
  }
  if (!manifestBytes)
    throw new ModelLoadError(`${describe(source)} has no manifest.json: point the SDK at a bundle directory`);
  if (options.publicKey) await checkSignature(manifestBytes, signatureBytes, options.publicKey);
  const manifest = parseManifest(manifestBytes);
  const key = `${manifest.name}@${manifest.version}#${await sha256Hex(manifestBytes)}`;

  const cached = await cache.match(key);
  const files: BundleFiles = { 'manifest.json': manifestBytes };
  for (const name of REQUIRED_FILES) {
    const bytes = cached?.[name] ?? (await readRequired(read, name, source));
    await checkFile(manifest, name, bytes);
    files[name] = bytes;
  }
  if (!cached) await cache.put(key, files);
  if (sourceKey) {
    const pointer: BundleFiles = { 'manifest.json': manifestBytes };
    if (signatureBytes) pointer['manifest.sig.json'] = signatureBytes;
    await cache.put(`latest:${sourceKey}`, pointer);
  }
  return { manifest, files, key };
}

async function readRequired(read: BundleReader, name: string, source: BundleSource): Promise<Uint8Array> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await read(name);
  } catch (error) {
    if (error instanceof FraudScoreError) throw error;
    throw new ModelLoadError(`cannot read ${name} from ${describe(source)}: ${String(error)}`, { cause: error });
  }
  if (!bytes) throw new ModelLoadError(`${describe(source)} has no ${name}, which the manifest lists`);
  return bytes;
}

function readerFor(source: BundleSource, fetcher: typeof fetch): { read: BundleReader; sourceKey: string | undefined } {
  if (typeof source === 'string' || source instanceof URL) {
    const base = new URL(
      String(source).endsWith('/') ? String(source) : `${String(source)}/`,
      globalThis.location?.href,
    );
    return {
      sourceKey: base.href,
      read: async (name) => {
        const response = await fetcher(new URL(name, base), { cache: 'no-cache' });
        if (response.status === 404) return undefined;
        if (!response.ok) throw new ModelLoadError(`GET ${new URL(name, base).href} answered ${response.status}`);
        return new Uint8Array(await response.arrayBuffer());
      },
    };
  }
  if (typeof (source as { read?: unknown }).read === 'function') {
    const reader = source as { read: BundleReader; key?: string };
    return { read: reader.read, sourceKey: reader.key };
  }
  const files = source as BundleFiles;
  return { read: async (name) => files[name], sourceKey: undefined };
}

function describe(source: BundleSource): string {
  if (typeof source === 'string' || source instanceof URL) return String(source);
  if (typeof (source as { read?: unknown }).read === 'function')
    return (source as { key?: string }).key ?? 'the bundle reader';
  return 'the given bundle files';
}
