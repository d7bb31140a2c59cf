#!/usr/bin/env bash
# The whole suite (make test), or with --fast the inner loop (make test-fast):
# ruff, tests/unit (no dbt) and tests/integration (tests on the run's few
# shared dbt builds), with no system packages installed; tests/e2e (tests
# with a warehouse of their own, Spark, the
# browser, the CLI end to end) runs only in the whole suite. Both fail when pytest
# collects no test (exit code 5).
set -euo pipefail
cd "$(dirname "$0")/.."
export DBT_PROFILES_DIR="$PWD"
bin=.venv/bin

fast=false
if [ "${1:-}" = "--fast" ]; then
    fast=true
    shift
fi

run_pytest() {
    # One worker per core (MEMBERKPI_TEST_WORKERS overrides; 0 runs in this
    # process): each test module runs whole on one worker, the longest first,
    # and the warehouses several modules read are built once per run by the
    # first worker that needs each (tests/conftest.py). The 15 phases that
    # took the most CPU are listed beside the 15 slowest: on a shared machine
    # wall times grow with the load, CPU times hardly.
    set +e
    "$bin/pytest" -n "${MEMBERKPI_TEST_WORKERS:-auto}" --dist loadfile --no-loadscope-reorder \
        --cpu-durations 15 "$@"
    local status=$?
    set -e
    if [ "$status" -eq 5 ]; then
        echo "pytest collected no test: failing" >&2
        return 1
    fi
    return "$status"
}

echo "== ruff"
"$bin/ruff" check src tests scripts benchmarks

if [ "$fast" = true ]; then
    echo "== pytest (fast lane)"
    run_pytest tests/unit tests/integration "$@"
    exit $?
fi

# Headless Chromium for the dashboard browser test (tests/e2e/test_dashboard.py).
command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
# A CJK font, so the Chinese page's screenshot shows characters, not boxes.
dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei)
# Java 17 for the Spark build test (tests/e2e/test_spark.py, pyspark in local mode).
command -v java >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless)

echo "== sqlfluff"
"$bin/sqlfluff" lint models macros tests/dbt --disable-progress-bar
echo "== pytest"
run_pytest "$@"
