"""Fit a rendered plan into a size limit without ever cutting a message.

GitHub refuses a comment over 65,536 characters; a job summary takes up to 1 MiB. Sizes are counted in
UTF-8 bytes, which is never less than the number of characters, so a limit in characters is kept too.
The summary (head, table, warnings, foot) is always kept; then every case section that still fits, whole,
in order; a case that does not fit is left out entirely, its table row marked, and a note says where the
rest is. Only when the table alone is over the limit are its last rows left out too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

HIDDEN_MARK = " †"  # appended to the table row's first cell of a case not shown in full


def size(text: str) -> int:
    """The size counted against a limit: UTF-8 bytes."""
    return len(text.encode("utf-8"))


@dataclass(frozen=True)
class Pieces:
    """A rendering cut into the blocks the budget may drop: table rows and case sections, one per case."""

    head: str  # everything before the table rows (title, banner, totals, table header)
    rows: Sequence[str]  # one per case, the case name first
    middle: str  # after the table: the warnings
    sections: Sequence[str]  # one per case, same order as rows
    foot: str


def join(blocks: Sequence[str]) -> str:
    """Blocks joined by newlines, empty blocks left out."""
    return "\n".join(block for block in blocks if block)


def fit(pieces: Pieces, limit: int | None, note: Callable[[int, int], str]) -> str:
    """The whole rendering when it fits ``limit`` (or there is none); otherwise the summary and as many
    whole case sections as fit, with ``note(hidden, total)`` saying where the rest is."""
    everything = join([pieces.head, *pieces.rows, pieces.middle, *pieces.sections, pieces.foot])
    if limit is None or size(everything) <= limit:
        return everything
    total = len(pieces.sections)
    spare = limit - size(join([pieces.head, pieces.middle, note(total, total), pieces.foot])) - 4
    rows = _rows_that_fit(pieces.rows, spare, note(total, total))
    spare -= sum(size(row) + size(HIDDEN_MARK) + 1 for row in rows)
    if len(rows) < total:
        spare -= size(_omitted_row(pieces.rows[0], total - len(rows))) + 1
    shown = [False] * total
    for index, section in enumerate(pieces.sections[: len(rows)]):
        if size(section) + 1 <= spare:
            shown[index] = True
            spare -= size(section) + 1
    marked = [row if shown[i] else _mark(row) for i, row in enumerate(rows)]
    if len(rows) < total:
        marked.append(_omitted_row(pieces.rows[0], total - len(rows)))
    hidden = total - sum(shown)
    kept = [section for index, section in enumerate(pieces.sections) if shown[index]]
    text = join([pieces.head, *marked, pieces.middle, *kept, note(hidden, total), pieces.foot])
    if size(text) > limit:
        raise ValueError(f"the summary of this plan alone is over the limit of {limit:,} bytes")
    return text


def _rows_that_fit(rows: Sequence[str], spare: int, note: str) -> Sequence[str]:
    """All rows (each with room for its mark) when they fit, else the first ones, leaving room for a last
    row that says how many are left out."""
    needed = sum(size(row) + size(HIDDEN_MARK) + 1 for row in rows)
    if not rows or needed <= spare:
        return rows
    room = spare - size(_omitted_row(rows[0], len(rows))) - 1
    kept = []
    for row in rows:
        room -= size(row) + size(HIDDEN_MARK) + 1
        if room < 0:
            break
        kept.append(row)
    return kept


def _mark(row: str) -> str:
    """``| `name` | ...`` -> ``| `name` † | ...``."""
    first, sep, rest = row.partition(" | ")
    return f"{first}{HIDDEN_MARK}{sep}{rest}"


def _omitted_row(example: str, count: int) -> str:
    cells = example.count(" | ") + 1
    return "| … " + f"and {count:,} more cases" + " |" * cells
