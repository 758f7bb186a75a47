"""``python -m provider new``: write a new case file from flags, or from prompts on a terminal.

Services, categories, severities and languages are offered from the repository's catalogue snapshot
(``catalogue/aws-support.json``); the document is checked like ``validate`` checks it before it is
written, so the file is valid as written.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import yaml

from provider.casefiles.catalogue import catalogue_file
from provider.casefiles.loader import CASE_SUFFIXES, check_spec, find_root
from provider.casefiles.names import name_problem
from provider.casefiles.schema import SCHEMA_PATH
from provider.casefiles.shown import printable

CATALOGUE = Path("catalogue") / "aws-support.json"
EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
SHOWN = 20  # services listed at once when a prompt's answer matches several
# The keys in the order of the example case files: what the case is about, then what is said.
KEY_ORDER = (
    "subject",
    "account",
    "serviceCode",
    "categoryCode",
    "severityCode",
    "issueType",
    "language",
    "communicationBody",
    "ccEmailAddresses",
)


@dataclass(frozen=True)
class Choice:
    """A code and its display name (a service, a category, a severity)."""

    code: str
    name: str


@dataclass(frozen=True)
class Catalogue:
    """What ``new`` offers: the catalogue's services (with categories), severity levels and languages."""

    services: Mapping[str, tuple[Choice, tuple[Choice, ...]]]
    severities: tuple[Choice, ...]
    languages: tuple[str, ...]

    @classmethod
    def read(cls, path: Path) -> Catalogue:
        """Read a catalogue snapshot (see docs/supportlocal.md); unknown keys are ignored."""
        document = json.loads(path.read_text(encoding="utf-8"))
        services = {
            service["code"]: (
                Choice(service["code"], service.get("name", service["code"])),
                tuple(Choice(c["code"], c.get("name", c["code"])) for c in service.get("categories", [])),
            )
            for service in document.get("services", [])
        }
        levels = document.get("severityLevels", [])
        severities = tuple(Choice(level["code"], level.get("name", level["code"])) for level in levels)
        return cls(services, severities, tuple(document.get("languages", [])))

    def service_problem(self, code: str) -> str | None:
        """Why ``code`` is not a service of the catalogue, or None."""
        if code in self.services:
            return None
        return f"unknown service code '{code}'{_close(code, self.services)}"

    def category_problem(self, service: str, code: str) -> str | None:
        """Why ``code`` is not a category of ``service`` in the catalogue, or None."""
        codes = [category.code for category in self.services[service][1]]
        if code in codes:
            return None
        return f"unknown category '{code}' for {service} (it has {', '.join(codes)}){_close(code, codes)}"


def _close(code: str, known: Any) -> str:
    close = difflib.get_close_matches(code, list(known), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


class Prompter:
    """Asks for what the flags left out, on a terminal."""

    def __init__(self, ask: Callable[[str], str], out: TextIO) -> None:
        self.ask = ask
        self.out = out

    def text(self, question: str, default: str = "") -> str:
        """One line; ``default`` when left empty. Asked again while empty without a default."""
        while True:
            answer = self.ask(f"{question}{f' [{default}]' if default else ''}: ").strip()
            if answer or default:
                return answer or default

    def body(self, question: str) -> str:
        """Several lines, ended by a line holding only '.' (or end of input)."""
        print(f"{question} (end with a line holding only '.'):", file=self.out)
        lines: list[str] = []
        while True:
            try:
                line = self.ask("")
            except EOFError:
                break
            if line == ".":
                break
            lines.append(line)
        return "\n".join(lines).strip("\n") or self.body(question)

    def pick(self, question: str, choices: Sequence[Choice], default: str = "") -> str:
        """A code from ``choices``: by number, by code, or by searching the names (listed when several)."""
        shown = list(choices) if len(choices) <= SHOWN else []
        self._list(shown)
        while True:
            answer = self.text(question, default)
            if answer.isdigit() and 1 <= int(answer) <= len(shown):
                return shown[int(answer) - 1].code
            exact = [c for c in choices if c.code == answer]
            if exact:
                return exact[0].code
            found = [c for c in choices if answer.lower() in f"{c.code} {c.name}".lower()]
            if len(found) == 1:
                return found[0].code
            shown = found[:SHOWN] or shown
            print(f"  {len(found)} match '{answer}'{':' if found else '; try part of a name'}", file=self.out)
            self._list(found[:SHOWN])

    def _list(self, choices: Sequence[Choice]) -> None:
        for number, choice in enumerate(choices, 1):
            print(f"  {number:>2}. {choice.code}  ({choice.name})", file=self.out)


def case_document(values: Mapping[str, Any]) -> dict[str, Any]:
    """The case document: the keys given, in the schema's order, empty ones left out."""
    return {key: values[key] for key in KEY_ORDER if values.get(key) not in (None, "", [])}


class _Dumper(yaml.SafeDumper):
    """Multi-line text as a literal block (``|``), as people write case files."""


_Dumper.add_representer(
    str,
    lambda dumper, text: dumper.represent_scalar(
        "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None
    ),
)


def render(document: Mapping[str, Any], path: Path, root: Path) -> str:
    """The case file's text: the schema for editors, a comment saying what comes next, the document."""
    schema = os.path.relpath(root / "schemas" / SCHEMA_PATH.name, path.parent)
    head = (
        f"# yaml-language-server: $schema={Path(schema).as_posix()}\n"
        "# Created with `python -m provider new`. The format: docs/case-files.md.\n"
        "# Once the case is open, write to AWS by appending to `communications:`; sent messages stay.\n"
    )
    return head + yaml.dump(dict(document), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def add_new_command(subcommands: Any) -> None:
    """Add ``new`` to the command line."""
    parser = subcommands.add_parser(
        "new",
        help="write a new case file from flags, or from prompts on a terminal",
        description="Write cases/NAME.yaml from the flags given; on a terminal, ask for the rest, offering "
        "the catalogue's services, categories and severities. The file is checked like `validate` checks "
        "it before it is written. Exit 0 when written, 1 when the values are not valid, 2 on usage errors.",
    )
    parser.add_argument(
        "name", nargs="?", metavar="NAME", help="the case name: cases/NAME.yaml (e.g. db/rds)"
    )
    parser.add_argument("--subject", help="the case's title")
    body = parser.add_mutually_exclusive_group()
    body.add_argument("--body", help="the description (the case's first message)")
    body.add_argument("--body-file", metavar="FILE", help="read the description from FILE ('-': stdin)")
    parser.add_argument("--service", help="the serviceCode, from the catalogue")
    parser.add_argument("--category", help="the categoryCode, from the service's categories in the catalogue")
    parser.add_argument("--severity", help="the severityCode (low, normal, high, urgent, critical)")
    parser.add_argument("--issue-type", choices=("technical", "customer-service"), help="default: technical")
    parser.add_argument("--language", help="the language AWS answers in (default: en)")
    parser.add_argument(
        "--cc", action="append", default=[], metavar="ADDRESS", help="a CC address (repeat it)"
    )
    parser.add_argument("--account", help="the account alias (stack config supportcases:accounts)")
    parser.add_argument("--catalogue", metavar="FILE", help=f"the catalogue snapshot (default: {CATALOGUE})")
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    root = find_root()
    try:
        catalogue = Catalogue.read(Path(args.catalogue) if args.catalogue else catalogue_file(root)[0])
        if args.body_file:
            args.body = sys.stdin.read() if args.body_file == "-" else Path(args.body_file).read_text("utf-8")
    except (OSError, ValueError, KeyError) as error:
        print(f"new: {error}", file=sys.stderr)
        return EXIT_USAGE
    if sys.stdin.isatty() and args.body_file != "-":
        _prompt(args, catalogue, Prompter(input, sys.stdout))
    missing = [f"--{flag}" for flag in ("subject", "body") if not getattr(args, flag)]
    if not args.name or missing:
        needed = " and ".join(["NAME"] * (not args.name) + missing)
        print(f"new: give {needed}, or run it on a terminal to be asked", file=sys.stderr)
        return EXIT_USAGE
    return _write(args, catalogue, root)


def _prompt(args: argparse.Namespace, catalogue: Catalogue, ask: Prompter) -> None:
    """Ask for every value the flags did not give."""
    args.name = args.name or ask.text("Case name (the file is cases/NAME.yaml)")
    args.subject = args.subject or ask.text("Subject")
    if not args.service:
        services = [service for service, _ in catalogue.services.values()]
        args.service = ask.pick("Service (a number, a code, or part of a name)", services)
    if not args.category and args.service in catalogue.services:
        args.category = ask.pick("Category", catalogue.services[args.service][1])
    args.severity = args.severity or ask.pick("Severity", catalogue.severities, "low")
    args.body = args.body or ask.body("Description")


def _catalogue_problems(args: argparse.Namespace, catalogue: Catalogue) -> list[str]:
    service = catalogue.service_problem(args.service) if args.service else None
    category = (
        catalogue.category_problem(args.service, args.category)
        if args.category and args.service in catalogue.services
        else None
    )
    if args.category and not args.service:
        category = "a category belongs to a service: give --service too"
    return [f"--service: {service}"] * bool(service) + [f"--category: {category}"] * bool(category)


def _name_problem(name: str, path: Path, root: Path) -> str | None:
    """Why NAME cannot be a new case file: with its extension, outside cases/, a name the engine's URNs
    cannot carry, or the name of a file already there under any case extension (``twin.yml`` beside a
    new ``twin.yaml`` would be two files of one case name)."""
    if name.endswith(CASE_SUFFIXES):
        return f"NAME is the case name, without {'/'.join(CASE_SUFFIXES)}"
    unfit = name_problem(name)
    if unfit:
        return f"NAME '{printable(name)}' {unfit}"
    if not path.resolve().is_relative_to((root / "cases").resolve()):
        return f"NAME '{name}' would leave cases/"
    taken = [twin for suffix in CASE_SUFFIXES if (twin := path.with_name(path.name + suffix)).exists()]
    if taken:
        return f"{taken[0].relative_to(root).as_posix()} exists already: case '{name}' has its file"
    return None


def _write(args: argparse.Namespace, catalogue: Catalogue, root: Path) -> int:
    path = root / "cases" / f"{args.name}.yaml"
    source = path.relative_to(root).as_posix()
    named = _name_problem(args.name, root / "cases" / args.name, root)
    problems = [named] if named else []
    problems += _catalogue_problems(args, catalogue)
    values = {
        "subject": args.subject,
        "account": args.account,
        "serviceCode": args.service,
        "categoryCode": args.category,
        "severityCode": args.severity,
        "issueType": args.issue_type,
        "language": args.language,
        "ccEmailAddresses": args.cc,
        "communicationBody": args.body.strip("\n"),
    }
    document = case_document(values)
    checked = check_spec(document, source=source, root=root)
    problems += [f"{_flag(problem.pointer)}: {problem.message}" for problem in checked]
    if problems:
        for problem in problems:
            print(f"new: {problem}", file=sys.stderr)
        return EXIT_PROBLEMS
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(document, path, root), encoding="utf-8")
    print(f"wrote {source}; check it with `python -m provider validate {source}`, then open a pull request")
    return EXIT_OK


_FLAGS = {
    "serviceCode": "--service",
    "categoryCode": "--category",
    "severityCode": "--severity",
    "issueType": "--issue-type",
    "communicationBody": "--body",
    "ccEmailAddresses": "--cc",
}


def _flag(pointer: tuple[str | int, ...]) -> str:
    """The flag that set the value a problem points at."""
    key = str(pointer[0]) if pointer else ""
    return _FLAGS.get(key, f"--{key}" if key else "the case")
