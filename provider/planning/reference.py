"""The reference trailer: a short identity at the end of every body the provider sends.

A body carries ``[ref 0123456789]`` on its last line: ten hex digits of a hash of what makes that message
itself, never of a time or a counter kept outside the plan, so every retry of the same plan gives the same
reference. After a crash or a lost answer, the executor looks for the reference among what AWS holds,
and sends only what is missing. AWS may trim or re-wrap whitespace (the Support API reference says
nothing about keeping text byte for byte), so references are matched on normalised text.

- The case description: a hash of the stack, the case name, the subject and the description, so a case
  file is recognised at AWS even when the create's answer never arrived.
- A later message: a hash of its body and of how many follow-up messages were declared before it, so two
  equal bodies at different points of a conversation stay apart.

With the trailer switched off (stack config ``supportcases:referenceTrailer: false``) bodies are sent
exactly as written, and messages are recognised by their normalised text instead.
"""

from __future__ import annotations

import hashlib
import re

_PATTERN = re.compile(r"\[\s*ref\s+([0-9a-f]{10})\s*\]")
SEPARATOR = "\n\n"


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:10]


def case_reference(key: str, subject: str, description: str) -> str:
    """The reference of a case's description; ``key`` names the case within its stack."""
    return _digest("case", key, normalise(subject), normalise(description))


def message_reference(body: str, declared_before: int) -> str:
    """The reference of a later message on a case."""
    return _digest("message", str(declared_before), normalise(body))


def trailer(reference: str) -> str:
    """The line appended to a body."""
    return f"[ref {reference}]"


def with_trailer(body: str, reference: str) -> str:
    """``body`` as sent: the text, a blank line, the trailer."""
    return f"{body.rstrip()}{SEPARATOR}{trailer(reference)}"


TRAILER_LENGTH = len(SEPARATOR) + len(trailer("0" * 10))


def references_in(text: str) -> set[str]:
    """Every reference a body received from AWS carries."""
    return set(_PATTERN.findall(text))


def normalise(text: str) -> str:
    """Text with every run of whitespace made one space, and no whitespace at either end."""
    return " ".join(text.split())


def without_trailer(body: str) -> str:
    """The text of a body as its author wrote it: the reference trailer taken off, if there is one."""
    return _TRAILING.sub("", body)


_TRAILING = re.compile(r"\s*\[\s*ref\s+[0-9a-f]{10}\s*\]\s*$")
