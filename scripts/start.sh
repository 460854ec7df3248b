#!/usr/bin/env bash
# The main job on embedded defaults: install, then score simulated transactions with the committed default bundle.
# (Until the server exists, this is the pipeline's demo; see README.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec models/.venv/bin/python -m fraudmodels demo "$@"
