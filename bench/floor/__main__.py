"""The floor stack: one no-op dynamic resource per entry of inputs.json (written by bench/perf_bench.py)."""

import json
from pathlib import Path

from noop import NoOp

for entry in json.loads(Path("inputs.json").read_text(encoding="utf-8")):
    NoOp(entry["name"], entry["props"])
