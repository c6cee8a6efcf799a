#!/bin/sh
# Installs the service and its runtime dependencies (no test or build tools) into a venv.
# The Dockerfile's build stage runs exactly this; CI runs it too (tests/test_deployment.py).
#   deploy/install.sh VENV SOURCE_DIR
set -eu
venv="$1"
source_dir="$2"
python3 -m venv "$venv"
"$venv/bin/pip" install --no-cache-dir --disable-pip-version-check "$source_dir"
"$venv/bin/incidents" --help > /dev/null
