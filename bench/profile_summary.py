"""Summarise py-spy's collapsed stacks (``--format raw``): the hottest functions of each process.

Usage: .venv/bin/python -m bench.profile_summary PROFILE.txt [--top 15]

py-spy samples running threads only (idle ones are left out, as far as it can tell), so the counts are
mostly CPU samples. A file recorded with ``--subprocesses`` starts each stack with its chain of processes
(``process 123:"python -m pulumi.dynamic"``); samples are grouped by the innermost.
For each process it lists the functions on the most stacks (inclusive) and at the top of the most
stacks (self), with their share of that process's samples.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

_PROCESS = re.compile(r'^process \d+:"(?P<command>[^"]*)"')


def _frame_name(frame: str) -> str:
    """``fn (path/to/module.py:12)`` -> ``fn (path/to/module.py)``: one entry per function, not per line."""
    name, _, where = frame.partition(" (")
    return f"{name} ({where.rpartition(':')[0]})" if where else name


def _short(command: str) -> str:
    """A process's command line without its addresses and long arguments."""
    words = [word.rpartition("/")[2] for word in command.split() if not word[:1].isdigit()]
    return " ".join(words[:4])


def summarise(profile: Path, top: int = 15) -> str:
    """The summary of one collapsed-stack file as text."""
    inclusive: dict[str, Counter[str]] = {}
    own: dict[str, Counter[str]] = {}
    totals: Counter[str] = Counter()
    for line in profile.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        processes = [match.group("command") for match in map(_PROCESS.match, frames) if match]
        process = _short(processes[-1]) if processes else "process"
        frames = [_frame_name(frame) for frame in frames[len(processes) :]]
        samples = int(count)
        totals[process] += samples
        inclusive.setdefault(process, Counter()).update(dict.fromkeys(set(frames), samples))
        own.setdefault(process, Counter())[frames[-1] if frames else "?"] += samples
    out = [f"{profile.name}: CPU samples by process (py-spy, 100 per second)"]
    for process, total in totals.most_common():
        out.append(f"\n{process}: {total} samples")
        for title, counter in (("inclusive", inclusive[process]), ("self", own[process])):
            out.append(f"  {title}:")
            out += [f"    {100 * n / total:5.1f}%  {name}" for name, n in counter.most_common(top)]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    print(summarise(args.profile, args.top))


if __name__ == "__main__":
    main()
