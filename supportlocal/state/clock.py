"""The service clock: wall time plus an offset that the control API moves forward (persisted).

Times are whole milliseconds, the precision AWS shows them with (S22: ``2020-03-23T21:31:47.774Z``):
``now()`` is cut to the millisecond and ``parse_time`` cuts a finer bound the same way, so what is
stored, shown and compared is one value (an item's own ``timeCreated`` passed back as a bound finds it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from supportlocal.errors import validation_error


class Clock:
    """Seconds since the epoch as the service sees them; ``advance`` never goes back."""

    def __init__(self, offset: float, persist: Callable[[float], None]) -> None:
        self._offset = offset
        self._persist = persist
        self._lock = threading.Lock()

    def now(self) -> float:
        """The current service time (epoch seconds, whole milliseconds)."""
        return _whole_milliseconds((time.time() + self._offset) * 1000)

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` (>= 0) and return the new time."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds
            self._persist(self._offset)
        return self.now()


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def iso(timestamp: float) -> str:
    """A time as DescribeCases writes it (S22: ``2020-03-23T21:31:47.774Z``)."""
    return _milliseconds(timestamp) + "Z"


def iso_offset(timestamp: float) -> str:
    """A time as AddAttachmentsToSet writes ``expiryTime`` (S22: ``2020-05-14T17:04:40.790+0000``)."""
    return _milliseconds(timestamp) + "+0000"


def _milliseconds(timestamp: float) -> str:
    whole = round(timestamp * 1000)
    moment = datetime.fromtimestamp(whole // 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{whole % 1000:03d}"


def _whole_milliseconds(milliseconds: float) -> float:
    """Epoch seconds for a count of milliseconds cut to a whole one (one float per millisecond)."""
    return (milliseconds // 1) / 1000


def year(timestamp: float) -> int:
    """The UTC year of a timestamp."""
    return datetime.fromtimestamp(timestamp, UTC).year


def parse_time(value: str, member: str) -> float:
    """An ISO 8601 date or date-time (UTC when no zone is given) as epoch seconds."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise validation_error(f"Value '{value}' at '{member}' is not a valid ISO 8601 date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return _whole_milliseconds((moment - EPOCH) // timedelta(milliseconds=1))
