"""The common core of the local GitHub/GitLab API stand-ins (tests/review and tests/sync), on 127.0.0.1.

A stand-in subclasses :class:`ForgeHandler` with its ``token``, its ``routes`` (method, path pattern,
action) and one ``_<action>`` method per action, and serves it with :func:`serving` for its state
(``self.forge`` in the handler: a ``url`` and the ``calls`` made). Every call is logged as (method,
path); a call without the expected token (``Authorization: Bearer`` or GitLab's ``PRIVATE-TOKEN``) is
refused with 401, an unknown route with 404, both as GitHub words them.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from re import Match
from typing import Any, ClassVar, Protocol, TypeVar
from urllib.parse import parse_qs, urlsplit


class Recorded(Protocol):
    """A stand-in's state: where it listens and every call made to it."""

    url: str
    calls: list[tuple[str, str]]


State = TypeVar("State", bound=Recorded)


class ForgeHandler(BaseHTTPRequestHandler):
    """Token check, routing and JSON answers; subclasses name ``token`` and ``routes``."""

    token: ClassVar[str]
    routes: ClassVar[list[tuple[str, str, str]]]
    forge: ClassVar[Any]  # the stand-in's state, set by serving()

    def log_message(self, *_: Any) -> None:
        pass

    def _answer(self, status: int, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _payload(self) -> dict[str, Any]:
        return json.loads(self.rfile.read(int(self.headers["Content-Length"])))

    def _route(self) -> None:
        url = urlsplit(self.path)
        self.forge.calls.append((self.command, url.path))
        token = self.headers.get("Authorization", "").removeprefix("Bearer ") or self.headers.get(
            "PRIVATE-TOKEN"
        )
        if token != self.token:
            self._answer(401, {"message": "Bad credentials"})
            return
        for method, pattern, action in self.routes:
            found = re.fullmatch(pattern, url.path)
            if method == self.command and found:
                self._dispatch(action, found, url.path, parse_qs(url.query))
                return
        self._answer(404, {"message": "Not Found"})

    def _dispatch(self, action: str, found: Match[str], path: str, query: dict[str, list[str]]) -> None:
        """Call the action's method; each stand-in says what it is given."""
        raise NotImplementedError

    do_GET = do_POST = do_PATCH = do_PUT = _route


@contextmanager
def serving(handler: type[ForgeHandler], forge: State) -> Iterator[State]:
    """Serve ``handler`` for the state ``forge`` on 127.0.0.1 (a free port, set as ``forge.url``) until the
    block ends."""
    bound = type(handler.__name__, (handler,), {"forge": forge})
    server = ThreadingHTTPServer(("127.0.0.1", 0), bound)
    forge.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield forge
    finally:
        server.shutdown()
        server.server_close()
