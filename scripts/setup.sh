#!/usr/bin/env bash
# Create or refresh .venv/ with the pinned stack: the project and the extras
# named in $1 (comma separated: dev, spark; none by default), every package
# at the version requirements.lock pins (one lock file, used as pip
# constraints, so an extra left out installs nothing of its own).
#   make demo -> no extra; make setup / test-fast -> dev; make test -> dev,spark
# Idempotent: a second run with the same extras and an unchanged
# requirements.lock and pyproject.toml does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"

python_bin="${MEMBERKPI_PYTHON:-$(command -v python3.11 || command -v python3)}"
version=$("$python_bin" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ "$version" != "3.11" ]; then
    echo "memberkpi needs Python 3.11; $python_bin is $version (set MEMBERKPI_PYTHON)" >&2
    exit 1
fi

stamp=".venv/.memberkpi-stamp-${extras:-core}"
want=$(cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
fi

echo "setting up .venv (pinned stack from requirements.lock${extras:+, extras $extras})"
[ -x .venv/bin/python ] || "$python_bin" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check \
    --constraint requirements.lock --editable ".${extras:+[$extras]}"
.venv/bin/python -m pip check
echo "$want" > "$stamp"
