"""The performance bench's own output: the command it prints to run a measurement again."""

from __future__ import annotations

import argparse
import shlex

from bench.perf_bench import rerun_command


def test_the_printed_command_runs_the_same_measurement_for_any_label() -> None:
    args = argparse.Namespace(
        sizes=[100, 1000], repeat=3, validate_files=5000, paced_create=0, seed=11, label="F16's fix (100)"
    )
    words = shlex.split(rerun_command(args).split(" && ", 1)[1])
    assert words[:3] == [".venv/bin/python", "-m", "bench.perf_bench"]
    assert words[3:] == [
        "--sizes", "100", "1000", "--repeat", "3", "--validate-files", "5000",
        "--paced-create", "0", "--seed", "11", "--label", "F16's fix (100)",
    ]  # fmt: skip
