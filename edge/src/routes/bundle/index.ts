// GET /v1/models/{version}/bundle/{file}: the bundle files the edge scores with, so SDKs load exactly that model.
// Files are immutable per version: the ETag is the file's sha256 from the manifest and caches may keep them a year.
// Public on purpose: a device pre-scores with this model without holding an API key; the manifest's hashes (and
// signature, when the bundle is signed) are what the SDK trusts, not the transport.
import { Hono } from 'hono';
import { notFound } from '../../errors.js';

/** A loaded bundle: its files by name and, for ETags, their sha256 as listed in manifest.json. */
export interface ServedBundle {
  version: string;
  files: Readonly<Record<string, Uint8Array>>;
  sha256: Readonly<Record<string, string>>;
}

export interface BundleRoutesOptions {
  /** The bundles the edge can serve (the active one at least), looked up by version. */
  bundle: (version: string) => ServedBundle | undefined;
}

const CONTENT_TYPES: Record<string, string> = { '.json': 'application/json', '.onnx': 'application/octet-stream' };

export function bundleRoutes({ bundle }: BundleRoutesOptions): Hono {
  const app = new Hono();
  app.get('/:version/bundle/:file', (c) => {
    const { version, file } = c.req.param();
    const served = bundle(version);
    if (!served) throw notFound(`model version ${version}`, 'version');
    const bytes = served.files[file];
    if (!bytes) throw notFound(`bundle file ${file}`, 'file');
    // manifest.json is not listed in itself: its ETag is derived from the version and the other files' hashes.
    const tag = `"${served.sha256[file] ?? `${version}-manifest`}"`;
    const headers = {
      etag: tag,
      'cache-control': 'public, max-age=31536000, immutable',
      'content-type': CONTENT_TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream',
    };
    if (
      c.req
        .header('if-none-match')
        ?.split(',')
        .some((t) => t.trim() === tag)
    )
      return c.body(null, 304, headers);
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, headers);
  });
  return app;
}
