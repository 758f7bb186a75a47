"""Case-file problems as GitHub Actions annotations: ``::error file=...,line=...,col=...::message``.

GitHub shows at most 10 error annotations per step (actions/toolkit, docs/problem-matchers.md,
"Limitations"), so the first 10 problems become annotations and every problem is listed in the job
summary (``$GITHUB_STEP_SUMMARY``) when the step has one. Values are escaped as the toolkit's
``core/src/command.ts`` escapes them (``%``, CR, LF; and ``:`` ``,`` in properties).
"""

from __future__ import annotations

from collections.abc import Sequence

from provider.casefiles.loader import Problem

MAX_ANNOTATIONS = 10


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(problem: Problem) -> str:
    """One workflow command; the position is left out when the problem has none."""
    properties = [f"file={_property(problem.file)}"]
    if problem.line:
        properties.append(f"line={problem.line}")
        if problem.col:
            properties.append(f"col={problem.col}")
    properties.append("title=case file")
    return f"::error {','.join(properties)}::{_data(problem.message)}"


def annotations(problems: Sequence[Problem]) -> list[str]:
    """Annotations for the first problems, and a notice naming where the others are."""
    lines = [annotation(problem) for problem in problems[:MAX_ANNOTATIONS]]
    if len(problems) > MAX_ANNOTATIONS:
        rest = len(problems) - MAX_ANNOTATIONS
        lines.append(
            f"::notice::{rest:,} more problem(s) in the case files: see the job summary of this step"
        )
    return lines


def summary_table(problems: Sequence[Problem]) -> str:
    """Every problem as a Markdown table for the job summary."""
    rows = ["### Case file problems", "", "| file | line | col | problem |", "| --- | --- | --- | --- |"]
    for problem in problems:
        message = problem.message.replace("|", "\\|").replace("\n", " ")
        rows.append(f"| `{problem.file}` | {problem.line or ''} | {problem.col or ''} | {message} |")
    return "\n".join(rows) + "\n"
