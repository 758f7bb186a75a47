"""AWS Support's redaction of secrets in what the customer sends.

What AWS redacts is documented; how it recognises it is not. S4 (CreateCase and AddCommunicationToCase
documentation in the pinned botocore model; the same text on the live API reference): "Amazon Web
Services Support automatically redacts sensitive information from support cases to protect your
data. The following information is replaced with [REDACTED_BY_Amazon Web Services] and is not
stored": AWS secret keys ("The complete key is replaced"), private keys ("The complete key is
replaced") and credit card numbers ("The number is redacted, but the last 4 digits remain. Example:
[REDACTED_BY_Amazon Web Services]-7016"). Nothing else is named: access key ids, passwords or tokens
are not redacted by AWS, and supportlocal leaves them alone.

Which fields: S4 says "from support cases" and names no field. supportlocal redacts the subject as well
as every customer communication body (CreateCase's communicationBody, AddCommunicationToCase's); that
the subject is included is an ASSUMPTION, so a client must cope with a subject stored either way.
The support engineer's replies (control API) are not redacted. Each pattern below names its source
and marks what is assumed.
"""

from __future__ import annotations

import re

MARK = "[REDACTED_BY_Amazon Web Services]"

# Private keys (S4: "Private keys - The complete key is replaced"). ASSUMPTION: AWS's recogniser is not
# public; supportlocal takes the PEM form (RFC 7468 "-----BEGIN PRIVATE KEY-----" ... "-----END PRIVATE
# KEY-----", with the RSA/EC/OPENSSH/ENCRYPTED variants), the whole block from BEGIN to END.
_PRIVATE_KEY = re.compile(r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?-----END \1PRIVATE KEY-----", re.DOTALL)
# AWS secret keys (S4: "Amazon Web Services secret keys - The complete key is replaced"). Their form:
# S31 (IAM User Guide, "Manage access keys for IAM users"): a secret access key looks like
# wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, 40 characters of letters, digits, "/" and "+". ASSUMPTION:
# supportlocal takes any standalone run of exactly 40 such characters that mixes upper case, lower case
# and digits (so lower-case hex such as a git SHA-1, or a word run, is left alone).
_SECRET_KEY = re.compile(
    r"(?<![A-Za-z0-9/+])(?=[A-Za-z0-9/+]*[A-Z])(?=[A-Za-z0-9/+]*[a-z])"
    r"(?=[A-Za-z0-9/+]*[0-9])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"
)
# Credit card numbers (S4: redacted "but the last 4 digits remain", shown as MARK + "-" + those digits).
# Their form: S32 (ISO/IEC 7812 payment card numbers, as summarised in "Payment card number"): up to 19
# digits, the last a Luhn check digit; the card networks issue 13 to 19 (Visa 13/16/19, American
# Express 15, Mastercard 16, Discover 16-19). ASSUMPTION: supportlocal takes 13 to 19 digits, optionally
# grouped by single spaces or dashes (4111 1111 1111 1111, 4111-1111-1111-1111), that pass the Luhn check.
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
