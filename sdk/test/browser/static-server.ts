// A static file server on a free loopback port, for pages built in tests.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.css': 'text/css',
};

/** Serves root on 127.0.0.1 at a free port. `isolated` adds COOP/COEP headers (cross-origin isolation gives
 * performance.now() 5 µs resolution instead of 100 µs, for benchmarks). */
export async function serveDirectory(
  root: string,
  options: { isolated?: boolean } = {},
): Promise<{ url: string; close: () => Promise<void> }> {
  const isolation = options.isolated
    ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' }
    : {};
  // Never rejects: a malformed path (decodeURIComponent throws) or a missing file is a 404.
  const respond = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    try {
      const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)).replace(
        /^(\.\.[/\\])+/,
        '',
      );
      const file = join(root, path.endsWith('/') ? `${path}index.html` : path);
      const body = await readFile(file);
      response.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
        ...isolation,
      });
      response.end(body);
    } catch {
      response.writeHead(404).end('not found');
    }
  };
  const server: Server = createServer((request, response) => void respond(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
