"""A small Python client for the control API of a running supportlocal."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from typing import Any

PREFIX = "/_supportlocal/"


class ControlError(RuntimeError):
    """A control request the server refused: ``status``, ``code`` and ``message`` say why."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class ControlClient:
    """Drive supportlocal's side of things: AWS replies, case and account state, clock, faults, call log."""

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _request(self, method: str, action: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(payload or {}).encode() if method == "POST" else None
        request = urllib.request.Request(
            self.url + PREFIX + action, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            answer = json.loads(error.read() or b"{}")
            raise ControlError(error.code, answer.get("error", "Error"), answer.get("message", "")) from None

    def reply(
        self,
        case_id: str,
        body: str,
        *,
        submitted_by: str | None = None,
        attachments: list[tuple[str, bytes]] | None = None,
        status: str | None = None,
    ) -> None:
        """Add a communication from AWS (``submittedBy`` "Amazon Web Services" unless given).

        ``attachments`` are (fileName, bytes) pairs; ``status`` moves the case in the same step
        (e.g. ``pending-customer-action`` when the engineer asks for information).
        """
        self._request(
            "POST",
            "reply",
            {
                "caseId": case_id,
                "body": body,
                "submittedBy": submitted_by,
                "status": status,
                "attachments": [
                    {"fileName": name, "data": base64.b64encode(data).decode()}
                    for name, data in attachments or []
                ],
            },
        )

    def set_status(self, case_id: str, status: str) -> None:
        """Set a case's status: any of the model's (``work-in-progress``, ``pending-customer-action``...)."""
        self._request("POST", "set-status", {"caseId": case_id, "status": status})

    def set_severity(self, case_id: str, severity_code: str) -> None:
        """Set a case's severity code (low, normal, high, urgent, critical)."""
        self._request("POST", "set-severity", {"caseId": case_id, "severityCode": severity_code})

    def set_plan(self, account_id: str, plan: str) -> None:
        """Set an account's plan: basic, developer (no Support API), business, business-support-plus
        (severities up to urgent), enterprise-on-ramp, enterprise, unified-operations (also critical)."""
        self._request("POST", "set-plan", {"accountId": account_id, "plan": plan})

    def account(self, account_id: str) -> dict[str, Any]:
        """An account's settings: accountId, plan, caseLimit and the severityCodes its plan offers."""
        return self._request("POST", "account", {"accountId": account_id})

    def set_case_limit(self, account_id: str, limit: int | None) -> None:
        """Set how many unresolved cases an account may have (None: no limit)."""
        self._request("POST", "set-case-limit", {"accountId": account_id, "limit": limit})

    def advance_clock(self, seconds: float) -> str:
        """Move the service clock forward; returns the new service time (ISO 8601)."""
        return self._request("POST", "advance-clock", {"seconds": seconds})["now"]

    def age_case(self, case_id: str, seconds: float) -> None:
        """Make one case ``seconds`` older (its creation, status, resolution and messages move back) while
        the clock and every other case stay: e.g. past the 24-month retention or the 14-day reopen window."""
        self._request("POST", "age-case", {"caseId": case_id, "seconds": seconds})

    def now(self) -> str:
        """The service time (ISO 8601)."""
        return self._request("GET", "clock")["now"]

    def set_faults(
        self,
        *,
        throttle_rate: float = 0.0,
        error_rate: float = 0.0,
        lost_answer_rate: float = 0.0,
        lost_answer: str = "500",
        latency_ms: int = 0,
        operations: list[str] | None = None,
    ) -> None:
        """Inject faults at these rates (optionally only for ``operations``), and added latency.

        ``throttle_rate``: ThrottlingException instead of the call; ``error_rate``: HTTP 500
        InternalServerError instead of the call; ``lost_answer_rate``: the call runs and commits, then
        its answer is lost: HTTP 500 (``lost_answer="500"``) or the connection closes (``"drop"``).
        """
        self._request(
            "POST",
            "set-faults",
            {
                "throttleRate": throttle_rate,
                "errorRate": error_rate,
                "lostAnswerRate": lost_answer_rate,
                "lostAnswer": lost_answer,
                "latencyMs": latency_ms,
                "operations": operations,
            },
        )

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        self._request("POST", "clear-faults")

    def set_quotas(
        self,
        *,
        calls_per_second: float | None = 5.0,
        cases_per_hour: int | None = 10,
        attachment_sets_per_minute: int | None = None,
        describe_attachments_per_minute: int | None = None,
    ) -> dict[str, Any]:
        """Set the per-account quotas (None switches one off); the defaults are AWS's (S27).

        ``set_quotas(calls_per_second=None, cases_per_hour=None)`` switches them all off. Returns the plan.
        """
        return self._request(
            "POST",
            "set-quotas",
            {
                "callsPerSecond": calls_per_second,
                "casesPerHour": cases_per_hour,
                "attachmentSetsPerMinute": attachment_sets_per_minute,
                "describeAttachmentsPerMinute": describe_attachments_per_minute,
            },
        )

    def quotas(self) -> dict[str, Any]:
        """The quotas in force: calls_per_second, cases_per_hour, attachment_sets_per_minute,
        describe_attachments_per_minute."""
        return self._request("GET", "quotas")

    def calls(self) -> list[dict[str, Any]]:
        """The Support API call log, oldest first: dicts with operation, account, caseId, time, outcome.

        ``outcome`` is ``ok``, the error code answered, or ``lost-answer`` (it ran; its answer was lost).
        """
        return self._request("GET", "calls")["calls"]

    def reset_calls(self) -> None:
        """Empty the call log."""
        self._request("POST", "reset-calls")
