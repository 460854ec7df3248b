"""forte_drift_monitoring: daily, the drift of the last day of scored transactions against the active model's
baseline, per feature and for the score; warn and alert levels are posted to Alertmanager. Each task runs one of the
project's commands.

A day, not less: the night flag is compared over whole days and the weekend flag over whole weeks whatever the
window (issue 22: a 6-hour window against a training week alarmed on the calendar alone), and the other features then
see the whole daily cycle too. Windows with fewer than `min_rows` values give insufficient_data, never an alert.

collect_window → drift_check

- collect_window: the window's scored transactions, exported for investigation (ops-cli export-labelled)
- drift_check: PSI and the normalised Wasserstein distance per feature and for the score with the edge's DriftMonitor
  (the model the servers serve: the MLflow champion, or BUNDLE), kept as a drift snapshot in storage
  (drift_snapshots: the dashboard's drift view and alerts), and posted to Alertmanager
  (POST $ALERTMANAGER_URL/api/v2/alerts) for every feature or score at level warn or alert
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
    description="Drift per feature and of the score over the last day; alerts at warn and alert levels",
    schedule="0 0 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["fraudscore", "monitoring"],
    params={
        "window": Param("1d", type="string", description="the window of scored transactions"),
        "min_rows": Param(
            1000, type="integer", minimum=1, description="fewest values a comparison needs for a level (DRIFT_MIN_ROWS)"
        ),
    },
) as dag:
    collect_window = BashOperator(
        task_id="collect_window",
        bash_command=f'set -euo pipefail; mkdir -p "{RUN_DIR}"; '
        f'{OPS_CLI} export-labelled --since "{{{{ params.window }}}}" --out "{RUN_DIR}/window.csv"',
    )
    drift_check = BashOperator(
        task_id="drift_check",
        bash_command=f'set -euo pipefail; DRIFT_MIN_ROWS="{{{{ params.min_rows }}}}" {OPS_CLI} drift-check '
        '--window "{{ params.window }}" ${ALERTMANAGER_URL:+--alertmanager "$ALERTMANAGER_URL"}',
    )

    collect_window >> drift_check
