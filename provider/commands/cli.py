"""The ``python -m provider`` command line: one argparse subcommand per task.

To add a subcommand, write a ``_<name>_command(subcommands)`` function that adds its parser with a
help text and sets ``run`` (``args -> exit code``), and list it in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeAlias

from provider.casefiles.loader import Case, Problem, load_cases
from provider.commands.review import records_from_state, render, review

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2

Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def _validate_command(subcommands: Subcommands) -> None:
    parser = subcommands.add_parser(
        "validate",
        help="check case files against the schema and the repository, without calling AWS",
        description="Check every case file under PATH (default: cases/) and report every problem as "
        "path:line:col: message, then a summary. Exit 0 when all are valid, 1 otherwise.",
    )
    _add_paths(parser)
    parser.set_defaults(run=_run_validate)


def _add_paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        default=["cases"],
        metavar="PATH",
        help="case files or directories searched for *.yaml and *.yml (default: cases)",
    )


def _load(command: str, paths: list[str]) -> tuple[list[Case], list[Problem]] | None:
    """Load the case files and print their problems; None (after saying why) when a path is missing."""
    missing = [path for path in paths if not Path(path).exists()]
    if missing:
        print(f"{command}: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return None
    cases, problems = load_cases(paths)
    for problem in sorted(problems, key=lambda p: (p.file, p.line, p.col)):
        print(problem)
    return cases, problems


def _run_validate(args: argparse.Namespace) -> int:
    loaded = _load("validate", args.paths)
    if loaded is None:
        return EXIT_USAGE
    cases, problems = loaded
    bad_files = len({problem.file for problem in problems})
    total = len(cases) + bad_files
    if problems:
        print(f"{_count(len(problems), 'problem')} in {bad_files:,} of {_count(total, 'case file')}")
        return EXIT_PROBLEMS
    print(f"{_count(total, 'case file')} OK")
    return EXIT_OK


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _plan_command(subcommands: Subcommands) -> None:
    parser = subcommands.add_parser(
        "plan",
        help="print, as Markdown, what `pulumi up` would say to AWS (for a pull-request comment)",
        description="Plan every case file under PATH (default: cases/) against the stack state, with the "
        "provider's own planning core, and print the messages `pulumi up` would send. Never calls AWS. "
        "Exit 0 when the plan can be applied, 1 when a case file has problems or an edit is refused.",
    )
    _add_paths(parser)
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--state", metavar="FILE", help="a `pulumi stack export` file ('-' for standard input)"
    )
    source.add_argument(
        "--stack", metavar="NAME", help="run `pulumi stack export --stack NAME` (default: the selected stack)"
    )
    parser.set_defaults(run=_run_plan)


def _read_state(args: argparse.Namespace) -> dict:
    if args.state == "-":
        return json.load(sys.stdin)
    if args.state:
        return json.loads(Path(args.state).read_text(encoding="utf-8"))
    command = ["pulumi", "stack", "export", *(["--stack", args.stack] if args.stack else [])]
    exported = subprocess.run(command, capture_output=True, text=True, check=False)
    if exported.returncode != 0:
        raise OSError(f"`{' '.join(command)}` failed: {exported.stderr.strip()}")
    return json.loads(exported.stdout)


def _run_plan(args: argparse.Namespace) -> int:
    loaded = _load("plan", args.paths)
    if loaded is None:
        return EXIT_USAGE
    cases, problems = loaded
    if problems:
        print(f"{_count(len(problems), 'problem')} in the case files; no plan")
        return EXIT_PROBLEMS
    try:
        state = _read_state(args)
    except (OSError, json.JSONDecodeError) as error:
        print(f"plan: cannot read the stack state: {error}", file=sys.stderr)
        return EXIT_USAGE
    plans = review(cases, records_from_state(state))
    print(render(plans))
    return EXIT_PROBLEMS if any(p.refusals for p in plans) else EXIT_OK


COMMANDS: tuple[Callable[[Subcommands], None], ...] = (_validate_command, _plan_command)


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m provider`` parser with every subcommand in ``COMMANDS``."""
    parser = argparse.ArgumentParser(prog="python -m provider", description="AWS Support cases as code.")
    subcommands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for add_command in COMMANDS:
        add_command(subcommands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (2 for usage errors)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:  # argparse exits on --help (0) and on usage errors (2)
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    return args.run(args)
