#!/bin/sh
# Installs the service and its runtime dependencies (no test or build tools) into a venv,
# exactly as uv.lock pins them (hashes checked), with the uv that deploy/uv.txt pins.
# The Dockerfile's build stage runs exactly this; CI runs it too (tests/test_deployment.py).
#   deploy/install.sh VENV SOURCE_DIR
set -eu
venv="$1"
source_dir="$2"
tools="$(mktemp -d)"
trap 'rm -rf "$tools"' EXIT
# An image keeps no download cache. INCIDENTS_INSTALL_CACHE=1 lets pip and uv use theirs
# (tests/test_deployment.py, to reuse what `make` fetched; uv checks each file's hash anyway).
if [ "${INCIDENTS_INSTALL_CACHE:-0}" = 1 ]; then
    pip_cache="" uv_no_cache=0
else
    pip_cache="--no-cache-dir" uv_no_cache=1
fi
python3 -m venv "$tools"
"$tools/bin/pip" install --quiet $pip_cache --disable-pip-version-check \
    --require-hashes -r "$source_dir/deploy/uv.txt"
python3 -m venv "$venv"
# --locked: refuse a uv.lock that no longer matches pyproject.toml rather than resolve anew.
UV_PROJECT_ENVIRONMENT="$venv" UV_SYSTEM_CERTS=1 UV_PYTHON_DOWNLOADS=never \
    UV_NO_CACHE="$uv_no_cache" "$tools/bin/uv" sync --quiet --project "$source_dir" --locked --no-dev --no-editable \
    --compile-bytecode
"$venv/bin/incidents" --help > /dev/null
