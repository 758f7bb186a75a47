"""Drive the real Pulumi CLI from tests, offline.

The environment comes from ``tools/env.sh`` (sourced in bash), so the shell file stays the single
source of truth for PATH, the local backend, the passphrase and the no-network switches.

Usage::

    from tests.helpers.pulumi_cli import PulumiProject, copy_project

    workdir = copy_project(FIXTURE_DIR, tmp_path / "project")   # sets runtime.options.virtualenv
    project = PulumiProject(workdir, stack="test")               # own file:// backend under tmp
    project.init()                                               # pulumi stack init
    project.up()
    assert project.outputs()["value"] == "hello"
    project.destroy()

Every failure raises ``PulumiCommandError`` carrying the full command, stdout and stderr. A missing
engine raises ``EngineMissingError`` telling to run ``bash tools/setup.sh`` (tests must fail, not skip).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
ENV_SCRIPT = ROOT / "tools" / "env.sh"
VENV = ROOT / ".venv"
SETUP_COMMAND = "bash tools/setup.sh"

#: Executables the engine needs on PATH for a Python program with dynamic providers.
ENGINE_EXECUTABLES = (
    "pulumi",
    "pulumi-language-python",
    "pulumi-language-python-exec",
    "pulumi-resource-pulumi-python",
)


class EngineMissingError(RuntimeError):
    """The Pulumi engine (CLI, Python language host, dynamic-provider launcher) is not installed."""


class PulumiCommandError(RuntimeError):
    """A ``pulumi`` command exited non-zero."""

    def __init__(self, args: list[str], result: subprocess.CompletedProcess[str]) -> None:
        self.args_list = args
        self.result = result
        super().__init__(
            f"`{' '.join(args)}` exited {result.returncode}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
        )


@functools.cache
def _env_from_script() -> tuple[tuple[str, str], ...]:
    out = subprocess.run(
        ["bash", "-c", 'source "$1" && env -0', "bash", str(ENV_SCRIPT)],
        check=True,
        capture_output=True,
        cwd=ROOT,
        env=os.environ.copy(),
    ).stdout
    pairs = []
    for item in out.split(b"\0"):
        if not item:
            continue
        key, _, value = item.decode().partition("=")
        pairs.append((key, value))
    return tuple(pairs)


def offline_env(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of ``source tools/env.sh``, plus ``overrides`` (applied last)."""
    env = dict(_env_from_script())
    if overrides:
        env.update(overrides)
    return env


def require_engine(env: Mapping[str, str] | None = None) -> str:
    """Return the path of ``pulumi``; raise EngineMissingError naming the set-up command otherwise."""
    env = env if env is not None else offline_env()
    missing = [name for name in ENGINE_EXECUTABLES if shutil.which(name, path=env.get("PATH")) is None]
    if missing:
        raise EngineMissingError(
            f"The Pulumi engine is missing ({', '.join(missing)} not found on the PATH set by "
            f"tools/env.sh). Run: {SETUP_COMMAND}"
        )
    pulumi = shutil.which("pulumi", path=env.get("PATH"))
    assert pulumi is not None
    return pulumi


def copy_project(source: Path, dest: Path, virtualenv: Path = VENV) -> Path:
    """Copy a fixture project to ``dest`` and point its ``runtime.options.virtualenv`` at ``virtualenv``.

    The virtualenv path is made absolute: the language host and the dynamic-provider launcher
    resolve it independently, and a copy in a temporary directory has no ``.venv`` of its own.
    """
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("__pycache__", "Pulumi.*.yaml"))
    project_file = dest / "Pulumi.yaml"
    project = yaml.safe_load(project_file.read_text())
    runtime = project.get("runtime")
    if isinstance(runtime, str) or runtime is None:
        runtime = {"name": runtime or "python"}
    options = runtime.setdefault("options", {})
    options["virtualenv"] = str(virtualenv.resolve())
    options.setdefault("toolchain", "pip")
    project["runtime"] = runtime
    project_file.write_text(yaml.safe_dump(project, sort_keys=False))
    return dest


class PulumiProject:
    """A throwaway Pulumi project in ``workdir`` with its own stack and its own file backend.

    ``backend_dir`` defaults to ``workdir.parent / (workdir.name + "-state")`` so projects never
    share state; ``env_overrides`` are applied on top of tools/env.sh.
    """

    def __init__(
        self,
        workdir: Path,
        stack: str = "test",
        env_overrides: Mapping[str, str] | None = None,
        backend_dir: Path | None = None,
        timeout: float = 600,
    ) -> None:
        self.workdir = Path(workdir)
        self.stack = stack
        self.timeout = timeout
        self.backend_dir = backend_dir or self.workdir.parent / f"{self.workdir.name}-state"
        self.backend_dir.mkdir(parents=True, exist_ok=True)
        overrides = {"PULUMI_BACKEND_URL": f"file://{self.backend_dir}"}
        overrides.update(env_overrides or {})
        self.env = offline_env(overrides)
        self.pulumi = require_engine(self.env)

    def command(self, *args: str, stack: bool = True) -> list[str]:
        """``pulumi ARGS`` non-interactive, without colour, with ``--stack`` when ``stack``."""
        return [self.pulumi, *args, "--non-interactive", "--color=never", *(["--stack", self.stack] * stack)]

    def run(self, *args: str, check: bool = True, stack: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``pulumi ARGS`` (non-interactive, no colour; ``--stack`` added when ``stack``)."""
        cmd = self.command(*args, stack=stack)
        result = subprocess.run(
            cmd,
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=self.timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise PulumiCommandError(cmd, result)
        return result

    def provider(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``python -m provider ARGS`` in the project, with the environment `pulumi` runs in (not checked)."""
        return subprocess.run(
            [sys.executable, "-m", "provider", *args],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def start(self, *args: str, log: Path) -> subprocess.Popen[bytes]:
        """Start ``pulumi ARGS`` in the background in a new session, its output going to ``log``."""
        with log.open("wb") as output:
            return subprocess.Popen(
                self.command(*args),
                cwd=self.workdir,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def init(self) -> subprocess.CompletedProcess[str]:
        """Create the stack (passphrase secrets provider)."""
        return self.run("stack", "init", self.stack, "--secrets-provider", "passphrase", stack=False)

    def config_set(self, key: str, value: str, secret: bool = False) -> subprocess.CompletedProcess[str]:
        return self.run("config", "set", key, value, *(["--secret"] if secret else []))

    def up(self, *extra: str) -> subprocess.CompletedProcess[str]:
        return self.run("up", "--yes", "--skip-preview", *extra)

    def preview(self, *extra: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("preview", *extra, check=check)

    def preview_json(self, *extra: str) -> dict[str, Any]:
        """``pulumi preview --json``; its ``changeSummary`` maps operations ("same", "update") to counts."""
        return json.loads(self.preview("--json", *extra).stdout)

    def refresh(self, *extra: str) -> subprocess.CompletedProcess[str]:
        return self.run("refresh", "--yes", "--skip-preview", *extra)

    def destroy(self, *extra: str) -> subprocess.CompletedProcess[str]:
        return self.run("destroy", "--yes", "--skip-preview", *extra)

    def remove_stack(self) -> subprocess.CompletedProcess[str]:
        return self.run("stack", "rm", "--yes", "--force")

    def outputs(self) -> dict[str, Any]:
        """Stack outputs, secrets in plain text."""
        return json.loads(self.run("stack", "output", "--json", "--show-secrets").stdout)

    def export_state(self) -> dict[str, Any]:
        """The checkpoint (``pulumi stack export --show-secrets``) as a dict."""
        return json.loads(self.run("stack", "export", "--show-secrets").stdout)

    def resources(self, type_: str | None = None) -> list[dict[str, Any]]:
        """Resources of the exported state, optionally only those of one type token."""
        resources = self.export_state()["deployment"].get("resources") or []
        return [r for r in resources if type_ is None or r["type"] == type_]
