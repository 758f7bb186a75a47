"""Did-you-mean: the choices a mistyped word most likely meant."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable, Mapping

# Words in nearly every service code or name, or that no one abbreviates: sharing them says nothing.
_FILLER = frozenset({"amazon", "aws", "and", "for", "the", "with", "on", "of"})
_WORD = re.compile(r"[a-z0-9]+")


def closest(word: str, choices: Iterable[str], n: int = 1) -> list[str]:
    """Up to ``n`` choices that ``word`` is likely a misspelling of, ignoring case, best first."""
    by_folded = {choice.casefold(): choice for choice in choices}
    close = difflib.get_close_matches(word.casefold(), list(by_folded), n=n, cutoff=0.6)
    return [by_folded[match] for match in close]


def nearest_codes(word: str, names: Mapping[str, str], n: int = 3) -> list[str]:
    """Up to ``n`` codes of ``names`` (code -> readable name) nearest to ``word``, best first.

    A code that shares words with ``word`` (in the code, its name, or as initials: ``eks`` for
    ``amazon-elastic-kubernetes-service``, ``rds`` for ``amazon-relational-database-service-mysql``) is
    nearer the rarer the words are; ties, and words that share nothing, go by spelling.
    """
    wanted = _words(word) | set(_initials(word)[-1:])
    tokens = {code: _words(code) | _words(name) | set(_initials(code)) for code, name in names.items()}
    frequency = Counter(token for found in tokens.values() for token in found)
    scores = {code: sum(1 / frequency[token] for token in found & wanted) for code, found in tokens.items()}
    best = max(scores.values(), default=0.0)
    if not best:
        bare = {_bare(code): code for code in names}  # "amazon-" in both would make anything look alike
        return [bare[match] for match in closest(_bare(word), bare, n)]
    near = [code for code, score in scores.items() if score >= best / 2]
    spelling = {code: difflib.SequenceMatcher(None, word.casefold(), code).ratio() for code in near}
    return sorted(near, key=lambda code: (-scores[code], -spelling[code]))[:n]


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.casefold())) - _FILLER


def _bare(code: str) -> str:
    return "-".join(part for part in code.casefold().split("-") if part not in _FILLER)


def _initials(code: str) -> list[str]:
    """The initials of the code's words and their prefixes of two letters or more, shortest first."""
    letters = "".join(part[0] for part in code.casefold().split("-") if part and part not in _FILLER)
    return [letters[:end] for end in range(2, len(letters) + 1)]
