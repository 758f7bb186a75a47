#!/usr/bin/env bash
# README command 2: set up everything (tools/setup.sh) and run the whole suite, end-to-end tests through
# the real Pulumi engine included. Extra arguments go to pytest (e.g. `bash tools/test.sh -k plan`).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash tools/setup.sh
# shellcheck source=tools/env.sh
source tools/env.sh
echo "test: ruff check, ruff format --check"
ruff check .
ruff format --check .
echo "test: pytest"
exec python -m pytest "$@"
