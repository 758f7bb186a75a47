"""One case, one file: two case files that name the same existing case (its ``caseId``, or its
``displayId``) are both refused, before any call, each naming the other.

Both would adopt the case; removing one would resolve it while the other still declares it open. A
``displayId`` is compared across accounts too: the file names no account number, and an alias is only
resolved to an account by the stack's configuration, which ``validate`` does not read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from provider.casefiles.schema import Issue, join

ADOPTING_KEYS = ("caseId", "displayId")


def same_case_issues(specs: Mapping[str, Any], files: Mapping[str, Sequence[str]]) -> dict[str, list[Issue]]:
    """Issues by case name: ``specs`` the document of each case name, ``files`` the files shown for each."""
    issues: dict[str, list[Issue]] = {}
    for key in ADOPTING_KEYS:
        owners: dict[str, list[str]] = {}
        for name, spec in specs.items():
            value = spec.get(key) if isinstance(spec, dict) else None
            if isinstance(value, str) and value:
                owners.setdefault(value, []).append(name)
        for value, names in owners.items():
            for name in names if len(names) > 1 else ():
                others = join([files[other][0] for other in names if other != name], "and")
                message = f"{key} '{value}' is also declared by {others}: one case file per case"
                issues.setdefault(name, []).append(Issue((key,), message))
    return issues
