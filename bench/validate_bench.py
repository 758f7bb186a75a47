"""Time ``python -m provider validate`` against ``check-jsonschema`` on the same generated case files.

Usage: .venv/bin/python bench/validate_bench.py [--files 5000] [--repeat 5]

Not a test: it generates the files in a temporary directory, runs both tools there as subprocesses
(each run includes interpreter start-up), and prints the median wall time of each and their ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCHEMA = REPO / "schemas" / "case.schema.json"
BIN = Path(sys.executable).parent

CASE = """\
# yaml-language-server: $schema=../schemas/case.schema.json
subject: Generated case {n} - elevated 5xx errors behind load balancer lb-{n}
serviceCode: elastic-load-balancing
categoryCode: general-guidance
severityCode: {severity}
communicationBody: |
  Since {n} minutes past the hour the target group tg-{n} returns HTTP 502 for about
  {percent} percent of requests. The targets pass their health checks. Could you look
  at the load balancer nodes?
ccEmailAddresses:
  - oncall-{n}@example.com
  - team-{n}@example.org
communications:
  - communicationBody: Still happening; request IDs attached to the next message.
  - communicationBody: The error rate went back to normal at 10:40 UTC.
    ccEmailAddresses: [lead-{n}@example.com]
status: open
"""
SEVERITIES = ("low", "normal", "high", "urgent", "critical")


def generate(directory: Path, count: int) -> Path:
    """Write ``count`` valid case files under ``directory/cases`` (100 per subfolder)."""
    cases = directory / "cases"
    for n in range(count):
        folder = cases / f"team-{n // 100:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        text = CASE.format(n=n, severity=SEVERITIES[n % len(SEVERITIES)], percent=n % 40 + 1)
        (folder / f"case-{n:05d}.yaml").write_text(text, encoding="utf-8")
    return cases


def median_seconds(command: list[str], cwd: Path, repeat: int) -> float:
    """The median wall time of ``command`` over ``repeat`` runs; every run must succeed."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            output = (result.stdout + result.stderr)[-2000:]
            sys.exit(f"{' '.join(command[:3])} ... failed with exit code {result.returncode}:\n{output}")
    return statistics.median(times)


def main() -> None:
    """Generate the files, time both tools, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        directory = Path(temp)
        cases = generate(directory, args.files)
        files = sorted(str(path.relative_to(directory)) for path in cases.rglob("*.yaml"))
        ours = median_seconds([sys.executable, "-m", "provider", "validate", "cases"], directory, args.repeat)
        theirs = median_seconds(
            [str(BIN / "check-jsonschema"), "--schemafile", str(SCHEMA), *files], directory, args.repeat
        )
    print(f"{args.files:,} case files, median of {args.repeat} runs (Python {sys.version.split()[0]})")
    print(f"  python -m provider validate   {ours:6.2f} s")
    print(f"  check-jsonschema --schemafile {theirs:6.2f} s")
    print(f"  ratio (check-jsonschema / validate): {theirs / ours:.1f}x")


if __name__ == "__main__":
    main()
