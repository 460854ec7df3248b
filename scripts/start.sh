#!/usr/bin/env bash
# The main job on embedded defaults: install and build everything, then run the server (server/dist/main.js) with the
# committed default bundle, the embedded store and the built-in demo stream. It prints the URL and an API key.
# Settings come from environment variables (see server/README.md), e.g. PORT=9000 DEMO_RATE=20 bash scripts/start.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node server/dist/main.js "$@"
