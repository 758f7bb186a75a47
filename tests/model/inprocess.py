"""supportlocal in this process, reached by the provider's own boto3 clients without a socket.

Every botocore request of the process (whatever client made it) is answered by
:meth:`supportlocal.web.server.SupportServer.answer_aws`, the server's own entry point: the same protocol
parsing, faults, quotas and call log as over HTTP, minus the socket. Between the provider and supportlocal
sits the model's wire, which

- moves supportlocal's clock forward a little before every call (as the provider's pacing would: two
  messages never share a millisecond), and makes the provider's clock read supportlocal's (a machine
  whose clock agrees with AWS's);
- kills the run between two calls: :class:`Killed` (a BaseException, which no ``except Exception`` of
  the provider or botocore catches) is raised before call number ``kill_after + 1`` is sent, as a
  ``kill -9`` of the provider process would stop it there;
- drops the connection of a lost answer (supportlocal's ``lost_answer="drop"``) as a closed socket.
"""

from __future__ import annotations

import json
import random
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import botocore.endpoint
from botocore.awsrequest import AWSResponse, HeadersDict
from botocore.exceptions import ConnectionClosedError

from supportlocal import catalogue
from supportlocal.service.quotas import OFF
from supportlocal.web import protocol
from supportlocal.web.faults import FaultPlan
from supportlocal.web.server import SupportServer

# supportlocal tells accounts apart by the 12 digits in the access key id (supportlocal/accounts.py).
ACCOUNTS = {"prod": "111111111111", "staging": "222222222222"}
PACE = 0.25  # seconds of service time before every call: the provider's 5 calls per second per account
WRITES = ("CreateCase", "AddCommunicationToCase", "ResolveCase", "AddAttachmentsToSet")


class Killed(BaseException):
    """The provider process was killed (``kill -9``): nothing after this point runs."""


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


@dataclass
class Wire:
    """Where the provider's calls go: one in-process supportlocal, with the model's kill and faults."""

    server: SupportServer
    calls_made: int = 0
    kill_after: int | None = None  # kill before the call after this many calls of the current run
    killed: bool = False
    sent: list[dict[str, Any]] = field(default_factory=list)  # what was sent, for the reports

    def maybe_kill(self) -> None:
        """A point where a kill may land: before a call, or after an operation before the engine saves."""
        if self.kill_after is not None and self.calls_made >= self.kill_after and not self.killed:
            self.killed = True
            raise Killed(f"killed after {self.calls_made} Support API calls")

    def send(self, request: Any) -> AWSResponse:
        """Answer one botocore request as supportlocal's HTTP handler would."""
        self.maybe_kill()
        self.server.service.clock.advance(PACE)
        body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
        headers = request.headers
        target = headers.get("X-Amz-Target")
        target = target.decode() if isinstance(target, bytes) else target
        authorization = headers.get("Authorization")
        authorization = authorization.decode() if isinstance(authorization, bytes) else authorization
        answer = self.server.answer_aws(target, authorization, body)
        self.calls_made += 1
        operation = (target or "").rsplit(".", 1)[-1]
        self.sent.append({"operation": operation, **json.loads(body or b"{}")})
        if answer.dropped:
            raise ConnectionClosedError(endpoint_url=request.url)
        reply = HeadersDict({"Content-Type": protocol.CONTENT_TYPE, "x-amzn-RequestId": "model"})
        if answer.error_code:
            reply["x-amzn-ErrorType"] = answer.error_code
        return AWSResponse(request.url, answer.status, reply, _Raw(answer.body))

    # --- the run's conditions ------------------------------------------------------------------------

    def start_run(self, kill_after: int | None, faults: FaultPlan | None, seed: int) -> None:
        """A new run: its own call count, the kill point and the faults drawn for it."""
        self.calls_made = 0
        self.kill_after = kill_after
        self.killed = False
        self.server.faults.set(faults or FaultPlan())
        self.server.faults._random = random.Random(seed)  # reproducible draws (no seed hook in Faults)

    def end_run(self) -> None:
        """Faults and the kill apply to one run only."""
        self.kill_after = None
        self.server.faults.set(FaultPlan())

    # --- the truth -----------------------------------------------------------------------------------

    def now(self) -> float:
        """supportlocal's clock."""
        return self.server.service.clock.now()

    def cases(self, account_id: str) -> list[dict[str, Any]]:
        """Every case of the account, resolved ones included (DescribeCases, unlogged, no faults)."""
        found: list[dict[str, Any]] = []
        token = None
        while True:
            params: dict[str, Any] = {"includeResolvedCases": True, "includeCommunications": False}
            if token:
                params["nextToken"] = token
            page = self.server.service.call("DescribeCases", account_id, params)
            found += page["cases"]
            token = page.get("nextToken")
            if not token:
                return found

    def communications(self, account_id: str, case_id: str) -> list[dict[str, Any]]:
        """Every communication of a case, oldest first (DescribeCommunications, unlogged, no faults)."""
        found: list[dict[str, Any]] = []
        token = None
        while True:
            params: dict[str, Any] = {"caseId": case_id}
            if token:
                params["nextToken"] = token
            page = self.server.service.call("DescribeCommunications", account_id, params)
            found += page["communications"]
            token = page.get("nextToken")
            if not token:
                return list(reversed(found))

    def calls(self) -> list[dict[str, Any]]:
        """supportlocal's call log, oldest first."""
        with self.server.store.transaction():
            return self.server.store.calls()

    def control(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """One control API request (as ``supportlocal.client.ControlClient`` sends it)."""
        status, answer = self.server.control.handle("POST", f"/_supportlocal/{action}", payload)
        if status != 200:
            raise RuntimeError(f"control {action}: {status} {answer}")
        return answer


class _ServiceClock(datetime):
    """``datetime`` whose ``now`` is supportlocal's clock (the provider reads ``datetime.now(UTC)``)."""

    wire: Wire | None = None

    @classmethod
    def now(cls, tz: Any = None) -> Any:  # type: ignore[override]
        wire = cls.wire
        if wire is None:
            return datetime.now(tz)
        return datetime.fromtimestamp(wire.now(), tz or UTC)


def _profiles(folder: Path) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "config"
    credentials = folder / "credentials"
    config.write_text("".join(f"[profile {alias}]\nregion = us-east-1\n" for alias in ACCOUNTS))
    credentials.write_text(
        "".join(
            f"[{alias}]\naws_access_key_id = AKIA{number[:12]}\naws_secret_access_key = model-secret\n"
            for alias, number in ACCOUNTS.items()
        )
    )
    return {"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(credentials)}


@contextmanager
def wired(folder: Path) -> Iterator[Wire]:
    """supportlocal on ``folder`` with the process's botocore requests routed to it, for the block.

    The environment gets two profiles (``prod``, ``staging``) of two supportlocal accounts and an
    endpoint on a closed loopback port, so a request that somehow escapes the routing fails locally.
    """
    import os

    import provider.aws.calls as calls
    import provider.aws.casebook as casebook
    import provider.aws.execute as execute

    server = SupportServer(0, folder / "supportlocal", catalogue.load(catalogue.DEFAULT_PATH), OFF)
    wire = Wire(server)
    environment = {
        **_profiles(folder / "aws"),
        "AWS_ENDPOINT_URL_SUPPORT": "http://127.0.0.1:9",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    saved_env = {name: os.environ.get(name) for name in (*environment, "AWS_PROFILE", "AWS_ACCESS_KEY_ID")}
    saved = (
        botocore.endpoint.Endpoint._send,
        execute.datetime,
        casebook.datetime,
        calls.time,
        botocore.endpoint.time,
    )
    try:
        os.environ.update(environment)
        for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID"):
            os.environ.pop(name, None)
        botocore.endpoint.Endpoint._send = lambda _endpoint, request: wire.send(request)
        _ServiceClock.wire = wire
        execute.datetime = casebook.datetime = _ServiceClock
        # Backoff pauses pass instantly: a throttled write is sent again at once (the pause is not what
        # the model tests), and botocore's read retries do not wait either.
        calls.time = botocore.endpoint.time = types.SimpleNamespace(sleep=lambda _seconds: None)
        yield wire
    finally:
        (
            botocore.endpoint.Endpoint._send,
            execute.datetime,
            casebook.datetime,
            calls.time,
            botocore.endpoint.time,
        ) = saved
        _ServiceClock.wire = None
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        server.server_close()
