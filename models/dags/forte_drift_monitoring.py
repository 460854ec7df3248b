"""forte_drift_monitoring: every 6 hours, the drift of the last 6 hours of scored transactions against the active
model's baseline, per feature and for the score; above 0.3 it alerts. Each task runs one of the project's commands.

collect_window → drift_check

- collect_window: the window's scored transactions, exported for investigation (ops-cli export-labelled)
- drift_check: PSI per feature and for the score with the edge's DriftMonitor (the model the servers serve: the
  MLflow champion, or BUNDLE), kept as a drift snapshot in storage (drift_snapshots: the dashboard's drift view and
  alerts), and posted to Alertmanager (POST $ALERTMANAGER_URL/api/v2/alerts) for every PSI above the threshold
"""

from __future__ import annotations

import sys
from pathlib import Path

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, Param

sys.path.insert(0, str(Path(__file__).resolve().parent))  # _fraudscore.py beside this file, whatever the DAG folder
from _fraudscore import DEFAULT_ARGS, OPS_CLI, RUN_DIR

with DAG(
    dag_id="forte_drift_monitoring",
    description="Drift per feature and of the score over the last 6 hours; alert above 0.3",
    schedule="0 */6 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["fraudscore", "monitoring"],
    params={
        "window": Param("6h", type="string", description="the window of scored transactions"),
        "threshold": Param(0.3, type="number", exclusiveMinimum=0, description="PSI above which an alert is raised"),
    },
) as dag:
    collect_window = BashOperator(
        task_id="collect_window",
        bash_command=f'set -euo pipefail; mkdir -p "{RUN_DIR}"; '
        f'{OPS_CLI} export-labelled --since "{{{{ params.window }}}}" --out "{RUN_DIR}/window.csv"',
    )
    drift_check = BashOperator(
        task_id="drift_check",
        bash_command=f'set -euo pipefail; {OPS_CLI} drift-check --window "{{{{ params.window }}}}" '
        '--threshold "{{ params.threshold }}" ${ALERTMANAGER_URL:+--alertmanager "$ALERTMANAGER_URL"}',
    )

    collect_window >> drift_check
