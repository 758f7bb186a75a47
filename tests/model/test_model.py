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
EXAMPLES = 60
STEPS = 40  # 60 x 40 = 2,400 steps


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[Path, Wire]]:
    with model_world() as found:
        yield found


def test_every_history_keeps_the_invariant(world: tuple[Path, Wire]) -> None:
    folder, wire = world
    machine = seed(SEED)(bind(folder, wire))
    before = CaseModel.steps
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            database=None,
            phases=(Phase.generate, Phase.shrink),
            suppress_health_check=list(HealthCheck),
        ),
    )
    assert CaseModel.steps - before >= 2000
