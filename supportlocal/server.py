"""The HTTP server: AWS Support JSON 1.1 requests, and the control API under ``/_supportlocal/``."""

from __future__ import annotations

import json
import sys
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from supportlocal import protocol
from supportlocal.accounts import account_for_request
from supportlocal.clock import Clock, iso
from supportlocal.control import PREFIX, Control
from supportlocal.errors import SupportError
from supportlocal.faults import Faults
from supportlocal.service import SupportService
from supportlocal.store import Store

CLOCK_OFFSET = "clock_offset"


class SupportServer(ThreadingHTTPServer):
    """A threaded HTTP server on 127.0.0.1 around one service, its store and its faults."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, port: int, data_dir: Path) -> None:
        self.store = Store(data_dir)
        with self.store.transaction():
            offset = float(self.store.get_meta(CLOCK_OFFSET, "0"))
        self.service = SupportService(self.store, Clock(offset, self._persist_clock))
        self.faults = Faults()
        self.control = Control(self.service, self.faults)
        super().__init__(("127.0.0.1", port), SupportHandler)

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

    def answer_aws(
        self, target: str | None, authorization: str | None, body: bytes
    ) -> tuple[int, bytes, str | None]:
        """Run one AWS Support request and log it: (HTTP status, JSON body, error code or None)."""
        operation = protocol.operation_name(target)
        account = case_id = None
        try:
            account = account_for_request(authorization)
            model = protocol.operation_model(operation, self.service.implemented)
            params = protocol.parse_request(model, body)
            case_id = params.get("caseId")
            latency, fault = self.faults.draw(operation)
            time.sleep(latency)
            if fault is not None:
                raise fault
            result = self.service.call(operation, account, params)
            case_id = case_id or result.get("caseId")
            answer: tuple[int, bytes, str | None] = (200, protocol.serialize_output(model, result), None)
        except SupportError as error:
            answer = (error.status, protocol.error_body(error), error.code)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            error = SupportError("InternalServerError", "An internal error occurred.", 500)
            answer = (error.status, protocol.error_body(error), error.code)
        with self.store.transaction():
            self.store.log_call(operation, account, case_id, iso(self.service.clock.now()), answer[2] or "ok")
        return answer


class SupportHandler(BaseHTTPRequestHandler):
    """Routes ``/_supportlocal/`` to the control API and everything else to the AWS protocol."""

    server: SupportServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        """AWS protocol request or control action."""
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith(PREFIX):
            self._control("POST", body)
            return
        status, payload, code = self.server.answer_aws(
            self.headers.get("X-Amz-Target"), self.headers.get("Authorization"), body
        )
        headers = {"x-amzn-RequestId": str(uuid.uuid4())}
        if code:
            headers["x-amzn-ErrorType"] = code
        self._send(status, payload, protocol.CONTENT_TYPE, headers)

    def do_GET(self) -> None:
        """Control reads; the AWS protocol has no GET."""
        if self.path.startswith(PREFIX):
            self._control("GET", b"")
            return
        error = SupportError("UnknownOperationException", "AWS Support takes POST requests only.")
        self._send(400, protocol.error_body(error), protocol.CONTENT_TYPE, {"x-amzn-ErrorType": error.code})

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
