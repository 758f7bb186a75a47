"""Secret scanning of what a case says: detect-secrets (the maintained bc-detect-secrets fork) finds
AWS keys, private keys, tokens and passwords in a text; each finding keeps its line and column and a
scrubbed excerpt that never holds the secret.

The text is handed to detect-secrets as the added lines of a diff (``scan_diff``): it reads no file, and
the line numbers are the text's own. A body is scanned as YAML-typed text, so ``password: hunter2`` is
caught as a keyword assignment; an attachment is scanned with the type its extension names
(``.py``, ``.json``, ``.ini``, ...), else as YAML-typed text too. Private keys span lines, which the
line-based scan does not see, so the whole text also goes through detect-secrets' private key detector.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

# The detectors whose findings are only "looks random": a more specific finding of the same span wins.
_VAGUE = ("Base64 High Entropy String", "Hex High Entropy String")
# Where a secret ends once its start is known: detect-secrets may report only a token's prefix (its
# GitHub detector yields 'ghp'), so the excerpt hides the whole run of token characters.
_TOKEN_TAIL = re.compile(r"[^\s'\"`,;()<>\[\]{}]*")
_EXCERPT = 100  # characters of the line around the secret shown in a message
_FILTER_OFF = "detect_secrets.filters.common.is_invalid_file"  # it drops every file not on disk
# detect-secrets' own feature flag (core/scan.py): skip the lines no loaded plugin can match before any
# plugin runs; read when its scan module is first imported. validate of 300 case files: 1.85 s -> 1.23 s,
# the corpus of tests/rules found the same.
os.environ.setdefault("DETECT_SECRETS_PERF_PREGATE", "1")


@dataclass(frozen=True)
class Finding:
    """One secret in a text: what kind, where (1-based line and column), how long, and the line it is on
    with the secret replaced."""

    kind: str
    line: int
    col: int
    length: int
    token: str  # the secret itself: for locating it in the file, never for a message
    excerpt: str

    def __repr__(self) -> str:
        """Without the secret, so that a log or traceback never shows it."""
        return f"Finding({self.kind!r}, line={self.line}, col={self.col}, excerpt={self.excerpt!r})"


def find_secrets(
    text: str, name: str = "case.yaml", allow: tuple[re.Pattern[str], ...] = ()
) -> list[Finding]:
    """Every secret in ``text`` (scanned as the file type ``name`` suggests), in reading order; a found
    secret matching one of ``allow`` in full is left out."""
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        return []
    found = [
        finding
        for kind, line_number, value in _detected(lines, _scan_name(name), text)
        if (finding := _locate(kind, lines, line_number, value))
        and not any(pattern.fullmatch(finding.token) for pattern in allow)
    ]
    # one finding per secret: of findings that overlap on a line, the most specific (then the first)
    found.sort(key=lambda finding: (finding.kind in _VAGUE, finding.line, finding.col))
    kept: list[Finding] = []
    for finding in found:
        if not any(other.line == finding.line and _overlap(other, finding) for other in kept):
            kept.append(finding)
    return sorted(kept, key=lambda finding: (finding.line, finding.col))


def _overlap(one: Finding, other: Finding) -> bool:
    return one.col < other.col + other.length and other.col < one.col + one.length


def _scan_name(name: str) -> str:
    """The file name detect-secrets is told: the attachment's own when its type is one it knows, else a
    YAML name, whose keyword rules catch ``password: hunter2`` in prose and logs."""
    from detect_secrets.util.filetype import FileType, determine_file_type

    base = os.path.basename(name) or "case.yaml"
    return base if determine_file_type(base) is not FileType.OTHER else f"{base}.yaml"


def _detected(lines: list[str], name: str, text: str) -> Iterator[tuple[str, int, str]]:
    """(kind, 1-based line, secret value) for each raw detect-secrets finding."""
    from detect_secrets.core.scan import scan_diff
    from detect_secrets.plugins.private_key import PrivateKeyDetector

    _configure()
    header = f"diff --git a/{name} b/{name}\n--- /dev/null\n+++ b/{name}\n@@ -0,0 +1,{len(lines)} @@\n"
    diff = header + "".join(f"+{line}\n" for line in lines)
    for secret in scan_diff(diff):
        if secret.secret_value:
            yield secret.type, secret.line_number, secret.secret_value
    detector = PrivateKeyDetector()
    for value in detector.analyze_string(text):
        first = value.strip().split("\n", 1)[0]  # the key material's first line
        start = text.find(first) if first else -1
        if start >= 0:
            yield detector.secret_type, text.count("\n", 0, start) + 1, first


@functools.cache
def _configure() -> None:
    """detect-secrets' settings, once per process: every plugin it ships with its default limits, and
    its default filters less the one that needs files on disk."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.settings import (
        cache_bust,
        configure_settings_from_baseline,
        get_filters,
        get_settings,
    )

    plugins = [{"name": plugin.__name__} for plugin in get_mapping_from_secret_type_to_class().values()]
    cache_bust()  # first: it also forgets the settings themselves
    configure_settings_from_baseline({"plugins_used": plugins})
    get_settings().disable_filters(_FILTER_OFF)
    get_filters.cache_clear()


def _locate(kind: str, lines: list[str], line_number: int, value: str) -> Finding | None:
    """The finding of ``value`` reported at ``line_number``: its column on that line (or the nearest
    line below that holds it: detect-secrets may report a multi-line value at its first line)."""
    for index in range(max(line_number - 1, 0), min(line_number + 2, len(lines))):
        line = lines[index]
        col = line.find(value)
        if col >= 0:
            end = col + len(value)
            match = _TOKEN_TAIL.match(line, end)
            end = match.end() if match else end
            token = line[col:end]
            return Finding(kind, index + 1, col + 1, len(token), token, scrub(line, col, end, kind))
    return None


def scrub(line: str, start: int, end: int, kind: str) -> str:
    """``line`` with ``line[start:end]`` replaced by a note of what was there, cut to about
    :data:`_EXCERPT` characters around it."""
    note = f"[{kind.lower()}: {end - start} characters hidden]"
    before = line[:start][-(_EXCERPT // 2) :].lstrip()
    after = line[end:][: _EXCERPT // 2].rstrip()
    lead = "…" if len(line[:start].lstrip()) > len(before) else ""
    tail = "…" if len(line[end:].rstrip()) > len(after) else ""
    return f"{lead}{before}{note}{after}{tail}"
