import { readFile } from 'node:fs/promises';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { toErrorResponse } from '../../errors.js';
import { bundleRoutes, type ServedBundle } from './index.js';
import { pathToFileURL } from 'node:url';
import { DEFAULT_BUNDLE_DIR } from '../../../../test/fixtures.js';

const dir = pathToFileURL(DEFAULT_BUNDLE_DIR);

async function served(): Promise<ServedBundle> {
  const manifest = JSON.parse(await readFile(new URL('manifest.json', dir), 'utf8')) as {
    version: string;
    files: Record<string, { sha256: string }>;
  };
  const files: Record<string, Uint8Array> = {};
  for (const name of ['manifest.json', ...Object.keys(manifest.files)])
    files[name] = new Uint8Array(await readFile(new URL(name, dir)));
  return {
    version: manifest.version,
    files,
    sha256: Object.fromEntries(Object.entries(manifest.files).map(([n, e]) => [n, e.sha256])),
  };
}

async function app(): Promise<Hono> {
  const bundle = await served();
  const app = new Hono();
  app.onError((error, c) => c.json(toErrorResponse(error).body, toErrorResponse(error).status));
  app.route('/v1/models', bundleRoutes({ bundle: (version) => (version === bundle.version ? bundle : undefined) }));
  return app;
}

describe('GET /v1/models/{version}/bundle/{file}', () => {
  it('serves the exact bytes with an immutable cache policy and the manifest sha256 as ETag', async () => {
    const a = await app();
    const res = await a.request('/v1/models/1.0.0/bundle/trees.json');
    expect(res.status).toBe(200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(bytes).toEqual(new Uint8Array(await readFile(new URL('trees.json', dir))));
    const digest = Buffer.from(await crypto.subtle.digest('SHA-256', bytes)).toString('hex');
    expect(res.headers.get('etag')).toBe(`"${digest}"`);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const again = await a.request('/v1/models/1.0.0/bundle/trees.json', {
      headers: { 'if-none-match': `"${digest}"` },
    });
    expect(again.status).toBe(304);
    expect((await a.request('/v1/models/1.0.0/bundle/manifest.json')).status).toBe(200);
  });

  it('answers 404 naming the version or the file', async () => {
    const a = await app();
    expect((await (await a.request('/v1/models/9.9.9/bundle/trees.json')).json()).error.field).toBe('version');
    expect((await (await a.request('/v1/models/1.0.0/bundle/secrets.txt')).json()).error.field).toBe('file');
  });
});
