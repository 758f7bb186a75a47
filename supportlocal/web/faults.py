"""Injected faults for the AWS protocol: throttling, internal errors, lost answers and added latency.

A lost answer is the ambiguous failure of issue 9: the operation runs and commits, then the client
gets an HTTP 500 InternalServerError (``lost_answer="500"``) or the connection closes with no answer
at all (``lost_answer="drop"``). The call log shows ``lost-answer`` for it.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass

from supportlocal.errors import SupportError

LOST_ANSWER_MODES = ("500", "drop")


@dataclass(frozen=True)
class FaultPlan:
    """Rates are probabilities in [0, 1]; ``operations`` restricts the faults to those operations."""

    throttle_rate: float = 0.0
    error_rate: float = 0.0
    lost_answer_rate: float = 0.0
    lost_answer: str = "500"
    latency_ms: int = 0
    operations: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        for rate in (self.throttle_rate, self.error_rate, self.lost_answer_rate):
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"a fault rate must be between 0 and 1, not {rate}")
        if self.lost_answer not in LOST_ANSWER_MODES:
            raise ValueError(
                f"lost_answer must be one of {', '.join(LOST_ANSWER_MODES)}, not {self.lost_answer!r}"
            )
        if self.latency_ms < 0:
            raise ValueError("latency_ms must not be negative")

    def as_dict(self) -> dict[str, object]:
        """The plan as JSON-ready data."""
        return asdict(self)


@dataclass(frozen=True)
class Draw:
    """What happens to one call: added latency, an error instead of running it, or its answer lost after."""

    latency: float = 0.0
    error: SupportError | None = None
    lost_answer: str | None = None


class Faults:
    """The fault plan in force (in memory: a restart clears it)."""

    def __init__(self) -> None:
        self._plan = FaultPlan()
        self._lock = threading.Lock()
        self._random = random.Random()

    @property
    def plan(self) -> FaultPlan:
        """The plan in force."""
        return self._plan

    def set(self, plan: FaultPlan) -> None:
        """Replace the plan."""
        self._plan = plan

    def draw(self, operation: str) -> Draw:
        """Decide the faults of one call of ``operation``."""
        plan = self._plan
        if plan.operations is not None and operation not in plan.operations:
            return Draw()
        with self._lock:
            throttle, error, lost = (self._random.random() for _ in range(3))
        fault = None
        if throttle < plan.throttle_rate:
            # S26: what AWS Support answers when it throttles.
            fault = SupportError("ThrottlingException", "Throttle limit exceeded.")
        elif error < plan.error_rate:
            fault = SupportError("InternalServerError", "An internal error occurred.", 500)
        return Draw(
            latency=plan.latency_ms / 1000.0,
            error=fault,
            lost_answer=plan.lost_answer if fault is None and lost < plan.lost_answer_rate else None,
        )
