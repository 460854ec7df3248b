#!/usr/bin/env bash
# Installs Apache Airflow 3.x (requirements.txt: every package pinned) into its own venv, apart from the models' venv
# (their dependencies differ), and prints the path of its `airflow` command. Reinstalls only when requirements.txt
# changed. The venv: $FRAUDSCORE_AIRFLOW_VENV, default ~/.cache/fraudscore/airflow-venv. Python 3.11 ($PYTHON).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${FRAUDSCORE_AIRFLOW_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/fraudscore/airflow-venv}"
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null 2>&1 || python=python3
stamp="$venv/.installed-$(sha256sum "$here/requirements.txt" | cut -c1-16)"
if [ ! -f "$stamp" ] || [ ! -x "$venv/bin/airflow" ]; then
  echo "airflow: installing Apache Airflow into $venv (pinned: deploy/airflow/requirements.txt)" >&2
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt" >&2
  rm -f "$venv"/.installed-* && touch "$stamp"
fi
echo "$venv/bin/airflow"
