"""Run a GitHub Actions job's own `run:` steps here, as the runner would, for the tests of the workflow.

The hosted runner cannot run here, so the job's shell steps run in order in a work directory, each
with the environment the runner would give it: the workflow's, job's and step's ``env:`` (their
``${{ }}`` expressions taken from ``context``), ``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY`` and
``RUNNER_TEMP``, and the shell GitHub documents: ``bash -e {0}`` by default, ``bash --noprofile --norc
-eo pipefail {0}`` for ``shell: bash`` (docs.github.com/en/actions/reference/workflows-and-actions/
workflow-syntax#defaultsrunshell). ``if:`` conditions are ``&&`` of the few terms this workflow uses;
an expression or term this runner does not know fails the test, so a change to the workflow cannot go
untested silently. ``uses:`` steps are the hosted runner's business and are returned for the test to
check, except the artifacts (``upload-artifact`` copies its paths into the runner's artifact store and
``download-artifact`` copies them back, so one job's artifact reaches the next as on GitHub) and the
actions named in ``tools``, which put a folder on the PATH of the later steps as a tool installer does
(``pulumi/actions``: this machine's Pulumi CLI).
"""

from __future__ import annotations

import re
import shutil
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
    outcomes: dict[str, str] = field(default_factory=dict)  # step id -> success, failure or skipped

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


_TERM = re.compile(r"steps\.([\w-]+)\.(outcome|outputs\.[\w-]+) (==|!=) '([^']*)'")


def _condition(
    condition: str | None, values: Mapping[str, str], outcomes: Mapping[str, str], failed: bool
) -> bool:
    """The `if:` of a step: ``&&`` of ``success()``, ``failure()``, ``!cancelled()`` and
    ``(cancelled() || failure())`` (nothing is cancelled here) and ``steps.ID.outcome`` /
    ``steps.ID.outputs.NAME`` compared with ``==`` or ``!=`` to a string."""
    terms = _EXPRESSION.sub(lambda found: found[1], condition or "success()").strip().split(" && ")
    status = {"success()": not failed, "!cancelled()": True, "failure()": failed}
    status["(cancelled() || failure())"] = failed
    given = [term for term in terms if term in status]
    result = all(status[term] for term in given) if given else not failed  # success() is implied
    for term in terms:
        if term in status:
            continue
        found = _TERM.fullmatch(term)
        if found is None:
            raise AssertionError(f"the test runner does not know the condition {condition!r}")
        step, what, operator, literal = found.groups()
        value = outcomes.get(step, "") if what == "outcome" else values.get(f"steps.{step}.{what}", "")
        result = result and ((value == literal) == (operator == "=="))
    return result


def _shell(step: Mapping[str, Any], workflow: Mapping[str, Any]) -> list[str]:
    shell = step.get("shell") or ((workflow.get("defaults") or {}).get("run") or {}).get("shell")
    if shell is None:
        return ["bash", "-e", "-c"]
    if shell != "bash":
        raise AssertionError(f"the test runner does not know the shell {shell!r}")
    return ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]


def _artifact(step: Mapping[str, Any], values: Mapping[str, str], workdir: Path, store: Path) -> bool:
    """Carry out an upload-artifact or download-artifact step; False when it fails."""
    action = step["uses"].split("@")[0]
    inputs = {key: substitute(value, values) for key, value in (step.get("with") or {}).items()}
    folder = store / inputs["name"]
    if action == "actions/upload-artifact":
        found = [workdir / line.strip() for line in inputs["path"].splitlines() if line.strip()]
        if not any(path.exists() for path in found):
            return inputs.get("if-no-files-found", "warn") != "error"
        folder.mkdir(parents=True, exist_ok=True)
        for path in found:
            if path.exists():
                shutil.copy(path, folder / path.name)
        return True
    if not folder.exists():
        return False
    shutil.copytree(folder, workdir / inputs.get("path", "."), dirs_exist_ok=True)
    return True


ARTIFACT_ACTIONS = ("actions/upload-artifact", "actions/download-artifact")


def run_job(
    workflow: Mapping[str, Any],
    job: str,
    workdir: Path,
    base_env: Mapping[str, str],
    context: Mapping[str, str],
    scratch: Path,
    tools: Mapping[str, Path] | None = None,
) -> JobRun:
    """Run ``job``'s shell steps in ``workdir``; ``context`` gives the expressions' values (the step
    outputs of earlier steps are added as ``steps.<id>.outputs.<name>``). Artifacts live in
    ``scratch/artifacts``, the runner's temporary folder is ``scratch/<job>-temp``."""
    temp = scratch / f"{job}-temp"
    shutil.rmtree(temp, ignore_errors=True)
    temp.mkdir(parents=True)
    values = {**context, "runner.temp": str(temp)}
    definition = workflow["jobs"][job]
    env = {**base_env, "RUNNER_TEMP": str(temp)}
    for scope in (workflow.get("env") or {}, definition.get("env") or {}):
        env.update({key: substitute(value, values) for key, value in scope.items()})
    result = JobRun()
    for index, step in enumerate(definition["steps"]):
        step_id = step.get("id") or f"step-{index}"
        if not _condition(step.get("if"), values, result.outcomes, result.failed):
            result.outcomes[step_id] = "skipped"
            continue
        if "uses" in step:
            result.uses.append(step)
            ok = True
            action = step["uses"].split("@")[0]
            if action in ARTIFACT_ACTIONS:
                ok = _artifact(step, values, workdir, scratch / "artifacts")
            if action in (tools or {}):
                env["PATH"] = f"{(tools or {})[action]}:{env['PATH']}"
            result.outcomes[step_id] = "success" if ok else "failure"
            if not ok:
                result.steps.append(StepResult(step["uses"], 1, "", "artifact not found", {}, ""))
            continue
        output = scratch / f"{job}-{index}.output"
        summary = scratch / f"{job}-{index}.summary"
        output.write_text("")
        summary.write_text("")
        step_env = {**env, "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)}
        step_env.update({key: substitute(value, values) for key, value in (step.get("env") or {}).items()})
        done = subprocess.run(
            [*_shell(step, workflow), step["run"]],
            cwd=workdir,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
        for key, value in outputs.items():
            values[f"steps.{step_id}.outputs.{key}"] = value
        result.outcomes[step_id] = "failure" if done.returncode else "success"
        name = step.get("name") or step["run"].splitlines()[0]
        result.steps.append(
            StepResult(name, done.returncode, done.stdout, done.stderr, outputs, summary.read_text())
        )
    return result
