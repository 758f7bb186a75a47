"""The fingerprint of a plan: one hash over exactly what ``pulumi up`` would send, to apply what was approved.

It is a SHA-256 over the canonical JSON (sorted keys, no spaces, UTF-8) of the Support API reached
(partition and endpoint) and of every changing case's name, caseId, account (alias, profile, role and
external id as the stack config resolves them) and planned actions, each action with the exact message
body, cc list, CreateCase parameters and the size and SHA-256 of every attached file. Any difference in
what would reach AWS, or where, changes it; a refresh, a reply from AWS or an unchanged case does not.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

PREFIX = "sha256:"


def canonical_json(value: Any) -> bytes:
    """The one byte form of a JSON-plain value that is hashed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def fingerprint(cases: Sequence[Mapping[str, Any]], target: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` of the planned actions of the plan document's ``cases`` that change, where they go."""
    hashed = sorted(
        (
            {
                "case": case["name"],
                "caseId": case.get("caseId"),
                "account": case.get("account"),
                "actions": case["actions"],
            }
            for case in cases
            if case.get("actions")
        ),
        key=lambda entry: entry["case"],
    )
    return PREFIX + hashlib.sha256(canonical_json({"target": target, "cases": hashed})).hexdigest()
