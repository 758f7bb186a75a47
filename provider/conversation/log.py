"""The whole conversation of one case, ours and AWS's, oldest first, read from AWS (``log`` prints it)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from provider.aws.support_api import SupportApiError
from provider.conversation.stackstate import StackCase
from provider.conversation.thread import case_header, read_cases, read_messages, render_entries


def find_case(cases: Sequence[StackCase], wanted: str, root: Path) -> StackCase | None:
    """The case ``wanted`` names: a case name, its case file's path, its caseId or its displayId."""
    path = Path(os.path.abspath(wanted))
    source = path.relative_to(root).as_posix() if path.is_relative_to(root) else wanted
    for case in cases:
        if wanted in (case.name, case.record.case_id, case.record.display_id) or source == case.source:
            return case
    return None


def conversation(client: Any, case: StackCase) -> str:
    """The case's facts and every message of it, read from AWS (every page), as Markdown."""
    details = read_cases(client, [case.record.case_id], account=case.account).get(case.record.case_id)
    if details is None:
        raise SupportApiError(f"account {case.account}: AWS shows no case {case.record.case_id}")
    lines = [
        *case_header(case.name, details, case.account),
        *render_entries(read_messages(client, case.record.case_id, account=case.account)),
    ]
    return "\n".join(lines)
