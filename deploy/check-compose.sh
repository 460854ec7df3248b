#!/usr/bin/env bash
# Validates deploy/docker-compose.yml without a Docker engine: `config` resolves and checks it with placeholder
# secrets, and must refuse it when a secret is missing. Uses `docker compose` (v2 plugin) when present, else
# Debian's `docker-compose` (1.29, apt-get install docker-compose; scripts/test.sh installs it when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
if docker compose version >/dev/null 2>&1; then compose=(docker compose); else compose=(docker-compose); fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
printf 'placeholder' > "$tmp/pagerduty"
placeholders=(
  POSTGRES_PASSWORD=placeholder REDIS_PASSWORD=placeholder FRAUDSCORE_API_KEYS=placeholder-admin-key-0123456789:admin
  FRAUDSCORE_OPS_API_KEY=placeholder-admin-key-0123456789 GRAFANA_ADMIN_PASSWORD=placeholder
  AIRFLOW_FERNET_KEY=placeholder AIRFLOW_JWT_SECRET=placeholder PAGERDUTY_ROUTING_KEY_FILE="$tmp/pagerduty"
)
# Run with only these variables (plus PATH/HOME), so a secret set in the caller's shell cannot hide a missing one.
clean=(env -i PATH="$PATH" HOME="$HOME")
"${clean[@]}" "${placeholders[@]}" "${compose[@]}" -f deploy/docker-compose.yml config -q
services="$("${clean[@]}" "${placeholders[@]}" "${compose[@]}" -f deploy/docker-compose.yml config --services | sort | tr '\n' ' ')"
for s in kafka postgres valkey mlflow server airflow-scheduler airflow-apiserver airflow-dag-processor prometheus alertmanager grafana; do
  [[ " $services " == *" $s "* ]] || { echo "compose: service $s is missing (have: $services)" >&2; exit 1; }
done
# Every secret is required: leaving any one out must fail and name it.
for i in "${!placeholders[@]}"; do
  name="${placeholders[$i]%%=*}"
  rest=("${placeholders[@]:0:$i}" "${placeholders[@]:$((i + 1))}")
  if out="$("${clean[@]}" "${rest[@]}" "${compose[@]}" -f deploy/docker-compose.yml config -q 2>&1)"; then
    echo "compose: accepted without $name" >&2; exit 1
  fi
  [[ "$out" == *"$name"* ]] || { echo "compose: the error without $name does not name it: $out" >&2; exit 1; }
done
# No secret values in the file: every password/key/secret setting is an interpolation.
if grep -nE '^ *[A-Z_]*(PASSWORD|SECRET|_KEY|_KEYS)[A-Z_]*: *[^$ ]' deploy/docker-compose.yml; then
  echo "compose: a secret-looking setting has a literal value (above)" >&2; exit 1
fi
echo "compose: deploy/docker-compose.yml is valid (${compose[*]}); services: $services"
