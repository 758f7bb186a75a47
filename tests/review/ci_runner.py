"""Run a GitHub Actions job's own `run:` steps here, as the runner would, for the tests of the workflow.

The hosted runner cannot run here, so the job's shell steps run in order in a work directory, each
with the environment the runner would give it: the workflow's, job's and step's ``env:`` (their
``${{ }}`` expressions taken from ``context``), ``GITHUB_OUTPUT`` and ``GITHUB_STEP_SUMMARY`` files,
and ``bash --noprofile --norc -eo pipefail`` as the shell. ``if:`` conditions and expressions are
looked up in small tables; one this runner does not know fails the test, so a change to the workflow
cannot go untested silently. ``uses:`` steps (checkout, set-up actions, caches, credentials, artifact
upload) are the hosted runner's business and are returned for the test to check.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@dataclass
class StepResult:
    """What one `run:` step did."""

    name: str
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str


@dataclass
class JobRun:
    """Every step of one job run: the shell steps' results and the `uses:` steps left to the runner."""

    steps: list[StepResult] = field(default_factory=list)
    uses: list[dict[str, Any]] = field(default_factory=list)

    def step(self, name: str) -> StepResult:
        return next(step for step in self.steps if step.name == name)

    @property
    def failed(self) -> bool:
        return any(step.returncode for step in self.steps)


def _value(expression: str, context: Mapping[str, str]) -> str:
    if expression not in context:
        raise AssertionError(f"the test runner does not know the expression ${{{{ {expression} }}}}")
    return context[expression]


def substitute(text: str, context: Mapping[str, str]) -> str:
    """``text`` with each ``${{ expression }}`` replaced by its value in ``context``."""
    return _EXPRESSION.sub(lambda found: _value(found[1], context), str(text))


def _condition(condition: str | None, workdir: Path, failed: bool) -> bool:
    """The `if:` of a step; only the forms this project's workflow uses are known."""
    inner = _EXPRESSION.sub(lambda found: found[1], condition or "success()").strip()
    known = {
        "success()": not failed,
        "!cancelled()": True,
        "!cancelled() && hashFiles('plan.json') != ''": (workdir / "plan.json").exists(),
    }
    if inner not in known:
        raise AssertionError(f"the test runner does not know the condition {condition!r}")
    return known[inner]


def run_job(
    workflow: Mapping[str, Any],
    job: str,
    workdir: Path,
    base_env: Mapping[str, str],
    context: Mapping[str, str],
    scratch: Path,
) -> JobRun:
    """Run ``job``'s shell steps in ``workdir``; ``context`` gives the expressions' values (the step
    outputs of earlier steps are added as ``steps.<id>.outputs.<name>``)."""
    values = dict(context)
    definition = workflow["jobs"][job]
    env = dict(base_env)
    for scope in (workflow.get("env") or {}, definition.get("env") or {}):
        env.update({key: substitute(value, values) for key, value in scope.items()})
    result = JobRun()
    for index, step in enumerate(definition["steps"]):
        if "uses" in step:
            result.uses.append(step)
            continue
        if not _condition(step.get("if"), workdir, result.failed):
            continue
        output = scratch / f"{job}-{index}.output"
        summary = scratch / f"{job}-{index}.summary"
        output.write_text("")
        summary.write_text("")
        step_env = {**env, "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)}
        step_env.update({key: substitute(value, values) for key, value in (step.get("env") or {}).items()})
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=workdir,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
        for key, value in outputs.items():
            values[f"steps.{step.get('id')}.outputs.{key}"] = value
        name = step.get("name") or step["run"].splitlines()[0]
        result.steps.append(
            StepResult(name, done.returncode, done.stdout, done.stderr, outputs, summary.read_text())
        )
    return result
