"""Pacing: Support API calls spaced to the per-second quota across the whole provider process.

AWS allows 5 Support API operations per second per account (S20, :mod:`provider.planning.quotas`).
Calls are spaced before they are made rather than throttled by AWS and retried, so a large ``up`` or
``refresh`` runs at the quota's speed with no ThrottlingException.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Pacer:
    """Hands out call slots at most ``rate`` per second (``rate`` <= 0: no pacing); thread-safe."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._clock = clock
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until the next slot is this caller's."""
        if not self._interval:
            return
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self._interval
        if slot > now:
            time.sleep(slot - now)
