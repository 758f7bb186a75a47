"""The control API under ``/_supportlocal/``: JSON in, JSON out, apart from the AWS protocol.

Every route is ``POST /_supportlocal/<action>`` with a JSON object body, except the reads
``GET /_supportlocal/calls``, ``GET /_supportlocal/clock``, ``GET /_supportlocal/faults`` and
``GET /_supportlocal/quotas``.
Errors answer ``{"error": code, "message": text}`` with status 400 (bad input) or 404.
"""

from __future__ import annotations

import base64
import binascii
import sys
import traceback
from collections.abc import Callable
from typing import Any

from supportlocal.accounts import PLANS
from supportlocal.errors import SupportError, validation_error
from supportlocal.service import SupportService
from supportlocal.service.quotas import QuotaPlan
from supportlocal.state.clock import iso
from supportlocal.web.faults import FaultPlan, Faults
from supportlocal.web.protocol import MODEL

PREFIX = "/_supportlocal/"
BODY_SHAPE = MODEL.shape_for("CommunicationBody")

Payload = dict[str, Any]
OK: Payload = {"ok": True}


class Control:
    """Dispatches control requests to the service, the store, the clock and the faults."""

    def __init__(self, service: SupportService, faults: Faults) -> None:
        self.service = service
        self.store = service.store
        self.faults = faults
        self.routes: dict[tuple[str, str], Callable[[Payload], Payload]] = {
            ("POST", "reply"): self.reply,
            ("POST", "set-status"): self.set_status,
            ("POST", "set-severity"): self.set_severity,
            ("POST", "set-plan"): self.set_plan,
            ("POST", "account"): self.account,
            ("POST", "set-case-limit"): self.set_case_limit,
            ("POST", "advance-clock"): self.advance_clock,
            ("POST", "age-case"): self.age_case,
            ("GET", "clock"): self.clock,
            ("POST", "set-faults"): self.set_faults,
            ("POST", "clear-faults"): self.clear_faults,
            ("GET", "faults"): self.fault_plan,
            ("POST", "set-quotas"): self.set_quotas,
            ("GET", "quotas"): self.quota_plan,
            ("GET", "calls"): self.calls,
            ("POST", "reset-calls"): self.reset_calls,
        }

    def handle(self, method: str, path: str, payload: Payload) -> tuple[int, Payload]:
        """Answer one control request: (HTTP status, JSON object)."""
        route = self.routes.get((method, path.removeprefix(PREFIX).strip("/")))
        if route is None:
            return 404, {"error": "NotFound", "message": f"No control route {method} {path}"}
        try:
            return 200, route(payload)
        except SupportError as error:
            status = 404 if error.code.endswith("NotFound") else 400
            return status, {"error": error.code, "message": error.message}
        except (ValueError, TypeError) as error:
            return 400, {"error": "ValidationException", "message": str(error)}
        except Exception as error:  # a bug here answers 500 instead of dropping the connection
            traceback.print_exc(file=sys.stderr)
            return 500, {"error": "InternalServerError", "message": f"{type(error).__name__}: {error}"}

    def reply(self, payload: Payload) -> Payload:
        """Add a communication from AWS to a case, with optional base64 attachments and status move."""
        body = _text(payload, "body")
        if not BODY_SHAPE.metadata["min"] <= len(body) <= BODY_SHAPE.metadata["max"]:
            raise validation_error("body must have between 1 and 8000 characters")
        attachments = []
        for item in payload.get("attachments") or []:
            try:
                attachments.append(
                    (_text(item, "fileName"), base64.b64decode(item.get("data", ""), validate=True))
                )
            except binascii.Error:
                raise validation_error("attachment data must be base64") from None
        status = _text(payload, "status") if payload.get("status") is not None else None
        self.service.reply(_text(payload, "caseId"), body, payload.get("submittedBy"), attachments, status)
        return OK

    def set_status(self, payload: Payload) -> Payload:
        """Set a case's status."""
        self.service.set_status(_text(payload, "caseId"), _text(payload, "status"))
        return OK

    def set_severity(self, payload: Payload) -> Payload:
        """Set a case's severity code."""
        self.service.set_severity(_text(payload, "caseId"), _text(payload, "severityCode"))
        return OK

    def set_plan(self, payload: Payload) -> Payload:
        """Set an account's support plan."""
        plan = _text(payload, "plan")
        if plan not in PLANS:
            raise validation_error(f"plan must be one of {', '.join(PLANS)}")
        with self.store.transaction():
            self.store.update_account(_text(payload, "accountId"), plan=plan)
        return OK

    def account(self, payload: Payload) -> Payload:
        """An account's plan, open-case limit and the severity codes its plan offers."""
        account_id = _text(payload, "accountId")
        settings = self.service.account(account_id)
        return {
            "accountId": account_id,
            "plan": settings["plan"],
            "caseLimit": settings["case_limit"],
            "severityCodes": settings["severity_codes"],
        }

    def set_case_limit(self, payload: Payload) -> Payload:
        """Set an account's open-case limit (null: no limit)."""
        limit = payload.get("limit")
        if limit is not None and (not isinstance(limit, int) or limit < 0):
            raise validation_error("limit must be a non-negative integer or null")
        with self.store.transaction():
            self.store.update_account(_text(payload, "accountId"), case_limit=limit)
        return OK

    def advance_clock(self, payload: Payload) -> Payload:
        """Move the service clock forward by ``seconds``."""
        seconds = payload.get("seconds")
        if not isinstance(seconds, int | float):
            raise validation_error("seconds must be a number")
        return {"now": iso(self.service.clock.advance(float(seconds)))}

    def age_case(self, payload: Payload) -> Payload:
        """Make one case ``seconds`` older, the clock staying where it is."""
        seconds = payload.get("seconds")
        if not isinstance(seconds, int | float) or isinstance(seconds, bool):
            raise validation_error("seconds must be a number")
        self.service.age_case(_text(payload, "caseId"), float(seconds))
        return OK

    def clock(self, payload: Payload) -> Payload:
        """The service time."""
        return {"now": iso(self.service.clock.now())}

    def set_faults(self, payload: Payload) -> Payload:
        """Replace the fault plan."""
        operations = payload.get("operations")
        self.faults.set(
            FaultPlan(
                throttle_rate=float(payload.get("throttleRate", 0.0)),
                error_rate=float(payload.get("errorRate", 0.0)),
                lost_answer_rate=float(payload.get("lostAnswerRate", 0.0)),
                lost_answer=str(payload.get("lostAnswer", "500")),
                latency_ms=int(payload.get("latencyMs", 0)),
                operations=tuple(operations) if operations is not None else None,
            )
        )
        return self.faults.plan.as_dict()

    def clear_faults(self, payload: Payload) -> Payload:
        """Remove every fault."""
        self.faults.set(FaultPlan())
        return OK

    def fault_plan(self, payload: Payload) -> Payload:
        """The fault plan in force."""
        return self.faults.plan.as_dict()

    def set_quotas(self, payload: Payload) -> Payload:
        """Replace the quota plan (a missing or null member switches that quota off)."""
        self.service.quotas.set(
            QuotaPlan(
                calls_per_second=payload.get("callsPerSecond"),
                cases_per_hour=payload.get("casesPerHour"),
                attachment_sets_per_minute=payload.get("attachmentSetsPerMinute"),
                describe_attachments_per_minute=payload.get("describeAttachmentsPerMinute"),
            )
        )
        return self.service.quotas.plan.as_dict()

    def quota_plan(self, payload: Payload) -> Payload:
        """The quota plan in force."""
        return self.service.quotas.plan.as_dict()

    def calls(self, payload: Payload) -> Payload:
        """The call log."""
        with self.store.transaction():
            return {"calls": self.store.calls()}

    def reset_calls(self, payload: Payload) -> Payload:
        """Empty the call log."""
        with self.store.transaction():
            self.store.clear_calls()
        return OK


def _text(payload: Payload, key: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value:
        raise validation_error(f"'{key}' must be a non-empty string")
    return value
