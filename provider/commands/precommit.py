"""``supportcases precommit [FILE ...]``: the pre-commit hook of .pre-commit-hooks.yaml.

pre-commit passes the files a commit adds or changes, never those it deletes. Checked, as ``validate``
checks them and with one summary: the case files among them, and every case file that attaches one of
them or a file the commit deletes or renames away (read from git's index), so that a commit cannot
remove or swap the evidence a case names without its case file being checked again.
"""

from __future__ import annotations

import argparse
import posixpath
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from provider.casefiles.attachments import _attachments as written_attachments
from provider.casefiles.loader import CASE_SUFFIXES, MAX_CASE_FILE_BYTES, find_root
from provider.casefiles.yamlmarks import YamlError, parse

EXIT_OK = 0


def add_precommit_command(subcommands: Any) -> None:
    """Add ``precommit`` to the command line."""
    parser = subcommands.add_parser(
        "precommit",
        help="the pre-commit hook: validate the case files a commit changes and those whose attachments "
        "it changes or deletes",
        description="Validate the case files among FILE (the files pre-commit passes), and every case file "
        "under --cases that attaches one of FILE or a file the staged commit deletes. One summary; exit 0 "
        "when all are valid, 1 otherwise.",
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="files the commit adds or changes")
    parser.add_argument(
        "--cases", default="cases", metavar="DIR", help="where the case files are (default: cases)"
    )
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from provider.commands.cli import main  # the command line imports this module

    root = find_root()
    cases = root / args.cases
    changed = {_relative(root, Path(name)) for name in args.files}
    is_case = {name for name in changed if _is_case_file(name, args.cases)}
    touched = (changed - is_case) | _staged_deletions(root)
    selected = is_case | (set(_attaching(root, cases, touched)) if touched else set())
    if not selected:
        print("precommit: no case file to check")
        return EXIT_OK
    return main(["validate", "--", *sorted(selected)])


def _relative(root: Path, path: Path) -> str:
    """``path`` as a POSIX path relative to the repository root (pre-commit gives them so already)."""
    absolute = path if path.is_absolute() else Path.cwd() / path
    return Path(posixpath.normpath(absolute.as_posix())).relative_to(root).as_posix()


def _is_case_file(name: str, folder: str) -> bool:
    return name.startswith(f"{folder.rstrip('/')}/") and name.endswith(CASE_SUFFIXES)


def _staged_deletions(root: Path) -> set[str]:
    """The paths the staged commit deletes, a rename's old name included (none outside a git work tree)."""
    command = ["git", "diff", "--cached", "--name-only", "--no-renames", "--diff-filter=D", "-z"]
    try:
        result = subprocess.run(command, cwd=root, capture_output=True, check=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return set()
    return {name for name in result.stdout.decode("utf-8", "surrogateescape").split("\0") if name}


def _attaching(root: Path, cases: Path, touched: set[str]) -> Iterable[str]:
    """The case files under ``cases`` that attach one of ``touched`` (paths relative to ``root``).

    A case file that cannot be read or parsed is left out: ``validate`` reports it whenever it changes.
    """
    for suffix in CASE_SUFFIXES:
        for file in cases.rglob(f"*{suffix}"):
            source = file.relative_to(root).as_posix()
            try:
                if not file.is_file() or file.stat().st_size > MAX_CASE_FILE_BYTES:
                    continue
                document = parse(file.read_text(encoding="utf-8").removeprefix("\ufeff"))
            except (OSError, UnicodeDecodeError, YamlError):
                continue
            if document is None or not isinstance(document.data, dict):
                continue
            named = {
                posixpath.normpath(posixpath.join(posixpath.dirname(source), written))
                for _, written in written_attachments(document.data)
            }
            if named & touched:
                yield source
