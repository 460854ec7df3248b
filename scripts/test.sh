#!/usr/bin/env bash
# Installs everything and runs every test: TypeScript type checks and vitest, pytest, and the conformance fixtures
# regenerated from the committed default bundle and compared with the committed ones.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export COREPACK_INTEGRITY_KEYS=0

status=0
step() { echo; echo "== $*"; "$@" || { echo "FAILED: $*"; status=1; }; }
step pnpm typecheck
step pnpm exec vitest run
step models/.venv/bin/python -m pytest models/tests -q -p no:cacheprovider
step models/.venv/bin/python -m fraudmodels fixtures --check
exit $status
