"""The model-based test: random histories against the provider, the planning core, the executor and an
in-process supportlocal, the invariant checked after every step (tests/model/machine.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis.stateful import run_state_machine_as_test

from tests.model.inprocess import Wire
from tests.model.machine import CaseModel, bind, model_world

SEED = 20261202
EXAMPLES = 70  # histories of at most STEPS steps: about 2,200 steps with the trailer on
EXAMPLES_TRAILER_OFF = 20  # and about 700 with it off
STEPS = 40


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[Path, Wire]]:
    with model_world() as found:
        yield found


def run(machine: type[CaseModel], examples: int) -> int:
    """Run ``examples`` histories of the seeded machine; the number of steps they took."""
    before = CaseModel.steps
    run_state_machine_as_test(
        seed(SEED)(machine),
        settings=settings(
            max_examples=examples,
            stateful_step_count=STEPS,
            deadline=None,
            database=None,
            phases=(Phase.generate, Phase.shrink),
            suppress_health_check=list(HealthCheck),
        ),
    )
    return CaseModel.steps - before


def test_every_history_keeps_the_invariant(world: tuple[Path, Wire]) -> None:
    """The reference trailer on (the default): at least 2,000 steps."""
    assert run(bind(*world), EXAMPLES) >= 2000


def test_every_history_keeps_the_invariant_with_the_trailer_off(world: tuple[Path, Wire]) -> None:
    """``referenceTrailer: false``: bodies matched on their text (the flags of tests/model/machine.py say
    which rules are left out while their defects are open)."""
    assert run(bind(*world, trailer=False), EXAMPLES_TRAILER_OFF) >= 500
