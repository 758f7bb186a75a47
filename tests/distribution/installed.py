"""Build the wheel and install it in a fresh virtualenv, as a team would.

The wheel is built from the working tree with ``pip wheel --no-build-isolation`` and the build backend
pinned in requirements.lock (no download); installing it fetches its dependencies from the package
index, at the versions of requirements.lock (``--constraint``), through pip's cache.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.helpers.pulumi_cli import ROOT

PIP = ("-m", "pip", "--disable-pip-version-check", "--no-input")


@dataclass(frozen=True)
class Installed:
    """A virtualenv holding the distribution."""

    venv: Path

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """``base`` (default: this process's environment) with the virtualenv first on PATH and no
        PYTHONPATH: nothing of the checkout is importable, only what the wheel installed."""
        env = dict(os.environ if base is None else base)
        env.pop("PYTHONPATH", None)
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(self.venv)
        return env

    def run(
        self, *command: str, cwd: Path, env: dict[str, str] | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run one of the virtualenv's programs (``supportcases``, ``python``) in ``cwd``."""
        result = subprocess.run(
            [str(self.bin / command[0]), *command[1:]],
            cwd=cwd,
            env=self.env(env),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(command)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
            )
        return result


def build_wheel(out: Path) -> Path:
    """The wheel of the working tree, in ``out``."""
    command = [sys.executable, *PIP, "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", out, ROOT]
    subprocess.run([str(part) for part in command], check=True, timeout=600)
    (wheel,) = out.glob("*.whl")
    return wheel


def install(wheel: Path, venv: Path) -> Installed:
    """A fresh virtualenv at ``venv`` with ``wheel`` and its dependencies installed."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    constraints = ROOT / "requirements.lock"
    command = [venv / "bin" / "python", *PIP, "install", "--quiet", "--constraint", constraints, wheel]
    subprocess.run([str(part) for part in command], check=True, timeout=1200)
    return Installed(venv)
