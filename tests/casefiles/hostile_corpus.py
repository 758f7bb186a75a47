"""The corpus of hostile and broken case files, and what ``validate`` must say about each.

Files in ``tests/casefiles/hostile/`` start with one ``# refused: LINE:COL: MESSAGE`` comment per
expected problem (non-ASCII escaped as ``\\uXXXX``). Files that need symlinks, FIFOs or megabytes are
made by :func:`install`, which puts the whole corpus into a repository.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "hostile"
CATALOGUE = HERE.parents[1] / "catalogue" / "aws-support.json"
VALID = "subject: Elevated 5xx errors on lb-1\ncommunicationBody: The target group returns HTTP 502.\n"
_POSITION = re.compile(r"^\d+:\d+: ")


def shown(line: str) -> str:
    """A problem line as the corpus writes it: non-ASCII escaped."""
    return line.encode("ascii", "backslashreplace").decode()


def expected_of(file: Path, path: str) -> list[str]:
    """The problem lines the ``# refused:`` comments of ``file`` announce, for the file at ``path``."""
    lines = []
    for raw in file.read_bytes().splitlines():
        if not raw.startswith(b"# refused: "):
            break
        said = raw.removeprefix(b"# refused: ").decode("ascii")
        lines.append(f"{path}:{said}" if _POSITION.match(said) else f"{path}: {said}")
    return lines


def install(root: Path) -> dict[str, list[str]]:
    """Put the corpus into the repository ``root`` (with the repository's catalogue): each case file's
    path (relative to ``root``) -> the problem lines ``validate`` must print for it, escaped."""
    (root / "catalogue").mkdir(exist_ok=True)
    shutil.copy(CATALOGUE, root / "catalogue" / "aws-support.json")
    hostile = root / "cases" / "hostile"
    hostile.mkdir(parents=True, exist_ok=True)
    expected = {}
    for file in sorted(CORPUS.glob("*.yaml")):
        shutil.copy(file, hostile / file.name)
        path = f"cases/hostile/{file.name}"
        expected[path] = expected_of(file, path)
    expected.update(_made(root))
    return expected


def _made(root: Path) -> dict[str, list[str]]:
    """The corpus files that need the file system: symlinks, FIFOs, sizes."""
    cases, hostile, outside = root / "cases", root / "cases" / "hostile", root.parent / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.txt").write_text("SECRET outside the repository\n")
    (outside / "case.yaml").write_text(VALID)
    (root / "secret.txt").write_text("inside the repository\n")
    (root / "logs" / "2026" / "nov").mkdir(parents=True, exist_ok=True)
    os.symlink("../logs/2026/nov", cases / "evidence")  # issue 9: cases/evidence -> ../logs/2026/nov
    (cases / "x.txt").write_text("the file the text names\n")
    os.symlink(outside / "secret.txt", hostile / "leak.txt")
    os.symlink("loop.log", hostile / "loop.log")
    os.mkfifo(hostile / "pipe.log")
    (hostile / "big.bin").write_bytes(b"\0" * (5 * 1024 * 1024 + 1))
    os.symlink(outside / "case.yaml", hostile / "case-file-symlink-outside.yaml")
    os.mkfifo(hostile / "case-file-fifo.yaml")
    huge = VALID + "# " + "x" * (3 * 1024 * 1024) + "\n"
    (hostile / "huge.yaml").write_text(huge)
    deep = VALID + "communications: " + "[" * 100_000 + "]" * 100_000 + "\n"
    (hostile / "nesting-100000-flow.yaml").write_text(deep)
    files = {
        "cases/symlink-then-dotdot-leaves.yaml": "attachments: [evidence/../../../secret.txt]\n",
        "cases/symlink-then-dotdot-elsewhere.yaml": "attachments: [evidence/../x.txt]\n",
        "cases/hostile/attachment-symlink-outside.yaml": "attachments: [leak.txt]\n",
        "cases/hostile/attachment-symlink-loop.yaml": "attachments: [loop.log]\n",
        "cases/hostile/attachment-fifo.yaml": "attachments: [pipe.log]\n",
        "cases/hostile/attachment-over-5mb.yaml": "attachments: [big.bin]\n",
    }
    for path, line in files.items():
        (root / path).write_text(VALID + line)
    for name in ("colon::name", "line\nbreak", "rtl\u202eevil"):  # names the engine's URNs cannot carry
        (hostile / f"{name}.yaml").write_text(VALID)
    return {
        "cases/symlink-then-dotdot-leaves.yaml": [
            "cases/symlink-then-dotdot-leaves.yaml:3:15: attachment 'evidence/../../../secret.txt' leaves"
            " the repository as written; write it without '..' after a symlink"
        ],
        "cases/symlink-then-dotdot-elsewhere.yaml": [
            "cases/symlink-then-dotdot-elsewhere.yaml:3:15: attachment 'evidence/../x.txt' has '..' after a "
            "symlink: it reads 'logs/2026/x.txt', not 'cases/x.txt' as written; write the path without it"
        ],
        "cases/hostile/attachment-symlink-outside.yaml": [
            "cases/hostile/attachment-symlink-outside.yaml:3:15: attachment 'leak.txt' resolves outside the "
            f"repository (to {(outside / 'secret.txt').resolve()})"
        ],
        "cases/hostile/attachment-symlink-loop.yaml": [
            "cases/hostile/attachment-symlink-loop.yaml:3:15: attachment 'loop.log' cannot be resolved: "
            f"Symlink loop from '{root.resolve() / 'cases' / 'hostile' / 'loop.log'}'"
        ],
        "cases/hostile/attachment-fifo.yaml": [
            "cases/hostile/attachment-fifo.yaml:3:15: attachment 'pipe.log' is not a regular file"
        ],
        "cases/hostile/attachment-over-5mb.yaml": [
            "cases/hostile/attachment-over-5mb.yaml:3:15: attachment 'big.bin' is 5,242,881 bytes, 1 over"
            " the 5 MB (5,242,880 bytes) limit"
        ],
        "cases/hostile/case-file-symlink-outside.yaml": [
            "cases/hostile/case-file-symlink-outside.yaml: the case file resolves outside the repository "
            f"(to {(outside / 'case.yaml').resolve()})"
        ],
        "cases/hostile/case-file-fifo.yaml": ["cases/hostile/case-file-fifo.yaml: not a regular file"],
        "cases/hostile/colon::name.yaml": [
            "cases/hostile/colon::name.yaml:1:1: the case name 'hostile/colon::name' holds '::', the "
            "delimiter of the engine's resource URNs: rename the file"
        ],
        "cases/hostile/line\nbreak.yaml": [
            "cases/hostile/line\\nbreak.yaml:1:1: the case name 'hostile/line\\nbreak' holds a character"
            " that is not printable (a control, a newline or a bidirectional override): rename the file"
        ],
        "cases/hostile/rtl\u202eevil.yaml": [
            "cases/hostile/rtl\\u202eevil.yaml:1:1: the case name 'hostile/rtl\\u202eevil' holds a character"
            " that is not printable (a control, a newline or a bidirectional override): rename the file"
        ],
        "cases/hostile/huge.yaml": [
            f"cases/hostile/huge.yaml:3:{1024 * 1024 - len(VALID) + 1}: the file is {len(huge):,} bytes,"
            " over the 1,048,576-byte limit for a case file; attach long text as a file instead"
        ],
        "cases/hostile/nesting-100000-flow.yaml": [
            "cases/hostile/nesting-100000-flow.yaml:3:48: YAML nested deeper than 32 levels; a case file"
            " needs no more than 5"
        ],
    }
