#!/usr/bin/env bash
# Installs everything and runs every test: TypeScript type checks and vitest, pytest, and the conformance fixtures
# regenerated from the committed default bundle and compared with the committed ones.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export COREPACK_INTEGRITY_KEYS=0

# Real services from Debian's packages: Chromium for browser tests (never a downloaded browser), PostgreSQL for the
# storage tests (started per test file on a free port by server/test-support/postgres.ts), Redis for the shared
# state (server/test-support/redis.ts), Java and Maven for the Kafka broker of the streaming tests
# (server/test-support/kafka.ts).
need_apt=()
[ -x /usr/bin/chromium ] || [ -n "${CHROMIUM_PATH:-}" ] || need_apt+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
# redis-server for the shared-state tests (server/test-support/redis.ts starts its own on a free port, never the
# system service the package may start).
command -v redis-server >/dev/null 2>&1 || command -v valkey-server >/dev/null 2>&1 || need_apt+=(redis-server)
# Java 17+ and Maven for the Kafka tests: server/test-support/kafka.ts fetches Apache Kafka from Maven Central.
command -v java >/dev/null 2>&1 || need_apt+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
# Prometheus and Alertmanager for the monitoring checks (deploy/prometheus, deploy/alertmanager, test/ops): promtool,
# amtool and the real Prometheus that test/ops/prometheus.test.ts starts on a free port.
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
command -v amtool >/dev/null 2>&1 || need_apt+=(prometheus-alertmanager)
# A compose CLI to validate deploy/docker-compose.yml (`config` needs no engine): Debian's docker-compose 1.29.
docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1 || need_apt+=(docker-compose)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "test: installing ${need_apt[*]} from Debian's packages" >&2
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi


# Apache Airflow 3 in its own venv (pinned in deploy/airflow/requirements.txt) for the DAG runs of test/ops/airflow.test.ts.
status=0
FRAUDSCORE_AIRFLOW="$(bash deploy/airflow/install.sh)" || { echo "FAILED: deploy/airflow/install.sh"; status=1; }
export FRAUDSCORE_AIRFLOW
step() { echo; echo "== $*"; "$@" || { echo "FAILED: $*"; status=1; }; }
step pnpm typecheck
# The tree is formatted and linted: `pnpm format:check` (Prettier, ruff format) and `pnpm lint` (ESLint with type-aware
# promise rules, ruff check) side by side, one core each; `pnpm format` and `pnpm lint:fix` fix what they report.
format_and_lint() {
  pnpm --silent format:check & local format=$!
  local lint=0
  pnpm --silent lint || lint=$?
  wait "$format" && [ "$lint" -eq 0 ]
}
step format_and_lint
# The monitoring configuration: syntax, alert-rule unit tests, Alertmanager (no daemon needed).
step promtool check config --syntax-only deploy/prometheus/prometheus.yml
step promtool check rules deploy/prometheus/rules/*.yml
step promtool test rules deploy/prometheus/tests/*.yml
step amtool check-config deploy/alertmanager/alertmanager.yml
step bash deploy/check-compose.sh
step pnpm exec vitest run
# The unit suites (sdk, edge, simulator, and server without external services: scripts/unit-test-files.mjs) once more
# on the current Node LTS, which the Docker image runs: the machine's node when it is that version, else the npm
# registry's `node` package (a pinned Node binary, cached by npx).
NODE_LTS=24.21.0
unit_tests_on_node_lts() {
  local runner=(node)
  [ "$(node -p 'process.versions.node.split(".")[0]')" = "${NODE_LTS%%.*}" ] || runner=(npx --yes "node@$NODE_LTS")
  echo "on Node $("${runner[@]}" -p process.version)"
  local files
  mapfile -t files < <(node scripts/unit-test-files.mjs)
  "${runner[@]}" node_modules/vitest/vitest.mjs run "${files[@]}"
}
step unit_tests_on_node_lts
step models/.venv/bin/python -m pytest models/tests -q -p no:cacheprovider
step models/.venv/bin/python -m fraudmodels fixtures --check
exit $status
