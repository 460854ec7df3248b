"""forte_daily_training: every day at 02:00, retrain on the newly labelled transactions and promote the model if the
gate says it is better. Each task runs one of the project's commands (see _fraudscore.py); none decides anything.

extract_labelled → check_drift → build_features → train → register → validate → deploy

- extract_labelled: the scored transactions of the training window from the server's storage, with the analysts'
  labels, in the handbook CSV schema (ops-cli export-labelled)
- check_drift: a drift snapshot over the last day, kept in the drift history, alerting above 0.3 (ops-cli drift-check)
- build_features: the training set (the export, plus an optional base history), checked to span enough days for
  the validation folds (ops-cli training-set); the features themselves come from the bundle's declarative spec
  inside ``fraudmodels train``, so training and serving compute them the same way
- train: ``fraudmodels train``, tracked in MLflow (parameters, metrics, plots) through MLFLOW_TRACKING_URI
- register: ``fraudmodels export`` (a new bundle version) and ``fraudmodels register`` (alias challenger)
- validate: the promotion gate on the latest labelled window (lifecycle-cli promote): the decision is recorded as
  ``gate.*`` tags on the version and, when better, the champion alias moves; too few labels is a decision too
- deploy: reports the champion and reloads the servers named in FRAUDSCORE_SERVERS; the others hot-swap when they
  next poll the alias (MLFLOW_POLL_INTERVAL)

Params (trigger with ``--conf``): ``since`` (training window), ``base_data`` (extra handbook CSV, e.g. the history
the first model was trained on), ``min_days``, ``train_args`` (e.g. ``--no-search --rounds 60 --folds 1`` for a quick
run; the default is the full training), ``version_base``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, Param

sys.path.insert(0, str(Path(__file__).resolve().parent))  # _fraudscore.py beside this file, whatever the DAG folder
from _fraudscore import DEFAULT_ARGS, FRAUDMODELS, LIFECYCLE_CLI, OPS_CLI, RUN_DIR

with DAG(
    dag_id="forte_daily_training",
    description="Daily retraining on newly labelled transactions, gated promotion, hot swap",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["fraudscore", "training"],
    params={
        "since": Param("90d", type="string", description="training window: a duration (90d) or an ISO time"),
        "base_data": Param(
            "", type="string", description="optional extra handbook-schema CSV merged into the training set"
        ),
        "min_days": Param(
            42, type="integer", minimum=1, description="fewest days the training set must span (7 × (folds + 2))"
        ),
        "train_args": Param(
            os.environ.get("FRAUDSCORE_TRAIN_ARGS", ""), type="string", description="extra `fraudmodels train` options"
        ),
        "version_base": Param("2.1.0", type="string", description="bundle versions are <version_base>-<UTC timestamp>"),
        "drift_window": Param("24h", type="string"),
    },
) as dag:
    extract_labelled = BashOperator(
        task_id="extract_labelled",
        bash_command=f'set -euo pipefail; mkdir -p "{RUN_DIR}"; '
        f'{OPS_CLI} export-labelled --since "{{{{ params.since }}}}" --out "{RUN_DIR}/labelled.csv"',
    )
    check_drift = BashOperator(
        task_id="check_drift",
        bash_command=f'set -euo pipefail; {OPS_CLI} drift-check --window "{{{{ params.drift_window }}}}" '
        '${ALERTMANAGER_URL:+--alertmanager "$ALERTMANAGER_URL"}',
    )
    build_features = BashOperator(
        task_id="build_features",
        bash_command=f'set -euo pipefail; BASE="{{{{ params.base_data }}}}"; '
        f'{OPS_CLI} training-set --data "{RUN_DIR}/labelled.csv" ${{BASE:+--data "$BASE"}} '
        f'--min-days "{{{{ params.min_days }}}}" --out "{RUN_DIR}/train.csv"',
    )
    train = BashOperator(
        task_id="train",
        bash_command=f'set -euo pipefail; {FRAUDMODELS} train --data "{RUN_DIR}/train.csv" --out "{RUN_DIR}/models" '
        "{{ params.train_args }}",
        execution_timeout=pendulum.duration(hours=6),
    )
    register = BashOperator(
        task_id="register",
        bash_command=f'set -euo pipefail; VERSION="{{{{ params.version_base }}}}-$(date -u +%Y%m%d%H%M%S)"; '
        f'{FRAUDMODELS} export --models "{RUN_DIR}/models" --out "{RUN_DIR}/bundle" --version "$VERSION" && '
        f'{FRAUDMODELS} register --bundle "{RUN_DIR}/bundle"',
    )
    # The gate's answer (promoted, rejected, or too few labels to decide) is the task's result, not a failure.
    validate = BashOperator(
        task_id="validate",
        bash_command=f'set -uo pipefail; {LIFECYCLE_CLI} promote --by "airflow:{{{{ dag.dag_id }}}}" > "{RUN_DIR}/decision.json"; '
        f'code=$?; cat "{RUN_DIR}/decision.json"; '
        f'[ "$code" -eq 0 ] || grep -q \'"code":"too_few_labels"\' "{RUN_DIR}/decision.json"',
    )
    deploy = BashOperator(
        task_id="deploy",
        bash_command=f'set -euo pipefail; SERVERS=(); for s in ${{FRAUDSCORE_SERVERS:-}}; do SERVERS+=(--server "$s"); done; '
        f'{OPS_CLI} deploy --decision "{RUN_DIR}/decision.json" "${{SERVERS[@]}}"',
    )

    extract_labelled >> check_drift >> build_features >> train >> register >> validate >> deploy
