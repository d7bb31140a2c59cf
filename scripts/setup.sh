#!/usr/bin/env bash
# Create or refresh .venv/ with the pinned stack. Idempotent: a second run with
# an unchanged requirements.lock and pyproject.toml does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

python_bin="${MEMBERKPI_PYTHON:-$(command -v python3.11 || command -v python3)}"
version=$("$python_bin" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ "$version" != "3.11" ]; then
    echo "memberkpi needs Python 3.11; $python_bin is $version (set MEMBERKPI_PYTHON)" >&2
    exit 1
fi

stamp=.venv/.memberkpi-stamp
want=$(cat requirements.lock pyproject.toml ${MEMBERKPI_EXTRA_LOCKS:-} | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
fi

echo "setting up .venv (pinned stack from requirements.lock)"
[ -x .venv/bin/python ] || "$python_bin" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
for extra in ${MEMBERKPI_EXTRA_LOCKS:-}; do
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$extra"
done
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --editable .
.venv/bin/python -m pip check
echo "$want" > "$stamp"
