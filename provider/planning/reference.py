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

Only the reference in trailer position counts (the last thing in the body, :func:`trailing_reference`):
a ``[ref …]`` that a person quotes or pastes anywhere else in a text is plain text. The trailer is ten
lower-case hex digits in brackets on a line of its own, a form AWS's documented transformations leave
intact: AWS redacts secret access keys, private keys and card numbers (all but their last 4 digits) from
case text (S4: CreateCase and AddCommunicationToCase in the botocore model), and ten characters hold
neither a 40-character key, a PEM block nor the 13 or more digits of a card number; re-wrapped
whitespace is normalised away before matching.

With the trailer switched off (stack config ``supportcases:referenceTrailer: false``) bodies are sent
exactly as written, and messages are recognised by their normalised text instead. AWS's redaction
changes such a text: :func:`could_be` tells when a redacted text at AWS may be one of ours, and the
executor then refuses rather than guess (docs/guarantees.md).
"""

from __future__ import annotations

import hashlib
import re

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


def trailing_reference(text: str) -> str | None:
    """The reference in trailer position of a body (as sent, or as AWS returns it), if there is one."""
    found = _TRAILING.search(text)
    return found.group(1) if found else None


def identity(body: str, *, trailer: bool) -> str:
    """What tells one message from another at AWS: its trailing reference, else a hash of its normalised
    text (with ``trailer`` off, references are not looked for at all). Holds no message text."""
    reference = trailing_reference(body) if trailer else None
    if reference is not None:
        return f"ref {reference}"
    return "text " + hashlib.sha256(normalise(body).encode()).hexdigest()[:20]


# S4 (CreateCase documentation in the pinned botocore model): redacted text is "replaced with
# [REDACTED_BY_Amazon Web Services]"; a card number keeps its last four digits after a dash. What else AWS
# may redact is not public, so any text may stand where the mark stands.
REDACTION_MARK = "[REDACTED_BY_Amazon Web Services]"


def could_be(ours: str, theirs: str) -> bool:
    """Whether ``theirs`` (a text AWS holds) may be ``ours`` after AWS's redaction: equal once whitespace
    is normalised, with anything at all standing where AWS's redaction mark stands."""
    mine, held = normalise(ours), normalise(theirs)
    if REDACTION_MARK not in held:
        return mine == held
    pattern = ""
    for index, part in enumerate(_MARK.split(held)):
        if index % 2 == 0:
            pattern += re.escape(part)
        else:  # a mark, with the last four digits of a card number when AWS kept them
            pattern += ".+?" + (re.escape(part) if part else "")
    return re.fullmatch(pattern, mine, re.DOTALL) is not None


_MARK = re.compile(re.escape(REDACTION_MARK) + r"(?:-(\d{4}))?")


def normalise(text: str) -> str:
    """Text with every run of whitespace made one space, and no whitespace at either end."""
    return " ".join(text.split())


def without_trailer(body: str) -> str:
    """The text of a body as its author wrote it: the reference trailer taken off, if there is one."""
    return _TRAILING.sub("", body)


_TRAILING = re.compile(r"\s*\[\s*ref\s+([0-9a-f]{10})\s*\]\s*$")
