import { readFile } from 'node:fs/promises';
import { getPublicKeyAsync, signAsync, utils } from '@noble/ed25519';
import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { IntegrityError, ModelLoadError } from '../errors.js';
import { IndexedDbBundleCache, MemoryBundleCache, type BundleFiles } from './cache.js';
import { loadBundleFiles } from './load.js';
import { pathToFileURL } from 'node:url';
import { DEFAULT_BUNDLE_DIR } from '../../../test/fixtures.js';

const bundleDir = pathToFileURL(DEFAULT_BUNDLE_DIR);
const names = ['manifest.json', 'features.json', 'trees.json', 'model.onnx', 'reference.json'];

async function defaultFiles(): Promise<BundleFiles> {
  const files: BundleFiles = {};
  for (const name of names) files[name] = new Uint8Array(await readFile(new URL(name, bundleDir)));
  return files;
}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const base64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));

async function signed(files: BundleFiles): Promise<{ files: BundleFiles; publicKey: string }> {
  const secret = utils.randomSecretKey();
  const signature = await signAsync(files['manifest.json']!, secret);
  const doc = { algorithm: 'Ed25519', publicKey: hex(await getPublicKeyAsync(secret)), signature: base64(signature) };
  return {
    files: { ...files, 'manifest.sig.json': new TextEncoder().encode(JSON.stringify(doc)) },
    publicKey: doc.publicKey,
  };
}

describe('loadBundleFiles', () => {
  it('verifies every file of the default bundle', async () => {
    const bundle = await loadBundleFiles(await defaultFiles());
    expect(bundle.manifest.name).toBe('fraud-ensemble');
    expect(bundle.key).toMatch(/^fraud-ensemble@\d+\.\d+\.\d+#[0-9a-f]{64}$/);
    expect(Object.keys(bundle.files).sort()).toEqual([...names].sort());
  });

  it('refuses a tampered file, naming it', async () => {
    const files = await defaultFiles();
    const trees = files['trees.json']!.slice();
    trees[100] = trees[100]! ^ 1;
    const error = await loadBundleFiles({ ...files, 'trees.json': trees }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).file).toBe('trees.json');
    expect(String(error)).toMatch(/sha256/);
  });

  it('refuses a truncated file', async () => {
    const files = await defaultFiles();
    await expect(loadBundleFiles({ ...files, 'model.onnx': files['model.onnx']!.slice(0, 1000) })).rejects.toThrow(
      /model\.onnx: has 1000 bytes/,
    );
  });

  it('refuses a missing file and a broken manifest with a load error', async () => {
    const files = await defaultFiles();
    delete files['reference.json'];
    await expect(loadBundleFiles(files)).rejects.toBeInstanceOf(ModelLoadError);
    await expect(loadBundleFiles({ 'manifest.json': new TextEncoder().encode('{"format": 1') })).rejects.toThrow(
      /not valid JSON/,
    );
  });

  it('checks the Ed25519 signature when a public key is configured', async () => {
    const { files, publicKey } = await signed(await defaultFiles());
    await expect(loadBundleFiles(files, { publicKey })).resolves.toBeTruthy();
    const other = await signed(await defaultFiles());
    await expect(loadBundleFiles(files, { publicKey: other.publicKey })).rejects.toThrow(/signature does not verify/);
    const altered = {
      ...files,
      'manifest.json': new TextEncoder().encode(
        new TextDecoder().decode(files['manifest.json']).replace('"1.0.0"', '"1.0.1"'),
      ),
    };
    await expect(loadBundleFiles(altered, { publicKey })).rejects.toBeInstanceOf(IntegrityError);
    const unsigned = await defaultFiles();
    await expect(loadBundleFiles(unsigned, { publicKey })).rejects.toThrow(/manifest\.sig\.json: missing/);
  });

  it('fetches a URL once, then serves the cache, also offline', async () => {
    const files = await defaultFiles();
    const requests: string[] = [];
    let online = true;
    const fetcher = vi.fn(async (url: URL | RequestInfo) => {
      if (!online) throw new TypeError('Failed to fetch');
      const name = String(url).split('/').pop()!;
      requests.push(name);
      const bytes = files[name];
      return bytes ? new Response(new Uint8Array(bytes)) : new Response('not found', { status: 404 });
    }) as unknown as typeof fetch;
    const cache = new MemoryBundleCache();
    const first = await loadBundleFiles('https://bank.example/models/1.0.0', { cache, fetch: fetcher });
    expect(requests.sort()).toEqual([...names].sort());
    requests.length = 0;
    const second = await loadBundleFiles('https://bank.example/models/1.0.0/', { cache, fetch: fetcher });
    expect(requests).toEqual(['manifest.json']);
    online = false;
    const offline = await loadBundleFiles('https://bank.example/models/1.0.0/', { cache, fetch: fetcher });
    expect(second.key).toBe(first.key);
    expect(offline.key).toBe(first.key);
  });
});

describe('IndexedDbBundleCache', () => {
  it('stores and returns bundles by key', async () => {
    const cache = new IndexedDbBundleCache();
    await cache.put('a@1#x', { 'manifest.json': new Uint8Array([1, 2, 3]) });
    expect(Array.from((await cache.match('a@1#x'))!['manifest.json']!)).toEqual([1, 2, 3]);
    await cache.delete('a@1#x');
    expect(await cache.match('a@1#x')).toBeUndefined();
  });

  it('degrades to no cache with one warning when IndexedDB fails', async () => {
    const warn = vi.fn();
    const open = vi.spyOn(indexedDB, 'open').mockImplementation(() => {
      throw new DOMException('The user denied permission to access the database.', 'SecurityError');
    });
    const cache = new IndexedDbBundleCache(warn);
    await cache.put('k', { x: new Uint8Array(1) });
    expect(await cache.match('k')).toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(/IndexedDB is unavailable/);
    open.mockRestore();
  });
});
