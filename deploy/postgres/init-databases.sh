#!/usr/bin/env bash
# First start of the stack's PostgreSQL: the MLflow and Airflow databases beside the server's (POSTGRES_DB), owned by
# the same user. Runs once, from /docker-entrypoint-initdb.d, on an empty data volume.
set -euo pipefail
for db in mlflow airflow; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -c "CREATE DATABASE $db OWNER \"$POSTGRES_USER\""
done
