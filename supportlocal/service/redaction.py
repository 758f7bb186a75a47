"""AWS Support's redaction of secrets in what the customer sends.

S4 (CreateCase and AddCommunicationToCase documentation in the pinned botocore model): "Amazon Web
Services Support automatically redacts sensitive information from support cases ... replaced with
[REDACTED_BY_Amazon Web Services] and is not stored": AWS secret keys and private keys completely,
credit card numbers except their last 4 digits (``[REDACTED_BY_Amazon Web Services]-7016``).

How AWS recognises them is not public. supportlocal's patterns (assumptions): a PEM private key block;
a run of 40 characters of ``[A-Za-z0-9/+]`` mixing upper case, lower case and digits (the form of a
secret access key; lower-case hex such as a git SHA-1 is left alone); 13 to 19 digits, optionally
grouped by single spaces or dashes, that pass the Luhn check.
"""

from __future__ import annotations

import re

MARK = "[REDACTED_BY_Amazon Web Services]"

_PRIVATE_KEY = re.compile(r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?-----END \1PRIVATE KEY-----", re.DOTALL)
_SECRET_KEY = re.compile(
    r"(?<![A-Za-z0-9/+])(?=[A-Za-z0-9/+]*[A-Z])(?=[A-Za-z0-9/+]*[a-z])"
    r"(?=[A-Za-z0-9/+]*[0-9])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"
)
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")


def redact(text: str) -> str:
    """``text`` with private keys, secret keys and card numbers replaced as AWS documents."""
    text = _PRIVATE_KEY.sub(MARK, text)
    text = _SECRET_KEY.sub(MARK, text)
    return _CARD.sub(_card, text)


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return f"{MARK}-{digits[-4:]}" if _luhn(digits) else match.group(0)


def _luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0
