"""The HTTP server: AWS Support JSON 1.1 requests, the presigned attachment URLs under ``/_attachments/``,
and the control API under ``/_supportlocal/``."""

from __future__ import annotations

import json
import re
import sys
import time
import traceback
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

from supportlocal.accounts import account_for_request
from supportlocal.catalogue import Catalogue
from supportlocal.errors import SupportError
from supportlocal.service import SupportService
from supportlocal.service.lifecycle import RETENTION_MONTHS
from supportlocal.service.links import PREFIX as LINKS_PREFIX
from supportlocal.service.quotas import QuotaPlan
from supportlocal.state.clock import Clock, iso
from supportlocal.state.store import Store
from supportlocal.web import protocol
from supportlocal.web.control import PREFIX, Control
from supportlocal.web.faults import Faults

CLOCK_OFFSET = "clock_offset"
LOST_ANSWER = "lost-answer"
PART_PATH = re.compile(r"^parts/([^/]+)/(\d+)$")
FILE_PATH = re.compile(r"^files/([^/]+)$")


@dataclass(frozen=True)
class Answer:
    """What one AWS request gets: a status and JSON body (with the error code, if any), or no answer."""

    status: int
    body: bytes
    error_code: str | None
    dropped: bool = False


class SupportServer(ThreadingHTTPServer):
    """A threaded HTTP server on 127.0.0.1 around one service, its store, its faults and its quotas."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(
        self,
        port: int,
        data_dir: Path,
        catalogue: Catalogue,
        quotas: QuotaPlan,
        plans: Mapping[str, str] | None = None,
        retention_months: int = RETENTION_MONTHS,
    ) -> None:
        """``plans`` (account id -> plan) are written to the state before the first request."""
        self.store = Store(data_dir)
        with self.store.transaction():
            offset = float(self.store.get_meta(CLOCK_OFFSET, "0"))
            for account_id, plan in (plans or {}).items():
                self.store.update_account(account_id, plan=plan)
        clock = Clock(offset, self._persist_clock)
        self.service = SupportService(self.store, clock, catalogue, quotas, retention_months)
        self.faults = Faults()
        self.control = Control(self.service, self.faults)
        super().__init__(("127.0.0.1", port), SupportHandler)
        self.service.context.links.base_url = self.url

    @property
    def url(self) -> str:
        """The base URL clients use."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def _persist_clock(self, offset: float) -> None:
        with self.store.transaction():
            self.store.set_meta(CLOCK_OFFSET, repr(offset))

    def server_close(self) -> None:
        """Stop listening and close the store."""
        super().server_close()
        self.store.close()

    def answer_aws(self, target: str | None, authorization: str | None, body: bytes) -> Answer:
        """Run one AWS Support request and log it (every attempt, with its outcome)."""
        operation = protocol.operation_name(target)
        account = case_id = None
        outcome = "ok"
        try:
            account = account_for_request(authorization)
            self.service.admit(account)
            model = protocol.operation_model(operation, self.service.implemented)
            params = protocol.parse_request(model, body)
            case_id = params.get("caseId")
            draw = self.faults.draw(operation)
            time.sleep(draw.latency)
            if draw.error is not None:
                raise draw.error
            result = self.service.call(operation, account, params)
            case_id = case_id or result.get("caseId")
            answer = Answer(200, protocol.serialize_output(model, result), None)
            if draw.lost_answer is not None:
                # The effect is committed; only the answer is lost (issue 9's ambiguous failure).
                outcome = LOST_ANSWER
                lost = SupportError("InternalServerError", "An internal error occurred.", 500)
                answer = Answer(500, protocol.error_body(lost), lost.code, dropped=draw.lost_answer == "drop")
        except SupportError as error:
            answer = Answer(error.status, protocol.error_body(error), error.code)
            outcome = error.code
        except Exception:
            traceback.print_exc(file=sys.stderr)
            error = SupportError("InternalServerError", "An internal error occurred.", 500)
            answer = Answer(error.status, protocol.error_body(error), error.code)
            outcome = error.code
        with self.store.transaction():
            self.store.log_call(operation, account, case_id, iso(self.service.clock.now()), outcome)
        return answer


class SupportHandler(BaseHTTPRequestHandler):
    """Routes ``/_supportlocal/`` to control, ``/_attachments/`` to the presigned URLs, the rest to AWS."""

    server: SupportServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        """AWS protocol request or control action."""
        body = self._body()
        if self.path.startswith(PREFIX):
            self._control("POST", body)
            return
        answer = self.server.answer_aws(
            self.headers.get("X-Amz-Target"), self.headers.get("Authorization"), body
        )
        if answer.dropped:
            self.close_connection = True  # no status line, no body: the client sees the connection close
            return
        headers = {"x-amzn-RequestId": str(uuid.uuid4())}
        if answer.error_code:
            headers["x-amzn-ErrorType"] = answer.error_code
        self._send(answer.status, answer.body, protocol.CONTENT_TYPE, headers)

    def do_GET(self) -> None:
        """Control reads and attachment downloads; the AWS protocol has no GET."""
        if self.path.startswith(PREFIX):
            self._control("GET", b"")
        elif self.path.startswith(LINKS_PREFIX):
            self._download()
        else:
            error = SupportError("UnknownOperationException", "AWS Support takes POST requests only.")
            self._send(
                400, protocol.error_body(error), protocol.CONTENT_TYPE, {"x-amzn-ErrorType": error.code}
            )

    def do_PUT(self) -> None:
        """An upload part PUT to its presigned URL."""
        data = self._body()
        match = PART_PATH.match(self._signed_path() or "")
        if match is None:
            self._refuse_link()
            return
        try:
            etag = self.server.service.put_part(match.group(1), int(match.group(2)), data)
        except SupportError as error:
            self._send(400, error.message.encode(), "text/plain; charset=utf-8", {})
            return
        self._send(200, b"", "text/plain", {"ETag": etag})

    def _download(self) -> None:
        match = FILE_PATH.match(self._signed_path() or "")
        found = self.server.service.download(match.group(1)) if match else None
        if found is None:
            self._refuse_link()
            return
        file_name, data = found
        disposition = f"attachment; filename*=UTF-8''{quote(file_name)}"
        self._send(200, data, "application/octet-stream", {"Content-Disposition": disposition})

    def _signed_path(self) -> str | None:
        return self.server.service.context.links.check(self.path, self.server.service.clock.now())

    def _refuse_link(self) -> None:
        self._send(403, b"The link is unknown, expired or not signed.", "text/plain; charset=utf-8", {})

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _control(self, method: str, body: bytes) -> None:
        try:
            payload: Any = json.loads(body or b"{}")
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            status, answer = (
                400,
                {"error": "ValidationException", "message": "the body must be a JSON object"},
            )
        else:
            status, answer = self.server.control.handle(method, self.path, payload)
        self._send(status, json.dumps(answer).encode(), "application/json", {})

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the access log quiet; the call log is the record."""
