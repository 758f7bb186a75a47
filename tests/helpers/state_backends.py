"""Where an e2e test keeps a stack's state: a DIY file backend, or an S3 bucket on a local S3 server.

Usage::

    with state_backend("s3", tmp / "state") as backend:
        project = staged_project(tmp / "project", endpoint.url, KEY, extra_env=backend.env)
        project.up()
        assert backend.lock_keys(project.stack) == []
        other = second_checkout(project, tmp / "other")   # a clone of the same repository

Both are read without the code under test: the file backend from its directory, S3 with boto3.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.helpers.pulumi_cli import PulumiProject
from tests.helpers.s3_server import S3Server, running_s3_server

PROJECT = "support-cases"  # the name in Pulumi.yaml
KINDS = ("file", "s3")
S3_PREFIX = "teams/support/"


@dataclass
class StateBackend:
    """A backend of kind ``file`` (``root``) or ``s3`` (``s3``, ``bucket`` and the key ``prefix`` the URL
    names), and the environment (``PULUMI_BACKEND_URL`` and, for S3, the bucket's own credentials) that
    points pulumi at it. Keys are relative to the backend's root (below ``prefix``)."""

    kind: str
    env: dict[str, str]
    root: Path | None = None
    s3: S3Server | None = None
    bucket: str = ""
    prefix: str = ""

    @staticmethod
    def lock_folder(stack: str) -> str:
        """Where pulumi keeps the stack's locks (pulumi/pulumi pkg/backend/diy/lock.go, stackLockDir)."""
        return f".pulumi/locks/organization/{PROJECT}/{stack}"

    def keys(self, prefix: str) -> list[str]:
        """Every object under ``prefix``, relative to the backend's root (fileblob's sidecars left out)."""
        if self.s3 is not None:
            return [key.removeprefix(self.prefix) for key in self.s3.keys(self.bucket, self.prefix + prefix)]
        assert self.root is not None
        found = (p for p in self.root.glob(f"{prefix}**/*") if p.is_file() and p.suffix != ".attrs")
        return sorted(str(path.relative_to(self.root)) for path in found)

    def lock_keys(self, stack: str) -> list[str]:
        return self.keys(self.lock_folder(stack) + "/")

    def read(self, key: str) -> bytes:
        if self.s3 is not None:
            return bytes(
                self.s3.client().get_object(Bucket=self.bucket, Key=self.prefix + key)["Body"].read()
            )
        assert self.root is not None
        return (self.root / key).read_bytes()

    def write(self, key: str, content: bytes) -> None:
        if self.s3 is not None:
            self.s3.client().put_object(Bucket=self.bucket, Key=self.prefix + key, Body=content)
        else:
            assert self.root is not None
            (self.root / key).parent.mkdir(parents=True, exist_ok=True)
            (self.root / key).write_bytes(content)


@contextmanager
def state_backend(kind: str, folder: Path) -> Iterator[StateBackend]:
    """A fresh, empty backend of ``kind`` (``file`` or ``s3``) in ``folder``, for the block."""
    if kind == "file":
        root = folder / "backend"
        root.mkdir(parents=True)
        yield StateBackend(kind, {"PULUMI_BACKEND_URL": f"file://{root}"}, root=root)
        return
    assert kind == "s3", kind
    with running_s3_server(folder / "s3") as s3:
        bucket = f"state-{uuid.uuid4().hex[:12]}"  # moto's buckets outlive a server in this process
        s3.create_bucket(bucket)
        # Under a key prefix, as a team sharing one bucket between projects would (the URL's path).
        env = {"PULUMI_BACKEND_URL": s3.backend_url(bucket, S3_PREFIX.rstrip("/")), **s3.env}
        yield StateBackend(kind, env, s3=s3, bucket=bucket, prefix=S3_PREFIX)


def second_checkout(project: PulumiProject, dest: Path) -> PulumiProject:
    """Another clone of the same repository (the committed stack file too): same stack, same state."""
    shutil.copytree(project.workdir, dest)
    other = PulumiProject(dest, stack=project.stack, backend_dir=project.backend_dir)
    other.env = dict(project.env)
    return other
