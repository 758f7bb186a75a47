"""A local S3 API server (moto's server mode) on 127.0.0.1, for tests of the S3 state backend.

Usage::

    with running_s3_server(tmp_path / "s3") as s3:
        s3.create_bucket("team-state")
        env = {"PULUMI_BACKEND_URL": s3.backend_url("team-state"), **s3.env}
        ...
        assert set(s3.access_key_ids) == {S3_ACCESS_KEY}   # who called it

The state is reached with credentials of its own: a shared credentials file holding the profile
``state`` (the backend URL names it with ``profile=state``), so the Support API's credentials (the
``AWS_ACCESS_KEY_ID`` the tests set for supportlocal) and the bucket's never mix. The server records
the access key id of every request it receives, to prove it.

moto keeps its buckets in the memory of this process, shared by every server started in it: use a
bucket name per test.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

#: The state bucket's credentials (moto accepts any; these only identify the caller).
S3_ACCESS_KEY = "AKIASTATEBUCKETKEY"
S3_SECRET_KEY = "state-bucket-secret"
S3_PROFILE = "state"
REGION = "us-east-1"

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass
class S3Server:
    """A running server: its endpoint, the environment that reaches it, and who called it."""

    endpoint: str
    env: dict[str, str]
    access_key_ids: list[str] = field(default_factory=list)

    def backend_url(self, bucket: str, prefix: str = "") -> str:
        """The ``PULUMI_BACKEND_URL`` of ``bucket`` (under the key ``prefix``), in the DIY backend's syntax.

        ``endpoint`` without a scheme plus ``disableSSL=true`` is the AWS SDK v1 style that Pulumi
        translates for gocloud.dev v0.46 (pulumi/pulumi pkg/backend/diy/backend.go,
        translateLegacyS3Params); ``s3ForcePathStyle``, ``region`` and ``profile`` are gocloud.dev's
        own (gocloud.dev blob/s3blob URLOpener, aws.V2ConfigFromURLParams).
        """
        host = self.endpoint.removeprefix("http://")
        where = f"{bucket}/{prefix}" if prefix else bucket
        return (
            f"s3://{where}?endpoint={host}&disableSSL=true&s3ForcePathStyle=true"
            f"&region={REGION}&profile={S3_PROFILE}"
        )

    def client(self) -> Any:
        """A boto3 S3 client with the state's credentials."""
        return boto3.client(
            "s3",
            region_name=REGION,
            endpoint_url=self.endpoint,
            aws_access_key_id=S3_ACCESS_KEY,
            aws_secret_access_key=S3_SECRET_KEY,
        )

    def create_bucket(self, name: str) -> None:
        self.client().create_bucket(Bucket=name)

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        """Every object key of ``bucket`` under ``prefix``."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


class _QuietHandler(MotoRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """No access log on stderr."""


def _recording(app: WsgiApp, seen: list[str]) -> WsgiApp:
    def record(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        match = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
        seen.append(match.group(1) if match else "(unsigned)")
        return app(environ, start_response)

    return record


@contextmanager
def running_s3_server(folder: Path) -> Iterator[S3Server]:
    """Serve moto's S3 on 127.0.0.1 (a free port) until the block ends; ``folder`` gets the credentials."""
    folder.mkdir(parents=True, exist_ok=True)
    credentials = folder / "credentials"
    credentials.write_text(
        f"[{S3_PROFILE}]\naws_access_key_id = {S3_ACCESS_KEY}\naws_secret_access_key = {S3_SECRET_KEY}\n"
    )
    config = folder / "config"
    config.write_text(f"[profile {S3_PROFILE}]\nregion = {REGION}\n")
    seen: list[str] = []
    app = _recording(DomainDispatcherApplication(create_backend_app), seen)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield S3Server(
            endpoint=f"http://127.0.0.1:{server.server_port}",
            env={"AWS_SHARED_CREDENTIALS_FILE": str(credentials), "AWS_CONFIG_FILE": str(config)},
            access_key_ids=seen,
        )
    finally:
        server.shutdown()
        thread.join()
