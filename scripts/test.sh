#!/usr/bin/env bash
# The whole suite. Fails when pytest collects no test (exit code 5).
set -euo pipefail
cd "$(dirname "$0")/.."
export DBT_PROFILES_DIR="$PWD"
bin=.venv/bin

# Headless Chromium for the dashboard browser test (tests/test_dashboard.py).
command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
# Java 17 for the Spark build test (tests/test_spark.py, pyspark in local mode).
command -v java >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless)

echo "== ruff"
"$bin/ruff" check src tests
echo "== sqlfluff"
"$bin/sqlfluff" lint models macros tests/dbt --disable-progress-bar
echo "== pytest"
set +e
# One worker per core (MEMBERKPI_TEST_WORKERS overrides; 0 runs in this
# process): each test module runs whole on one worker (tests/conftest.py).
"$bin/pytest" -n "${MEMBERKPI_TEST_WORKERS:-auto}" --dist loadfile --no-loadscope-reorder "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "pytest collected no test: failing" >&2
    exit 1
fi
exit "$status"
