#!/usr/bin/env bash
# The main job on embedded defaults: install and build everything when something changed, then run the server
# (server/dist/main.js) with the committed default bundle, the embedded store and the built-in demo stream. It prints
# the URL and an API key, kept in .fraudscore/api-key so that it survives restarts.
# Settings come from environment variables (see server/README.md), e.g. PORT=9000 DEMO_RATE=20 bash scripts/start.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# What the install and build read: the lockfile, the manifests, the set-up script and every source of the packages
# the build builds. Their hash is stamped after a successful set-up; the same hash next time skips it (1-2 s instead of
# a minute). FORCE_SETUP=1 always runs it.
build_inputs() {
  printf '%s\0' package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json vite.config.ts \
    models/pyproject.toml scripts/setup.sh
  find sdk edge server dashboard models/simulator \
    \( -name node_modules -o -name dist -o -name .build -o -name test-results \) -prune -o -type f -print0
}
stamp_file=node_modules/.fraudscore-start-stamp
outputs=(node_modules/.modules.yaml server/dist/main.js dashboard/dist/index.html models/.venv/bin/python)
stamp=$({ node --version; build_inputs | LC_ALL=C sort -z | xargs -0 sha256sum; } | sha256sum | cut -c1-16)

reason=
if [ "${FORCE_SETUP:-}" = 1 ]; then
  reason="FORCE_SETUP=1"
elif [ ! -f "$stamp_file" ]; then
  reason="no build stamp yet (first run, or node_modules was removed)"
elif [ "$(cat "$stamp_file")" != "$stamp" ]; then
  reason="the lockfile, a package.json or a source file changed since the last build"
else
  for output in "${outputs[@]}"; do
    [ -e "$output" ] || { reason="$output is missing"; break; }
  done
fi
if [ -n "$reason" ]; then
  echo "start: $reason: installing and building (scripts/setup.sh)" >&2
  bash scripts/setup.sh
  echo "$stamp" > "$stamp_file"
else
  echo "start: nothing changed since the last build (stamp $stamp): skipping install and build" >&2
fi

# Without API_KEYS or DATA_DIR (which keeps its own api-key), the generated admin key lives in .fraudscore/api-key
# (git-ignored): the key printed last time keeps working.
if [ -z "${API_KEYS:-}" ] && [ -z "${DATA_DIR:-}" ] && [ -z "${API_KEY_FILE:-}" ]; then
  export API_KEY_FILE=.fraudscore/api-key
fi
echo "start: node server/dist/main.js" >&2
exec node server/dist/main.js "$@"
