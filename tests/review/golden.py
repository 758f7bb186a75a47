"""Golden files of plans: readable Markdown and JSON, compared after the run's random parts are named.

caseIds, displayIds, times and fingerprints differ from run to run; each is replaced by a stable name
(``<caseId 1>``, ``<displayId 1>``, ``<time>``, ``sha256:<fingerprint>``) in order of appearance.
Reference trailers (``[ref 0123456789]``) are hashes of the case's stack, name and words, so they stay.

To regenerate after a deliberate change (a new warning, the lead's planning core changing a body):
``UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/review/test_plans_e2e.py``, then read
``git diff tests/review/golden/`` line by line before committing: a golden file is what a reviewer
would be shown, and each changed line is a change in what AWS would be told.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"

_PATTERNS = (
    ("caseId", re.compile(r"case-\d{12}-[a-z]{4}-\d{4}-[0-9a-f]{16}|case-\d+-\d{4}-[0-9a-f]{16}")),
    ("displayId", re.compile(r"(?<![\w-])\d{10,12}(?![\w-])")),
)
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
_FINGERPRINT = re.compile(r"sha256:[0-9a-f]{64}")
_LOCAL_ENDPOINT = re.compile(r"http://127\.0\.0\.1:\d+")


def normalise(text: str) -> str:
    """``text`` with every run-specific value named stably."""
    text = _FINGERPRINT.sub("sha256:<fingerprint>", text)
    text = _TIME.sub("<time>", text)
    text = _LOCAL_ENDPOINT.sub("http://127.0.0.1:<port>", text)
    for kind, pattern in _PATTERNS:
        names: dict[str, str] = {}
        text = pattern.sub(lambda found, k=kind, n=names: n.setdefault(found[0], f"<{k} {len(n) + 1}>"), text)
    return text


def check(name: str, text: str) -> None:
    """Compare ``text`` (normalised) with ``golden/<name>``, or write it there with UPDATE_GOLDEN=1."""
    path = GOLDEN / name
    got = normalise(text)
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8")
        return
    assert path.exists(), f"no golden file {path}: run with UPDATE_GOLDEN=1 and review the diff"
    want = path.read_text(encoding="utf-8")
    assert got == want, f"{path} differs (UPDATE_GOLDEN=1 regenerates it; review the diff)"
