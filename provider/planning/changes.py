"""Plain-words rendering of edits to case fields that AWS cannot change in place.

AWS Support has no API to edit a case's subject, severity, service, category, language, description or
cc list after CreateCase. The only honest way to carry such an edit to AWS is to say it in a message to
the support engineer; this module renders that message from a deepdiff of the old and new fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from deepdiff import DeepDiff

from provider.planning.reference import normalise

# The case fields whose edits are stated in a change message, with the words used for them.
FIELD_LABELS: dict[str, str] = {
    "subject": "subject",
    "serviceCode": "service",
    "categoryCode": "category",
    "severityCode": "severity",
    "issueType": "issue type",
    "language": "language",
    "communicationBody": "description",
    "ccEmailAddresses": "cc list",
}

UNSET = "(not set)"
# Free text: an edit of its whitespace alone (a trailing newline of a YAML block, re-wrapped lines) says
# nothing new to AWS, and AWS may re-wrap whitespace itself (the API reference is silent on keeping it).
TEXT_KEYS = ("subject", "communicationBody")


def present(fields: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """The ``keys`` of ``fields`` that are set (not missing, None, empty text or an empty list)."""
    return {key: fields[key] for key in keys if fields.get(key) not in (None, "", [])}


def _value(fields: Mapping[str, Any], key: str) -> str:
    """A field as a change message states it (free text with its whitespace normalised, so the message
    is the same whichever whitespace variant of the old value was last stored)."""
    value = str(present(fields, [key]).get(key, UNSET))
    return normalise(value) if key in TEXT_KEYS else value


def changed_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Return the names of the stated fields that differ between ``old`` and ``new``, in label order
    (free text compared with its whitespace normalised)."""
    diff = DeepDiff(_compared(old), _compared(new), ignore_order=True, view="tree")
    touched = {level.path(output_format="list")[0] for report in diff.values() for level in report}
    return [key for key in FIELD_LABELS if key in touched]


def _compared(fields: Mapping[str, Any]) -> dict[str, Any]:
    shown = present(fields, FIELD_LABELS)
    return {key: normalise(str(value)) if key in TEXT_KEYS else value for key, value in shown.items()}


def same_text(old: Any, new: Any) -> bool:
    """Whether two message texts say the same (unset alike, whitespace normalised)."""
    return normalise(str(old or "")) == normalise(str(new or ""))


def render_change_message(old: Mapping[str, Any], new: Mapping[str, Any]) -> str | None:
    """Render the message that states every field edit from ``old`` to ``new``; None when nothing changed."""
    keys = changed_fields(old, new)
    if not keys:
        return None
    lines = ["The case definition was updated:"]
    description = None
    for key in keys:
        if key == "communicationBody":
            description = str(new.get(key, ""))
            lines.append("- Updated description of the issue (below).")
        elif key == "ccEmailAddresses":
            before = set(old.get(key) or [])
            after = set(new.get(key) or [])
            parts = []
            if added := sorted(after - before):
                parts.append("added " + ", ".join(added))
            if removed := sorted(before - after):
                parts.append("removed " + ", ".join(removed))
            lines.append("- CC list change: " + "; ".join(parts) + ".")
        elif key == "subject":
            lines.append(f"- Subject change: {_value(old, key)!r} -> {_value(new, key)!r}")
        else:
            lines.append(f"- Requested {FIELD_LABELS[key]} change: {_value(old, key)} -> {_value(new, key)}")
    text = "\n".join(lines)
    if description is not None:
        text += "\n\nUpdated description:\n\n" + description
    return text
