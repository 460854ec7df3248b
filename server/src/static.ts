// The analyst dashboard's static files (dashboard/dist) at /: a GET or HEAD for a file in the directory gets that
// file, and a browser navigation (Accept: text/html) to a path outside the API gets index.html (the SPA fallback).
// Everything else goes to the edge app, so the API's answers and its access rules are unchanged.
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

/** First path segments the API owns: never answered with index.html. */
const API = /^\/(v1|v2|mlflow|health|metrics|openapi\.json|threshold|model-info|predict|drift)(\/|$)/;

const HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' };

/** A handler for dir, or undefined when dir has no index.html (the dashboard was not built). */
export function staticFiles(dir: string): ((request: Request) => Promise<Response | undefined>) | undefined {
  const root = normalize(dir);
  if (!existsSync(join(root, 'index.html'))) return undefined;
  const send = async (request: Request, file: string, immutable: boolean): Promise<Response> => {
    const body = await readFile(file);
    const headers = {
      ...HEADERS,
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': String(body.length),
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers });
  };
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
    let path: string;
    try {
      path = decodeURIComponent(new URL(request.url).pathname);
    } catch {
      return undefined;
    }
    if (API.test(path)) return undefined;
    if (path === '/' || path === '/index.html') return send(request, join(root, 'index.html'), false);
    const file = normalize(join(root, path));
    if (file.startsWith(root + sep)) {
      const info = await stat(file).catch(() => undefined);
      if (info?.isFile()) return send(request, file, path.startsWith('/assets/'));
    }
    if ((request.headers.get('accept') ?? '').includes('text/html') && extname(path) === '')
      return send(request, join(root, 'index.html'), false);
    return undefined;
  };
}
