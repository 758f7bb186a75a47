#!/usr/bin/env bash
# Idempotent set-up from nothing: the project virtualenv (.venv, from requirements.lock)
# and the Pulumi engine (tools/engine.sh). A second run takes seconds.
#
# PYTHON=python3.12 VENV=.venvs/3.12 ENGINE=no bash tools/setup.sh: another Python's virtualenv only
# (.ci/run's fast suite on 3.12 and 3.13); the defaults are python3.11, .venv and the engine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-python3.11}"
VENV="${VENV:-.venv}"
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "setup: $PYTHON not found; install Python 3.11 (or set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi

stamp="$VENV/.requirements.lock.sha256"
want="$(sha256sum requirements.lock | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "setup: $VENV is up to date with requirements.lock"
else
  echo "setup: creating $VENV ($("$PYTHON" --version)) from requirements.lock ..."
  "$PYTHON" -m venv "$VENV"
  # Binary wheels only: every pinned package has them for 3.11, 3.12 and 3.13 (grpcio, rpds-py, ...).
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary :all: -r requirements.lock
  echo "$want" > "$stamp"
  echo "setup: $VENV ready"
fi

if [[ "${ENGINE:-yes}" != no ]]; then
  bash tools/engine.sh
fi
