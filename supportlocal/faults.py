"""Injected faults for the AWS protocol: throttling, internal errors and added latency."""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass

from supportlocal.errors import SupportError


@dataclass(frozen=True)
class FaultPlan:
    """Rates are probabilities in [0, 1]; ``operations`` restricts the faults to those operations."""

    throttle_rate: float = 0.0
    error_rate: float = 0.0
    latency_ms: int = 0
    operations: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        for rate in (self.throttle_rate, self.error_rate):
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"a fault rate must be between 0 and 1, not {rate}")
        if self.latency_ms < 0:
            raise ValueError("latency_ms must not be negative")

    def as_dict(self) -> dict[str, object]:
        """The plan as JSON-ready data."""
        return asdict(self)


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

    def draw(self, operation: str) -> tuple[float, SupportError | None]:
        """The latency (seconds) to add to this call and the error to answer instead, if any."""
        plan = self._plan
        if plan.operations is not None and operation not in plan.operations:
            return 0.0, None
        with self._lock:
            throttle, error = self._random.random(), self._random.random()
        fault = None
        if throttle < plan.throttle_rate:
            fault = SupportError("ThrottlingException", "Rate exceeded")
        elif error < plan.error_rate:
            fault = SupportError("InternalServerError", "An internal error occurred.", 500)
        return plan.latency_ms / 1000.0, fault
