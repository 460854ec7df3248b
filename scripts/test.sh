#!/usr/bin/env bash
# Installs everything and runs every test: TypeScript type checks and vitest, pytest, and the conformance fixtures
# regenerated from the committed default bundle and compared with the committed ones.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export COREPACK_INTEGRITY_KEYS=0

# Browser tests drive Debian's Chromium (never a downloaded browser).
if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM_PATH:-}" ]; then
  echo "test: installing Debian's chromium for the browser tests" >&2
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

status=0
step() { echo; echo "== $*"; "$@" || { echo "FAILED: $*"; status=1; }; }
step pnpm typecheck
step pnpm exec vitest run
step models/.venv/bin/python -m pytest models/tests -q -p no:cacheprovider
step models/.venv/bin/python -m fraudmodels fixtures --check
exit $status
