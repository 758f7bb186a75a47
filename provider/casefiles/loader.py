"""Load case files: find them, parse them with positions, validate them, and name them.

``load_cases`` is what ``validate`` runs and what the provider builds on; ``check_spec`` applies the
same checks to a document that is already parsed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provider.casefiles.attachments import attachment_issues, attachment_path
from provider.casefiles.schema import Issue, schema_issues, with_defaults
from provider.casefiles.yamlmarks import MarkedDocument, YamlError, parse

__all__ = ["Case", "Problem", "attachment_path", "check_spec", "find_root", "load_cases"]

CASE_SUFFIXES = (".yaml", ".yml")
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
        """``file:line:col: message``, or ``file: message`` without a position."""
        where = f"{self.file}:{self.line}:{self.col}" if self.line else self.file
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
    cases: list[Case] = []
    problems: list[Problem] = []
    by_name: dict[str, list[Path]] = {}
    for file, base in _case_files(paths):
        if not file.exists():
            problems.append(Problem(_display(file), 0, 0, "no such file or directory"))
            continue
        by_name.setdefault(_case_name(file, base, root), []).append(file)
    for name, files in by_name.items():
        for file in files:
            case, found = _load_file(file, name, root)
            others = [_display(other) for other in files if other != file]
            if others:
                found.append(
                    Problem(
                        _display(file), 0, 0, f"case name '{name}' is also the name of {', '.join(others)}"
                    )
                )
            problems.extend(found)
            if case and not found:
                cases.append(case)
    return cases, problems


def check_spec(spec: dict[str, Any], *, source: str, root: Path) -> list[Problem]:
    """Validate a parsed case document like ``validate`` does, without file positions (line and col 0)."""
    return [Problem(source, 0, 0, issue.message, issue.pointer) for issue in _issues(spec, source, root)]


def _issues(spec: Any, source: str, root: Path) -> list[Issue]:
    issues = schema_issues(spec)
    if isinstance(spec, dict):
        issues += attachment_issues(spec, source=source, root=root)
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


def _case_name(file: Path, base: Path, root: Path) -> str:
    """The path under the innermost ``cases`` directory (inside the repository, or at or under ``base``
    outside it), else under ``base``; without the extension."""
    scope = root if file.is_relative_to(root) else base.parent
    anchor = next((parent for parent in _parents_until(file, scope) if parent.name == "cases"), base)
    return file.relative_to(anchor).with_suffix("").as_posix()


def _parents_until(file: Path, scope: Path) -> Iterator[Path]:
    for parent in file.parents:
        if parent == scope:
            return
        yield parent


def _load_file(file: Path, name: str, root: Path) -> tuple[Case | None, list[Problem]]:
    shown = _display(file)
    source = file.relative_to(root).as_posix() if file.is_relative_to(root) else file.as_posix()
    try:
        raw = file.read_bytes()
    except OSError as error:
        return None, [Problem(shown, 0, 0, f"cannot read the file: {error.strerror}")]
    try:
        text = raw.decode("utf-8").removeprefix(_BOM)
    except UnicodeDecodeError as error:
        line_start = raw.rfind(b"\n", 0, error.start) + 1
        line = raw.count(b"\n", 0, error.start) + 1
        col = len(raw[line_start : error.start].decode("utf-8", "replace")) + 1
        message = f"the file is not valid UTF-8 (byte 0x{raw[error.start]:02x}); save it as UTF-8"
        return None, [Problem(shown, line, col, message)]
    try:
        document = parse(text)
    except YamlError as error:
        return None, [Problem(shown, error.position.line, error.position.col, error.message)]
    if document is None:
        return None, [Problem(shown, 1, 1, "the file is empty: a case needs subject and communicationBody")]
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
    problems += [_locate(issue, shown, document) for issue in _issues(document.data, source, root)]
    if problems:
        return None, sorted(problems, key=lambda problem: (problem.line, problem.col))
    return Case(name, source, with_defaults(document.data)), []


def _locate(issue: Issue, shown: str, document: MarkedDocument) -> Problem:
    where = document.position(issue.pointer, key=issue.at_key)
    return Problem(shown, where.line, where.col, issue.message, issue.pointer)


def _display(file: Path) -> str:
    cwd = Path.cwd()
    return str(file.relative_to(cwd)) if file.is_relative_to(cwd) else str(file)
