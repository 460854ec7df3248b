"""Shared settings of the fraudscore DAGs: where the project's command-line tools are, read from the environment of
the Airflow workers. Nothing here decides anything; every task runs one of the project's own commands:

- ``node server/dist/cli/ops.js`` (fraudscore-ops): export-labelled, training-set, drift-check, deploy (server/src/cli/ops.ts)
- ``node server/dist/cli/lifecycle.js promote`` (fraudscore-lifecycle): the promotion gate (server/src/cli/lifecycle.ts)
- ``python -m fraudmodels train|export|register`` (models/README.md)

Environment (besides the server's own settings the CLIs read: DATABASE_URL or DATA_DIR, MLFLOW_TRACKING_URI,
MLFLOW_MODEL_NAME, PROMOTION_*, BUNDLE_PUBLIC_KEY, FRAUDSCORE_SIGNING_KEY):

- FRAUDSCORE_ROOT: the repository checkout (default: two levels above this file)
- FRAUDSCORE_NODE: the node binary (default ``node``)
- FRAUDSCORE_PYTHON: the pipeline's Python (default ``$FRAUDSCORE_ROOT/models/.venv/bin/python``)
- FRAUDSCORE_WORK: where runs keep their files (default ``$FRAUDSCORE_ROOT/models/work/airflow``)
- ALERTMANAGER_URL: Alertmanager for drift alerts (none: the drift is only recorded)
- FRAUDSCORE_SERVERS: space-separated server URLs to reload after a promotion (none: they poll), with OPS_API_KEY
- FRAUDSCORE_TASK_RETRIES: retries per task (default 3, 5 minutes apart)
- FRAUDSCORE_TRAIN_ARGS: extra ``fraudmodels train`` options (default none: the full hyperparameter search)
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

ROOT = os.environ.get("FRAUDSCORE_ROOT", str(Path(__file__).resolve().parents[2]))
NODE = os.environ.get("FRAUDSCORE_NODE", "node")
PYTHON = os.environ.get("FRAUDSCORE_PYTHON", f"{ROOT}/models/.venv/bin/python")
WORK = os.environ.get("FRAUDSCORE_WORK", f"{ROOT}/models/work/airflow")

OPS_CLI = f"{NODE} {ROOT}/server/dist/cli/ops.js"
LIFECYCLE_CLI = f"{NODE} {ROOT}/server/dist/cli/lifecycle.js"
FRAUDMODELS = f"cd {ROOT}/models && {PYTHON} -m fraudmodels"

DEFAULT_ARGS = {
    "owner": "fraudscore",
    # 3 in production; FRAUDSCORE_TASK_RETRIES=0 in tests, so a failure shows at once instead of after 3 × 5 minutes.
    "retries": int(os.environ.get("FRAUDSCORE_TASK_RETRIES") or "3"),
    "retry_delay": timedelta(minutes=5),
}

# One directory per run: the run id made safe for a path.
RUN_DIR = WORK + "/{{ dag.dag_id }}/{{ run_id | replace(':', '-') | replace('+', '-') }}"
