"""The ``python -m provider`` command line: one argparse subcommand per task.

To add a subcommand, write a ``_<name>_command(subcommands)`` function that adds its parser with a
help text and sets ``run`` (``args -> exit code``), and list it in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeAlias

import yaml

from provider import __version__
from provider.aws.support_api import ApiSettings
from provider.casefiles.loader import Case, Problem, find_root, load_cases
from provider.commands.catalogue import add_catalogue_command
from provider.commands.ci import add_ci_command
from provider.commands.comment import add_comment_command
from provider.commands.init import add_init_command
from provider.commands.log import add_log_command
from provider.commands.new import add_new_command
from provider.commands.plans import add_plans_command
from provider.commands.precommit import add_precommit_command
from provider.commands.recover import add_recover_command
from provider.commands.status import add_status_command
from provider.commands.sync import add_sync_command
from provider.commands.transcripts import add_transcripts_command
from provider.conversation.stackstate import read_config
from provider.review.annotations import annotations, summary_table
from provider.review.document import exit_status, plan_document
from provider.review.markdown import DEFAULT_REST, render_markdown
from provider.review.stackplan import stack_plan
from provider.review.state import (
    StateError,
    export_state,
    read_state,
    selected_stack,
    stack_of,
)
from provider.review.text import render_text
from provider.rules.check import apply_rules

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
    parser.add_argument(
        "--format",
        choices=("text", "github"),
        default="text",
        help="github: GitHub Actions annotations (::error file=...,line=...,col=...::) for the first 10 "
        "problems, and every problem in $GITHUB_STEP_SUMMARY when set (default: text)",
    )
    parser.set_defaults(run=_run_validate)


def _add_paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        default=["cases"],
        metavar="PATH",
        help="case files or directories searched for *.yaml and *.yml (default: cases)",
    )


def _load(command: str, paths: list[str], *, show: bool = True) -> tuple[list[Case], list[Problem]] | None:
    """Load the case files (printing their problems when ``show``); None (after saying why) when a path
    is missing."""
    missing = [path for path in paths if not Path(path).exists()]
    if missing:
        print(f"{command}: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return None
    cases, problems = load_cases(paths)
    cases, problems = apply_rules(cases, problems, root=find_root())  # rules.yaml, plans: docs/rules.md
    problems.sort(key=lambda p: (p.file, p.line, p.col))
    if show:
        for problem in problems:
            print(problem)
    return cases, problems


def _run_validate(args: argparse.Namespace) -> int:
    loaded = _load("validate", args.paths, show=args.format == "text")
    if loaded is None:
        return EXIT_USAGE
    cases, problems = loaded
    if args.format == "github":
        for line in annotations(problems):
            print(line)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary and problems:
            with open(summary, "a", encoding="utf-8") as out:
                out.write(summary_table(problems))
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
        help="print what `pulumi up` would say to AWS, with its fingerprint (for review in a pull request)",
        description="Plan every case file under PATH (default: cases/) against the stack state, with the "
        "provider's own planning core, and print every message `pulumi up` would send, a summary table, "
        "warnings and the plan's fingerprint. Never calls AWS. Exit 0 when the plan can be applied, 1 when "
        "a case file has problems or an edit is refused; with --detailed-exitcode: 0 no changes, 1 error, "
        "2 changes. Rendering a saved plan (--from-plan) exits 0 unless --detailed-exitcode is given.",
    )
    _add_paths(parser)
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--state", metavar="FILE", help="a `pulumi stack export` file ('-' for standard input)"
    )
    source.add_argument(
        "--stack", metavar="NAME", help="run `pulumi stack export --stack NAME` (default: the selected stack)"
    )
    source.add_argument(
        "--from-plan", metavar="FILE", help="render a plan saved with --format json (no case file is read)"
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="the stack's Pulumi.<stack>.yaml, for supportcases:referenceTrailer (default: `pulumi config "
        "--json`, or none with --state)",
    )
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    parser.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="as terraform plan: 0 no changes, 1 error, 2 changes to apply",
    )
    parser.add_argument(
        "--max-size",
        type=int,
        metavar="BYTES",
        help="markdown: fit into BYTES (UTF-8) keeping the summary and whole cases only, e.g. 65536 for a "
        "GitHub comment, 1048576 for a job summary",
    )
    parser.add_argument(
        "--rest",
        metavar="TEXT",
        default=DEFAULT_REST,
        help="markdown with --max-size: where the cases left out can be read (Markdown)",
    )
    parser.set_defaults(run=_run_plan)


def _plan_document(args: argparse.Namespace) -> dict[str, Any] | None:
    """The plan document of the case files and the stack state, or of a saved plan; None on usage errors."""
    if args.from_plan:
        return read_state(args.from_plan)
    loaded = _load("plan", args.paths, show=False)
    if loaded is None:
        return None
    cases, problems = loaded
    if problems:  # the stack is named in the marker of the comment that lists them
        found = stack_of(read_state(args.state)) if args.state else None
        stack = args.stack or (found[1] if found else None)
        return plan_document([], find_root(), stack=stack, problems=problems)
    state = read_state(args.state) if args.state else export_state(args.stack)
    project, stack = _project_and_stack(args, state)
    settings = ApiSettings.from_config(read_config(args))
    return stack_plan(cases, state, settings, f"{project}/{stack}", find_root(), stack=stack)


def _project_and_stack(args: argparse.Namespace, state: dict[str, Any]) -> tuple[str, str]:
    """The project and stack whose names the program gives each case's reference trailer."""
    found = stack_of(state)
    stack = args.stack.rsplit("/", 1)[-1] if args.stack else found[1] if found else None
    if stack is None and not args.state:  # the selected stack, never deployed: every case is new
        stack = selected_stack()
    if stack is None:
        raise StateError("this state has no resource to tell the stack's name by: give --stack NAME")
    if found:
        return found[0], stack
    try:
        project = yaml.safe_load((find_root() / "Pulumi.yaml").read_text(encoding="utf-8"))["name"]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as error:
        raise StateError(f"cannot read the project's name from Pulumi.yaml: {error}") from None
    return str(project), stack


def _run_plan(args: argparse.Namespace) -> int:
    failed = EXIT_PROBLEMS if args.detailed_exitcode else EXIT_USAGE
    try:
        document = _plan_document(args)
    except StateError as error:
        print(f"plan: {error}", file=sys.stderr)
        return failed
    if document is None:
        return failed
    if args.format == "json":
        print(json.dumps(document, indent=2, ensure_ascii=False))
    elif args.format == "markdown":
        print(render_markdown(document, limit=args.max_size, rest=args.rest), end="")
    else:
        print(render_text(document), end="")
    if args.from_plan and not args.detailed_exitcode:
        return EXIT_OK  # a rendering of a plan whose exit code was given when it was made
    return exit_status(document, detailed=args.detailed_exitcode)


COMMANDS: tuple[Callable[[Subcommands], None], ...] = (
    _validate_command,
    _plan_command,
    add_comment_command,
    add_recover_command,
    add_new_command,
    add_status_command,
    add_log_command,
    add_transcripts_command,
    add_sync_command,
    add_catalogue_command,
    add_plans_command,
    add_init_command,
    add_precommit_command,
    add_ci_command,
)


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m provider`` parser with every subcommand in ``COMMANDS``."""
    parser = argparse.ArgumentParser(prog="python -m provider", description="AWS Support cases as code.")
    parser.add_argument("--version", action="version", version=f"supportcases {__version__}")
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
