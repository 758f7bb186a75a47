"""Load case files: find them, parse them with positions, validate them, and name them.

``load_cases`` is what ``validate`` runs and what the provider builds on; ``check_spec`` applies the
same checks to a document that is already parsed. The checks: the schema, the repository's catalogue
(``catalogue/aws-support.json``), the attached files, the names (the file's own, which the engine's URNs
must carry, and ``aliases``), and across files: one case name per file, one file per existing case.
"""

from __future__ import annotations

import functools
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provider.casefiles.attachable import Policy, PolicyError, policy
from provider.casefiles.attachments import attachment_file, attachment_issues
from provider.casefiles.catalogue import CATALOGUE_FILE, Catalogue, CatalogueError, find_catalogue
from provider.casefiles.names import (
    CASE_SUFFIXES,
    alias_conflicts,
    alias_issues,
    case_name,
    case_name_problem,
    written_aliases,
)
from provider.casefiles.onecase import same_case_issues
from provider.casefiles.schema import Issue, schema_issues, with_defaults
from provider.casefiles.shown import printable
from provider.casefiles.yamlmarks import MarkedDocument, YamlError, parse

__all__ = [
    "CASE_SUFFIXES",
    "Case",
    "Problem",
    "attachment_file",
    "check_spec",
    "find_root",
    "load_cases",
]

MAX_CASE_FILE_BYTES = 1024 * 1024  # 1 MB: 130 messages of 8,000 characters; anything larger is not a case
_ROOT_MARKERS = ("Pulumi.yaml", ".git")
_BOM = "\ufeff"


@dataclass(frozen=True)
class Problem:
    """One mistake in a case file, located for the author."""

    file: str  # the case file as the user should see it (relative to the cwd when inside it)
    line: int  # 1-based; 0 when no YAML position is known
    col: int  # 1-based; 0 when unknown
    message: str
    pointer: tuple[str | int, ...] = ()  # where in the document; () is the whole file

    def __str__(self) -> str:
        """``file:line:col: message``, or ``file: message`` without a position; the file name escaped."""
        file = printable(self.file)
        where = f"{file}:{self.line}:{self.col}" if self.line else file
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Case:
    """A valid case file."""

    name: str  # its path under cases/ without the extension: "prod/rds"
    source: str  # the case file, POSIX path relative to the repository root: "cases/prod/rds.yaml"
    spec: dict[str, Any]  # the validated document with the schema's defaults filled in


def find_root(start: Path | None = None) -> Path:
    """The repository root: the nearest ancestor of ``start`` (default: the cwd) with Pulumi.yaml or .git."""
    here = Path(os.path.abspath(start or Path.cwd()))
    for directory in (here, *here.parents):
        if any((directory / marker).exists() for marker in _ROOT_MARKERS):
            return directory
    return here


def load_cases(
    paths: Sequence[str | Path] = ("cases",), *, root: Path | None = None
) -> tuple[list[Case], list[Problem]]:
    """Load and validate every case file under ``paths``: the valid cases and every problem found.

    Directories are searched recursively for ``*.yaml``/``*.yml``; a file named directly is read
    whatever its extension. A file with any problem yields no case.
    """
    root = Path(os.path.abspath(root)) if root else find_root()
    real_dir = functools.cache(os.path.realpath)  # each folder's real path, found once
    problems: list[Problem] = []
    by_name: dict[str, list[Path]] = {}
    for file, base in _case_files(paths):
        if not file.exists():
            problems.append(Problem(_display(file), 0, 0, "no such file or directory"))
            continue
        by_name.setdefault(case_name(file, base, root), []).append(file)
    catalogue = _catalogue(root, problems)
    allowed = _Attachable(root, problems)
    loaded: dict[str, tuple[Case, MarkedDocument]] = {}
    for name, files in by_name.items():
        unfit = case_name_problem(name)
        for file in files:
            case, document, found = _load_file(file, name, root, real_dir, catalogue, allowed)
            # a problem of the file name: at line 1, col 1 of the file
            found[:0] = [Problem(_display(file), 1, 1, unfit)] if unfit else []
            others = [_display(other) for other in files if other != file]
            if others:
                message = f"case name '{printable(name)}' is also the name of {', '.join(others)}"
                found.insert(0, Problem(_display(file), 1, 1, message))
            problems.extend(found)
            if case and document and not found:
                loaded[name] = (case, document)
    shown = {name: [_display(file) for file in files] for name, files in by_name.items()}
    aliases = {name: written for name, (case, _) in loaded.items() if (written := written_aliases(case.spec))}
    across = alias_conflicts(aliases, shown) if aliases else {}
    specs = {name: case.spec for name, (case, _) in loaded.items()}
    for name, issues in same_case_issues(specs, shown).items():
        across.setdefault(name, []).extend(issues)
    for name, issues in sorted(across.items()):
        case, document = loaded.pop(name)
        problems += [_locate(issue, shown[name][0], document) for issue in issues]
    return [case for case, _ in loaded.values()], problems


def check_spec(spec: dict[str, Any], *, source: str, root: Path, name: str | None = None) -> list[Problem]:
    """Validate a parsed case document like ``validate`` does, without file positions (line and col 0);
    ``name``, the case's name, for the checks of its ``aliases``."""
    problems: list[Problem] = []
    catalogue = _catalogue(Path(os.path.abspath(root)), problems)
    issues = _issues(spec, source, root, catalogue, name, _Attachable(root, problems))
    return problems + [Problem(source, 0, 0, issue.message, issue.pointer) for issue in issues]


def _catalogue(root: Path, problems: list[Problem]) -> Catalogue | None:
    """The repository's catalogue, or None; a broken one is a problem of its own."""
    try:
        return find_catalogue(root)
    except CatalogueError as error:
        shown = _display(root / CATALOGUE_FILE)
        problems.append(Problem(shown, error.line, error.col, error.message))
        return None


class _Attachable:
    """The repository's attachment policy, read when a case first attaches a file; a broken one (its
    ``supportcases.yaml``, git) is a problem of its own, said once."""

    def __init__(self, root: Path, problems: list[Problem]) -> None:
        self.root, self.problems = root, problems
        self.read: tuple[Policy | None] | None = None

    def __call__(self) -> Policy | None:
        if self.read is None:
            try:
                self.read = (policy(self.root),)
            except PolicyError as error:
                shown = _display(self.root / error.file)
                self.problems.append(Problem(shown, error.line, error.col, error.message))
                self.read = (None,)
        return self.read[0]


def _issues(
    spec: Any,
    source: str,
    root: Path,
    catalogue: Catalogue | None,
    name: str | None,
    allowed: Callable[[], Policy | None],
) -> list[Issue]:
    issues = schema_issues(spec)
    if isinstance(spec, dict):
        flagged = {issue.pointer for issue in issues}
        if catalogue:
            issues += catalogue.issues(spec, flagged)
        issues += alias_issues(spec, name, flagged)
        issues += attachment_issues(spec, source=source, root=root, allowed=allowed)
    return issues


def _case_files(paths: Sequence[str | Path]) -> Iterator[tuple[Path, Path]]:
    """Each case file once, with the directory argument it was found under (its parent for a file)."""
    seen: set[Path] = set()
    for argument in paths:
        path = Path(os.path.abspath(argument))
        found = _walk(path) if path.is_dir() else [path]
        for file in found:
            if file not in seen:
                seen.add(file)
                yield file, path if path.is_dir() else path.parent


def _walk(directory: Path) -> list[Path]:
    return sorted(
        Path(folder, name)
        for folder, _, names in os.walk(directory)
        for name in names
        if name.endswith(CASE_SUFFIXES)
    )


def _load_file(
    file: Path,
    name: str,
    root: Path,
    real_dir: Callable[[Path], str],
    catalogue: Catalogue | None,
    allowed: Callable[[], Policy | None],
) -> tuple[Case | None, MarkedDocument | None, list[Problem]]:
    shown = _display(file)
    inside = file.is_relative_to(root)
    source = file.relative_to(root).as_posix() if inside else file.as_posix()
    escape = _escape(file, real_dir(root), real_dir) if inside else None
    if escape:
        return (
            None,
            None,
            [Problem(shown, 0, 0, f"the case file resolves outside the repository (to {printable(escape)})")],
        )
    raw = _read(file, shown)
    if isinstance(raw, Problem):
        return None, None, [raw]
    try:
        text = raw.decode("utf-8").removeprefix(_BOM)
    except UnicodeDecodeError as error:
        line, col = _position_of_byte(raw, error.start)
        message = f"the file is not valid UTF-8 (byte 0x{raw[error.start]:02x}); save it as UTF-8"
        return None, None, [Problem(shown, line, col, message)]
    try:
        document = parse(text)
    except YamlError as error:
        return None, None, [Problem(shown, error.position.line, error.position.col, error.message)]
    if document is None:
        message = "the file is empty: a case needs subject and communicationBody"
        return None, None, [Problem(shown, 1, 1, message)]
    problems = [
        Problem(
            shown,
            d.position.line,
            d.position.col,
            f"duplicate key '{d.pointer[-1]}' (first at line {d.first.line})",
            d.pointer,
        )
        for d in document.duplicates
    ]
    issues = _issues(document.data, source, root, catalogue, name, allowed)
    problems += [_locate(issue, shown, document) for issue in issues]
    if problems:
        return None, None, sorted(problems, key=lambda problem: (problem.line, problem.col))
    return Case(name, source, with_defaults(document.data)), document, []


def _escape(file: Path, real_root: str, real_dir: Callable[[Path], str]) -> str | None:
    """Where a case file inside the repository really is, when that is outside it (through a symlink)."""
    real = os.path.realpath(file) if os.path.islink(file) else os.path.join(real_dir(file.parent), file.name)
    return None if real.startswith(real_root + os.sep) else real


def _read(file: Path, shown: str) -> bytes | Problem:
    """The bytes of a case file, or the problem that keeps it from being read: not a regular file (a FIFO
    would block), over MAX_CASE_FILE_BYTES (read no further)."""
    try:
        # non-blocking, so that a FIFO answers at once: it is refused just below
        with open(os.open(file, os.O_RDONLY | os.O_NONBLOCK), "rb") as handle:
            status = os.fstat(handle.fileno())
            if not stat.S_ISREG(status.st_mode):
                return Problem(shown, 0, 0, "not a regular file")
            wanted = min(status.st_size, MAX_CASE_FILE_BYTES) + 1  # not a 1 MB buffer for every file
            raw = handle.read(wanted)
            if len(raw) == wanted:  # larger than the limit, or grown since: read on to the limit
                raw += handle.read(MAX_CASE_FILE_BYTES + 1 - len(raw))
    except OSError as error:
        return Problem(shown, 0, 0, f"cannot read the file: {error.strerror}")
    if len(raw) > MAX_CASE_FILE_BYTES:
        line, col = _position_of_byte(raw, MAX_CASE_FILE_BYTES)
        message = (
            f"the file is {max(status.st_size, len(raw)):,} bytes, over the {MAX_CASE_FILE_BYTES:,}-byte "
            "limit for a case file; attach long text as a file instead"
        )
        return Problem(shown, line, col, message)
    return raw


def _position_of_byte(raw: bytes, offset: int) -> tuple[int, int]:
    """The 1-based line and column (in characters) of the byte at ``offset``."""
    line_start = raw.rfind(b"\n", 0, offset) + 1
    return raw.count(b"\n", 0, offset) + 1, len(raw[line_start:offset].decode("utf-8", "replace")) + 1


def _locate(issue: Issue, shown: str, document: MarkedDocument) -> Problem:
    where = document.position(issue.pointer, key=issue.at_key)
    return Problem(shown, where.line, where.col, issue.message, issue.pointer)


def _display(file: Path) -> str:
    """The file as every problem shows it: relative to the cwd when inside it, each character that is not
    printable escaped (a newline or a right-to-left override in a file name would split or reorder
    ``file:line:col``)."""
    cwd = Path.cwd()
    return printable(str(file.relative_to(cwd)) if file.is_relative_to(cwd) else str(file))
