#!/usr/bin/env bash
# Idempotent set-up from nothing: the project virtualenv (.venv, from requirements.lock)
# and the Pulumi engine (tools/engine.sh). A second run takes seconds.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-python3.11}"
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "setup: $PYTHON not found; install Python 3.11 (or set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi

stamp=".venv/.requirements.lock.sha256"
want="$(sha256sum requirements.lock | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "setup: .venv is up to date with requirements.lock"
else
  echo "setup: creating .venv from requirements.lock ..."
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
  echo "$want" > "$stamp"
  echo "setup: .venv ready"
fi

bash tools/engine.sh
