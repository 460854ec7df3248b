// The dashboard's files at /: files and the SPA fallback for browser navigations; API paths and other methods are
// left to the edge app.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticFiles } from './static.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fraudscore-static-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>dashboard</title>');
  await writeFile(join(dir, 'assets', 'app-1.js'), 'console.log(1)');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const get = (path: string, init: RequestInit = {}): Request => new Request(`http://x${path}`, init);

describe('staticFiles', () => {
  it('is absent when the directory has no index.html', () => {
    expect(staticFiles(join(dir, 'assets'))).toBeUndefined();
  });

  it('serves index.html at /, files with their type, and caches hashed assets', async () => {
    const serve = staticFiles(dir)!;
    const index = (await serve(get('/')))!;
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toContain('<title>dashboard</title>');
    const asset = (await serve(get('/assets/app-1.js')))!;
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(asset.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await (await serve(get('/', { method: 'HEAD' })))!.text()).toBe('');
  });

  it('falls back to index.html only for browser navigations outside the API', async () => {
    const serve = staticFiles(dir)!;
    const html = { headers: { accept: 'text/html,application/xhtml+xml' } };
    expect(await (await serve(get('/alerts', html)))!.text()).toContain('dashboard');
    expect(await serve(get('/alerts'))).toBeUndefined();
    expect(await serve(get('/assets/missing.js', html))).toBeUndefined();
    for (const path of ['/v1/transactions', '/threshold', '/metrics', '/health', '/mlflow/models', '/openapi.json']) {
      expect(await serve(get(path, html))).toBeUndefined();
    }
    expect(await serve(get('/', { method: 'POST' }))).toBeUndefined();
    // Nothing outside the directory: an escaping path is no file here (a navigation gets index.html, else nothing).
    expect(await serve(get('/..%2f..%2f..%2fetc%2fpasswd'))).toBeUndefined();
    expect(await (await serve(get('/..%2f..%2f..%2fetc%2fhostname', html)))!.text()).toContain(
      '<title>dashboard</title>',
    );
  });
});
