// The app's service worker. At install it caches every file of the build — the app shell, the SDK's worker, the
// model bundle and onnxruntime-web's wasm files — and then answers from that cache first, so the app opens and
// pre-scores offline after the first visit. A new build has a new manifest version, hence a new sw.js: the browser
// installs it, the new cache replaces the old one, and the next load runs the new version.
// No imports: the build injects the manifest below and registers this file as a classic script.

interface PrecacheManifest {
  /** A hash of every file's name and contents. */
  version: string;
  /** Paths relative to this script; "./" is index.html. */
  urls: string[];
}

declare const __PRECACHE_MANIFEST__: PrecacheManifest;

const sw = self as unknown as ServiceWorkerGlobalScope;
const precache = __PRECACHE_MANIFEST__;
const CACHE_PREFIX = 'web-banking-';
const CACHE = `${CACHE_PREFIX}${precache.version}`;
const SHELL = new URL('./', sw.location.href).href;

sw.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // cache: 'reload' skips the HTTP cache, so a new version never caches a stale file of the old one.
      await cache.addAll(precache.urls.map((url) => new Request(new URL(url, sw.location.href), { cache: 'reload' })));
      await sw.skipWaiting();
    })(),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys())
        if (name.startsWith(CACHE_PREFIX) && name !== CACHE) await caches.delete(name);
      await sw.clients.claim();
    })(),
  );
});

sw.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== sw.location.origin) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      const navigation = request.mode === 'navigate';
      // Cache first. Navigations (any path or query inside the scope) get the app shell.
      const hit =
        (await cache.match(request, { ignoreSearch: navigation })) ??
        (navigation ? await cache.match(SHELL) : undefined);
      return hit ?? fetch(request);
    })(),
  );
});
