// Module resolution hook of bench/ab/run.mjs: the baseline server loads the workspace packages' built code from a
// snapshot beside each build (`<repo>/<package>/<snapshot>/…` for `<repo>/<package>/dist/…`, same depth, so relative
// paths to the repository's files and node_modules resolve alike).
let pairs = [];

export function initialize({ repo, snapshot, packages }) {
  pairs = packages.map((p) => [`${repo}/${p}/dist/`, `${repo}/${p}/${snapshot}/`]);
}

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  for (const [built, copy] of pairs)
    if (result.url.startsWith(built)) return { ...result, url: copy + result.url.slice(built.length) };
  return result;
}
