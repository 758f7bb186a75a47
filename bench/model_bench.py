"""The model-based test at length: at least 50,000 steps of random histories, the invariant after each.

    python bench/model_bench.py --seed 1 [--steps 50000] [--trailer both|on|off] [--out FILE]

Runs the state machine of ``tests/model/machine.py`` (the provider, its planning core and executor
against an in-process supportlocal, the Pulumi engine emulated) in batches of histories, each batch
seeded from ``--seed``, until ``--steps`` steps ran. A batch that meets a violation counts one and
prints its shrunk history (and writes it to ``--out``); the next batch goes on. The last line says
``steps N violations V seconds S``. With ``--trailer both`` the batches alternate between
``referenceTrailer`` on and off.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis.stateful import run_state_machine_as_test

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.model.machine import CaseModel, Violation, bind, model_world

EXAMPLES = 25  # histories per batch
STEPS = 40  # at most this many steps per history


def main(argv: list[str] | None = None) -> int:
    """Run the batches; exit 1 when any violation was found."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1, help="seed of the first batch (the next add 1)")
    parser.add_argument("--steps", type=int, default=50_000, help="steps to run in all")
    parser.add_argument("--trailer", choices=("both", "on", "off"), default="both")
    parser.add_argument("--out", type=Path, help="append each violation's history to this file")
    args = parser.parse_args(argv)
    started = time.monotonic()
    violations = 0
    batch = 0
    with model_world() as (folder, wire):
        while CaseModel.steps < args.steps:
            trailer = args.trailer == "on" or (args.trailer == "both" and batch % 2 == 0)
            batch_seed = args.seed + batch
            machine = seed(batch_seed)(bind(folder, wire, trailer=trailer))
            try:
                run_state_machine_as_test(
                    machine,
                    settings=settings(
                        max_examples=EXAMPLES,
                        stateful_step_count=STEPS,
                        deadline=None,
                        database=None,
                        phases=(Phase.generate, Phase.shrink),
                        suppress_health_check=list(HealthCheck),
                        print_blob=False,
                    ),
                )
            except Exception as found:  # a Violation, or the engine finding preview and up apart
                # Hypothesis groups distinct failures of one batch: each counts and is shown.
                for violation in found.exceptions if isinstance(found, ExceptionGroup) else [found]:
                    violations += 1
                    kind = "" if isinstance(violation, Violation) else f"{type(violation).__name__}: "
                    mode = "on" if trailer else "off"
                    where = f"batch seed {batch_seed}, trailer {mode}"
                    report = f"violation {violations} ({where}):\n{kind}{violation}\n"
                    print(report, flush=True)
                    if args.out:
                        with args.out.open("a", encoding="utf-8") as out:
                            out.write(report + "\n")
            batch += 1
            elapsed = time.monotonic() - started
            print(f"batch {batch}: steps {CaseModel.steps} violations {violations} seconds {elapsed:.0f}")
    print(f"steps {CaseModel.steps} violations {violations} seconds {time.monotonic() - started:.0f}")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
