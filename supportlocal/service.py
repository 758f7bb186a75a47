"""The behaviour of the AWS Support operations (and of the support engineer's side, for the control API).

Each operation runs in one store transaction. Status and severity change only through
ResolveCase, a customer communication on a resolved case (it becomes ``reopened``), or the
control API; reading never changes anything.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections.abc import Callable
from typing import Any

from supportlocal import catalogue
from supportlocal.accounts import AWS_SUBMITTER, customer_submitter, require_api_plan
from supportlocal.clock import Clock, iso, parse_time, year
from supportlocal.errors import SupportError, case_not_found, validation_error
from supportlocal.store import Store

ATTACHMENT_SET_LIFETIME = 3600.0
MAX_ATTACHMENTS_PER_SET = 3
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
RECENT_COMMUNICATIONS = 5
DEFAULT_PAGE_SIZE = 100

Params = dict[str, Any]
Result = dict[str, Any]


class SupportService:
    """The AWS Support operations over a store and a clock."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.operations: dict[str, Callable[[str, Params], Result]] = {
            "CreateCase": self.create_case,
            "DescribeCases": self.describe_cases,
            "AddCommunicationToCase": self.add_communication_to_case,
            "DescribeCommunications": self.describe_communications,
            "AddAttachmentsToSet": self.add_attachments_to_set,
            "DescribeAttachment": self.describe_attachment,
            "ResolveCase": self.resolve_case,
            "DescribeServices": self.describe_services,
            "DescribeSeverityLevels": self.describe_severity_levels,
            "DescribeSupportedLanguages": self.describe_supported_languages,
            "DescribeCreateCaseOptions": self.describe_create_case_options,
        }
        self.implemented = frozenset(self.operations)

    def call(self, operation: str, account: str, params: Params) -> Result:
        """Run one operation for ``account`` after the plan and dry-run checks."""
        with self.store.transaction():
            require_api_plan(self.store.account(account)["plan"])
            if params.get("dryRun"):
                raise SupportError(
                    "DryRunOperationException", "Request would have succeeded, but DryRun flag is set."
                )
            return self.operations[operation](account, params)

    # cases

    def create_case(self, account: str, params: Params) -> Result:
        """CreateCase: a new ``opened`` case whose first communication is the customer's body."""
        now = self.clock.now()
        service_code = params.get("serviceCode", "general-info")
        category_code = params.get("categoryCode") or _first_category(service_code)
        issue_type = params.get("issueType", "technical")
        _check_case_options(issue_type, service_code, category_code)
        severity = params.get("severityCode", "low")
        if severity not in catalogue.SEVERITY_CODES:
            raise validation_error(f"Invalid severity code: {severity}")
        language = params.get("language", "en")
        if language not in catalogue.LANGUAGE_CODES:
            raise validation_error(f"Invalid language: {language}")
        limit = self.store.account(account)["case_limit"]
        if limit is not None and self.store.open_case_count(account) >= limit:
            raise SupportError(
                "CaseCreationLimitExceeded", f"You have reached the limit of {limit} open cases."
            )
        attachment_ids = self._usable_set(account, params.get("attachmentSetId"), now)
        case_id = f"case-{account}-{year(now)}-{secrets.token_hex(8)}"
        self.store.insert_case(
            {
                "case_id": case_id,
                "display_id": self.store.next_display_id(),
                "account_id": account,
                "subject": params["subject"],
                "status": "opened",
                "service_code": service_code,
                "category_code": category_code,
                "severity_code": severity,
                "submitted_by": customer_submitter(account),
                "language": language,
                "issue_type": issue_type,
                "cc_email_addresses": params.get("ccEmailAddresses", []),
                "created": now,
            }
        )
        self.store.insert_communication(
            case_id, params["communicationBody"], customer_submitter(account), now, attachment_ids
        )
        return {"caseId": case_id}

    def describe_cases(self, account: str, params: Params) -> Result:
        """DescribeCases: the account's cases, newest first, filtered and paginated."""
        cases = self.store.cases(
            account,
            display_id=params.get("displayId"),
            after=_optional_time(params, "afterTime"),
            before=_optional_time(params, "beforeTime"),
            include_resolved=params.get("includeResolvedCases", False),
        )
        wanted = params.get("caseIdList")
        if wanted:
            for case_id in wanted:
                if self.store.case(case_id, account) is None:
                    raise case_not_found(case_id)
            cases = [case for case in cases if case["case_id"] in wanted]
        page, token = _paginate(cases, params)
        with_communications = params.get("includeCommunications", True)
        return {"cases": [self._case_details(c, with_communications) for c in page], "nextToken": token}

    def resolve_case(self, account: str, params: Params) -> Result:
        """ResolveCase: the case becomes ``resolved``; answers its status before and after."""
        case = self._case(account, params.get("caseId"))
        self.store.update_case(case["case_id"], "status", "resolved")
        return {"initialCaseStatus": case["status"], "finalCaseStatus": "resolved"}

    def _case(self, account: str, case_id: str | None) -> dict[str, Any]:
        case = self.store.case(case_id, account) if case_id else None
        if case is None:
            raise case_not_found(case_id)
        return case

    def _case_details(self, case: dict[str, Any], with_communications: bool) -> Result:
        details: Result = {
            "caseId": case["case_id"],
            "displayId": str(case["display_id"]),
            "subject": case["subject"],
            "status": case["status"],
            "serviceCode": case["service_code"],
            "categoryCode": case["category_code"],
            "severityCode": case["severity_code"],
            "submittedBy": case["submitted_by"],
            "timeCreated": iso(case["created"]),
            "ccEmailAddresses": case["cc_email_addresses"],
            "language": case["language"],
        }
        if with_communications:
            communications = self.store.communications(case["case_id"])
            page, token = _paginate(communications, {"maxResults": RECENT_COMMUNICATIONS})
            details["recentCommunications"] = {
                "communications": [_communication(c) for c in page],
                "nextToken": token,
            }
        return details

    # communications

    def add_communication_to_case(self, account: str, params: Params) -> Result:
        """AddCommunicationToCase: a customer message; its CCs join the case's; resolved becomes reopened."""
        now = self.clock.now()
        case = self._case(account, params.get("caseId"))
        attachment_ids = self._usable_set(account, params.get("attachmentSetId"), now)
        self.store.insert_communication(
            case["case_id"], params["communicationBody"], customer_submitter(account), now, attachment_ids
        )
        if case["status"] == "resolved":
            self.store.update_case(case["case_id"], "status", "reopened")
        cc = case["cc_email_addresses"]
        added = [address for address in params.get("ccEmailAddresses", []) if address not in cc]
        if added:
            self.store.set_cc_email_addresses(case["case_id"], cc + added)
        return {"result": True}

    def describe_communications(self, account: str, params: Params) -> Result:
        """DescribeCommunications: a case's communications, newest first, paginated."""
        case = self._case(account, params["caseId"])
        communications = self.store.communications(
            case["case_id"],
            after=_optional_time(params, "afterTime"),
            before=_optional_time(params, "beforeTime"),
        )
        page, token = _paginate(communications, params)
        return {"communications": [_communication(c) for c in page], "nextToken": token}

    # attachments

    def add_attachments_to_set(self, account: str, params: Params) -> Result:
        """AddAttachmentsToSet: at most 3 attachments of at most 5 MB in a set that lives one hour."""
        now = self.clock.now()
        set_id = params.get("attachmentSetId")
        if set_id:
            attachment_set = self._live_set(account, set_id, now)
            existing, expires = len(attachment_set["attachment_ids"]), attachment_set["expires"]
        else:
            set_id, existing, expires = f"as-{secrets.token_urlsafe(24)}", 0, now + ATTACHMENT_SET_LIFETIME
            self.store.insert_attachment_set(set_id, account, expires)
        attachments = params["attachments"]
        if existing + len(attachments) > MAX_ATTACHMENTS_PER_SET:
            raise SupportError(
                "AttachmentLimitExceeded",
                f"An attachment set holds at most {MAX_ATTACHMENTS_PER_SET} attachments.",
            )
        for attachment in attachments:
            if len(attachment.get("data", b"")) > MAX_ATTACHMENT_BYTES:
                raise SupportError("AttachmentSetSizeLimitExceeded", "An attachment can be at most 5 MB.")
            if not attachment.get("fileName"):
                raise validation_error("Every attachment needs a fileName.")
            self._add_attachment(set_id, account, attachment["fileName"], attachment.get("data", b""))
        return {"attachmentSetId": set_id, "expiryTime": iso(expires)}

    def describe_attachment(self, account: str, params: Params) -> Result:
        """DescribeAttachment: an attachment's file name and bytes."""
        attachment = self.store.attachment(params["attachmentId"], account)
        if attachment is None:
            raise SupportError("AttachmentIdNotFound", f"Invalid attachment ID: {params['attachmentId']}")
        return {"attachment": {"fileName": attachment["file_name"], "data": attachment["data"]}}

    def _add_attachment(self, set_id: str, account: str, file_name: str, data: bytes) -> str:
        attachment_id = f"attachment-{secrets.token_urlsafe(48)}"
        self.store.insert_attachment(attachment_id, set_id, account, file_name, data)
        return attachment_id

    def _live_set(self, account: str, set_id: str, now: float) -> dict[str, Any]:
        attachment_set = self.store.attachment_set(set_id, account)
        if attachment_set is None:
            raise SupportError("AttachmentSetIdNotFound", f"Invalid attachment set ID: {set_id}")
        if attachment_set["expires"] <= now:
            raise SupportError("AttachmentSetExpired", f"The attachment set {set_id} has expired.")
        return attachment_set

    def _usable_set(self, account: str, set_id: str | None, now: float) -> list[str]:
        return self._live_set(account, set_id, now)["attachment_ids"] if set_id else []

    # catalogue

    def describe_services(self, account: str, params: Params) -> Result:
        """DescribeServices: all services, or those named in serviceCodeList."""
        codes = params.get("serviceCodeList") or list(catalogue.SERVICES)
        return {"services": [catalogue.SERVICES[code] for code in codes if code in catalogue.SERVICES]}

    def describe_severity_levels(self, account: str, params: Params) -> Result:
        """DescribeSeverityLevels: low, normal, high, urgent, critical."""
        return {"severityLevels": list(catalogue.SEVERITY_LEVELS)}

    def describe_supported_languages(self, account: str, params: Params) -> Result:
        """DescribeSupportedLanguages: en, ja, ko, zh for any valid service and category."""
        _check_case_options(params["issueType"], params["serviceCode"], params["categoryCode"])
        return {"supportedLanguages": list(catalogue.LANGUAGES)}

    def describe_create_case_options(self, account: str, params: Params) -> Result:
        """DescribeCreateCaseOptions: web, chat and phone, around the clock, for supported languages."""
        _check_case_options(params["issueType"], params["serviceCode"], params["categoryCode"])
        if params["language"] not in catalogue.LANGUAGE_CODES:
            return {"languageAvailability": "unavailable", "communicationTypes": []}
        hours = [{"startTime": "00:00", "endTime": "23:59"}]
        return {
            "languageAvailability": "available",
            "communicationTypes": [
                {"type": kind, "supportedHours": hours, "datesWithoutSupport": []}
                for kind in ("web", "chat", "phone")
            ],
        }

    # the support engineer's side (control API)

    def reply(
        self,
        case_id: str,
        body: str,
        submitted_by: str | None = None,
        attachments: list[tuple[str, bytes]] | None = None,
    ) -> None:
        """A communication from AWS (``submittedBy`` "Amazon Web Services" unless given); no status change."""
        with self.store.transaction():
            now = self.clock.now()
            case = self._any_case(case_id)
            attachment_ids = []
            if attachments:
                set_id = f"as-{secrets.token_urlsafe(24)}"
                self.store.insert_attachment_set(set_id, case["account_id"], now + ATTACHMENT_SET_LIFETIME)
                attachment_ids = [
                    self._add_attachment(set_id, case["account_id"], n, d) for n, d in attachments
                ]
            self.store.insert_communication(case_id, body, submitted_by or AWS_SUBMITTER, now, attachment_ids)

    def set_status(self, case_id: str, status: str) -> None:
        """Set a case's status (one of AWS's case statuses)."""
        if status not in catalogue.CASE_STATUSES:
            raise validation_error(f"Invalid status: {status}")
        with self.store.transaction():
            self.store.update_case(self._any_case(case_id)["case_id"], "status", status)

    def set_severity(self, case_id: str, severity_code: str) -> None:
        """Set a case's severity code."""
        if severity_code not in catalogue.SEVERITY_CODES:
            raise validation_error(f"Invalid severity code: {severity_code}")
        with self.store.transaction():
            self.store.update_case(self._any_case(case_id)["case_id"], "severity_code", severity_code)

    def _any_case(self, case_id: str) -> dict[str, Any]:
        case = self.store.case(case_id)
        if case is None:
            raise case_not_found(case_id)
        return case


def _first_category(service_code: str) -> str:
    return catalogue.SERVICE_CATEGORIES.get(service_code, ("",))[0]


def _check_case_options(issue_type: str, service_code: str, category_code: str) -> None:
    if issue_type not in catalogue.ISSUE_TYPES:
        raise validation_error(f"Invalid issue type: {issue_type}")
    if service_code not in catalogue.SERVICES:
        raise validation_error(f"Invalid service code: {service_code}")
    if category_code not in catalogue.SERVICE_CATEGORIES[service_code]:
        raise validation_error(f"Invalid category code {category_code} for service {service_code}")


def _optional_time(params: Params, member: str) -> float | None:
    return parse_time(params[member], member) if params.get(member) else None


def _paginate(items: list[Any], params: Params) -> tuple[list[Any], str | None]:
    """One page of ``items`` from ``nextToken`` and ``maxResults``, and the token for the next."""
    offset = _decode_token(params["nextToken"]) if params.get("nextToken") else 0
    end = offset + params.get("maxResults", DEFAULT_PAGE_SIZE)
    token = (
        base64.urlsafe_b64encode(json.dumps({"offset": end}).encode()).decode() if end < len(items) else None
    )
    return items[offset:end], token


def _decode_token(token: str) -> int:
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise validation_error(f"Invalid nextToken: {token}") from None
    if not isinstance(offset, int) or offset < 0:
        raise validation_error(f"Invalid nextToken: {token}")
    return offset


def _communication(row: dict[str, Any]) -> Result:
    return {
        "caseId": row["case_id"],
        "body": row["body"],
        "submittedBy": row["submitted_by"],
        "timeCreated": iso(row["created"]),
        "attachmentSet": [
            {"attachmentId": a["attachment_id"], "fileName": a["file_name"]} for a in row["attachments"]
        ],
    }
