"""Where an unchanged ``preview`` spends its time in our code, per case, without the engine.

Usage (in a staged project whose stack is up): python -m bench.preview_costs STATE.json [--stack NAME]

``STATE.json`` is ``pulumi stack export --show-secrets``. In this process, from the project in the
current directory, it times what the program does for every case (import, load and validate the case
files, build the resource inputs, serialize the provider as the SDK does for each resource) and what
the provider process does (import, then Check and Diff of every case against the state, as the engine
asks in a preview). It prints one JSON object: seconds in total per step, and the case count.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _timed(step: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = step()
    return time.perf_counter() - start, result


def costs(state: dict[str, Any], stack: str) -> dict[str, float]:
    """Seconds per step for every case of ``state`` (the current directory is the project)."""
    sys.path.insert(0, str(Path.cwd()))
    seconds: dict[str, float] = {}
    seconds["import (program)"], _ = _timed(lambda: __import__("provider.stack.program"))
    from pulumi.dynamic.dynamic import serialize_provider

    from provider.casefiles.loader import load_cases
    from provider.stack.resource import SupportCaseProvider, case_inputs
    from provider.stack.types import CASE_TYPES

    seconds["load and validate the files"], (cases, problems) = _timed(
        lambda: load_cases(["cases"], root=Path.cwd())
    )
    if problems:
        raise SystemExit(f"the case files have problems: {problems[:3]}")
    from provider.stack.program import settings_from_config

    settings = settings_from_config(_EmptyConfig())  # type: ignore[arg-type]  # the stack sets no supportcases:*
    keys = {case.name: f"support-cases/{stack}/{case.name}" for case in cases}
    seconds["resource inputs"], inputs = _timed(lambda: {c.name: case_inputs(c, keys[c.name]) for c in cases})
    seconds["serialize the provider (SDK, per resource)"], _ = _timed(
        lambda: [serialize_provider(SupportCaseProvider()) for _ in cases]
    )
    resources = {
        r["outputs"]["caseName"]: r
        for r in state["deployment"].get("resources") or []
        if r["type"] in CASE_TYPES and "caseName" in r.get("outputs", {})
    }
    provider = SupportCaseProvider(settings)

    def check() -> None:
        for name, news in inputs.items():
            result = provider.check(resources[name]["inputs"], news)
            if result.failures:
                raise SystemExit(f"{name}: {result.failures}")

    def diff() -> None:
        for name, news in inputs.items():
            if provider.diff(resources[name]["id"], resources[name]["outputs"], news).changes:
                raise SystemExit(f"{name}: the preview would change it")

    seconds["Check (provider)"], _ = _timed(check)
    seconds["Diff (provider)"], _ = _timed(diff)
    return {**seconds, "cases": len(cases)}


class _EmptyConfig:
    """A ``pulumi.Config`` with nothing set (the stack's settings are the defaults)."""

    def get(self, _key: str) -> None:
        return None

    get_bool = get_int = get_float = get_object = get


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("state", type=Path)
    parser.add_argument("--stack", default="bench")
    args = parser.parse_args()
    print(json.dumps(costs(json.loads(args.state.read_text(encoding="utf-8")), args.stack)))


if __name__ == "__main__":
    main()
