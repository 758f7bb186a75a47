"""Every Support API call of the provider process goes through here: paced, never made once the engine
that started the process is gone, and never retried blindly when it changes something at AWS.

Reads keep botocore's adaptive retries. Writes (CreateCase, AddCommunicationToCase, ResolveCase,
AddAttachmentsToSet) are sent once: a throttled write was refused before any effect and is sent again
after a pause, but a write whose answer was lost (HTTP 5xx, a timeout, a dropped connection) raises
:class:`AmbiguousWrite`, and the executor looks at AWS before sending anything again.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
    ResponseStreamingError,
)

from provider.aws.pacing import Pacer
from provider.aws.sessions import Sessions
from provider.aws.support_api import ApiSettings, SupportApiError, explain, support_clients


def _parent_of(pid: int) -> int:
    """The parent of ``pid`` (Linux /proc; 0 when unknown)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(stat.rsplit(")", 1)[1].split()[1])


# The processes that started this one. In the dynamic provider's process that is the engine's launcher
# script (`pulumi-resource-pulumi-python`, which does not exec) and the Pulumi engine above it. Once
# either is gone (a killed `pulumi up`) the provider must not go on calling AWS on its own.
_ANCESTORS = (os.getppid(), _parent_of(os.getppid()))


def engine_alive() -> bool:
    """Whether the processes that started this one are still its parent and grandparent."""
    parent, grandparent = _ANCESTORS
    return os.getppid() == parent and _parent_of(parent) == grandparent


_THROTTLED = {"ThrottlingException", "Throttling", "TooManyRequestsException"}
# Errors after which the request may or may not have taken effect at AWS.
_LOST_ANSWER = (ReadTimeoutError, ConnectionClosedError, ResponseStreamingError)
# Errors after which it certainly did not: the connection was never made.
_NOT_SENT = (EndpointConnectionError, ConnectTimeoutError)


class AmbiguousWrite(SupportApiError):
    """A write whose answer was lost: AWS may or may not have done it."""


class EngineGone(SupportApiError):
    """The Pulumi engine that started this provider process has exited: no more calls."""


class SupportApi:
    """One account's Support API, shared by every resource operation of the provider process."""

    def __init__(self, settings: ApiSettings, alias: str | None, sessions: Sessions) -> None:
        clients = support_clients(settings, alias, sessions)
        self.account = clients.account
        self.alias = clients.account.alias
        self._reader = clients.reader
        self._writer = clients.writer
        self._pacer = Pacer(settings.calls_per_second)
        self._attempts = settings.max_attempts

    def _in_account(self, doing: str) -> str:
        """What was being done, and in which account (the alias of the stack config)."""
        return f"{doing} in account '{self.alias}'"

    def turn(self) -> None:
        """Wait for this process's next call slot; refuse once the engine is gone."""
        self._pacer.wait()
        if not engine_alive():  # checked after the wait: the engine may have died meanwhile
            raise EngineGone("the Pulumi engine that started this provider has exited; no more AWS calls")

    def read(self, doing: str, operation: str, *, paced: bool = True, **params: Any) -> dict[str, Any]:
        """One read call (botocore retries it)."""
        if paced:
            self.turn()
        try:
            return getattr(self._reader, operation)(**params)
        except Exception as error:
            raise explain(error, self._in_account(doing)) from None

    def pages(self, doing: str, operation: str, key: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a paginated read, through botocore's paginator, one paced call per page."""
        pages = iter(self._reader.get_paginator(operation).paginate(**params))
        while True:
            self.turn()
            try:
                page = next(pages)
            except StopIteration:
                return
            except Exception as error:
                raise explain(error, self._in_account(doing)) from None
            yield from page.get(key, [])

    def write(self, doing: str, operation: str, **params: Any) -> dict[str, Any]:
        """One write: sent again only when AWS refused it unseen (throttling, no connection)."""
        for attempt in range(1, self._attempts + 1):
            self.turn()
            try:
                return getattr(self._writer, operation)(**params)
            except ClientError as error:
                status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
                code = error.response.get("Error", {}).get("Code", "")
                if code in _THROTTLED and attempt < self._attempts:
                    time.sleep(min(2.0**attempt * 0.1, 5.0))
                    continue
                if status >= 500:
                    raise AmbiguousWrite(str(explain(error, self._in_account(doing))), code) from None
                raise explain(error, self._in_account(doing)) from None
            except _NOT_SENT as error:
                if attempt < self._attempts:
                    time.sleep(min(2.0**attempt * 0.1, 5.0))
                    continue
                raise explain(error, self._in_account(doing)) from None
            except _LOST_ANSWER as error:
                raise AmbiguousWrite(f"{doing}: the answer was lost ({error})", "LostAnswer") from None
            except Exception as error:
                raise explain(error, self._in_account(doing)) from None
        raise SupportApiError(f"{doing}: gave up after {self._attempts} attempts")


_APIS: dict[tuple[Any, ...], SupportApi] = {}
_SESSIONS: dict[tuple[str | None, ...], Sessions] = {}
_LOCK = threading.Lock()
# The environment botocore reads when it makes a session or a client: a process whose environment
# changes (a test suite) gets new ones; the provider process never changes it.
_ENVIRONMENT = (
    "AWS_ENDPOINT_URL_SUPPORT",
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_PROFILE",
    "AWS_CONFIG_FILE",
)


def support_api(settings: ApiSettings, alias: str | None) -> SupportApi:
    """The process's one :class:`SupportApi` for this account: one pacer, one session per account."""
    environment = tuple(os.environ.get(name) for name in _ENVIRONMENT)
    with _LOCK:
        api = _APIS.get((settings, alias, environment))
        if api is None:
            sessions = _SESSIONS.setdefault(environment, Sessions())
            api = _APIS[(settings, alias, environment)] = SupportApi(settings, alias, sessions)
        return api
