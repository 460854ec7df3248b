#!/usr/bin/env bash
# Installs everything the project needs on a fresh machine (idempotent): pnpm, the Node workspace (built), and the
# Python pipeline in models/.venv. Needs Node.js 24 (or 20.19+, 22.12+) and Python 3.11.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=$(node -p "require('./package.json').packageManager.split('@')[1]")
export COREPACK_INTEGRITY_KEYS=0  # corepack's signature check fails against this registry mirror
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm $PNPM_VERSION" >&2
  npm install --global --no-fund --no-audit "pnpm@$PNPM_VERSION" >/dev/null
fi
echo "setup: node workspace" >&2
pnpm install --frozen-lockfile --reporter=silent
pnpm build >/dev/null

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "models/ needs Python 3.11 (set PYTHON=...)")'
if [ ! -x models/.venv/bin/python ]; then
  echo "setup: creating models/.venv" >&2
  "$PYTHON" -m venv models/.venv
fi
# pip only reinstalls when the pinned requirements changed (or the mlflow extra's server command is missing).
# Extras: test (pytest) and mlflow (tracking, registry and `models/.venv/bin/mlflow server`).
stamp=models/.venv/.installed-$(sha256sum models/pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ] || [ ! -x models/.venv/bin/mlflow ]; then
  echo "setup: installing the Python pipeline (pinned versions from models/pyproject.toml)" >&2
  models/.venv/bin/pip install --quiet --disable-pip-version-check -e "models[test,mlflow]"
  rm -f models/.venv/.installed-* && touch "$stamp"
fi
