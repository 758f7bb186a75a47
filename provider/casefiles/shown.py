"""Text from the file system or a case file, made safe to print on one line.

A file name may hold a newline, a carriage return or a right-to-left override (U+202E): printed raw, it
splits ``file:line:col`` over two lines or shows the characters in another order than they are. Every
character that is not printable is escaped as Python writes it in a string literal (``\\n``, ``\\u202e``).
"""

from __future__ import annotations


def printable(text: str) -> str:
    """``text`` with each character that is not printable (``str.isprintable``: controls, format
    characters such as the bidirectional overrides, line and paragraph separators, spaces other than
    ' ') escaped; unchanged when there is none."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escaped(char) for char in text)


def _escaped(char: str) -> str:
    return char.encode("unicode_escape").decode("ascii")
