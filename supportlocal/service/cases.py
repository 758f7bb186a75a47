"""CreateCase, DescribeCases, ResolveCase, AddCommunicationToCase and DescribeCommunications."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from supportlocal.accounts import customer_submitter
from supportlocal.errors import SupportError, validation_error
from supportlocal.service import attachments, ids, lifecycle, options
from supportlocal.service.context import Context, Params, Result
from supportlocal.service.redaction import redact
from supportlocal.state.clock import iso, parse_time

RECENT_COMMUNICATIONS = 5
DEFAULT_PAGE_SIZE = 100
# What AWS does when CreateCase names no service or category is not public; supportlocal takes
# general-info / using-aws (the AWS CLI create-case example, S1's service) and a service's first category.
DEFAULT_SERVICE = "general-info"
DEFAULT_CATEGORY = {"general-info": "using-aws"}


def create_case(context: Context, account: str, params: Params) -> Result:
    """CreateCase: a new ``unassigned`` case whose first communication is the customer's body (redacted)."""
    now = context.clock.now()
    service_code = params.get("serviceCode", DEFAULT_SERVICE)
    category_code = params.get("categoryCode") or _default_category(context, service_code)
    issue_type = params.get("issueType", "technical")  # S4: "the default is technical"
    options.check_case_options(context, issue_type, service_code, category_code)
    severity = params.get("severityCode", "low")
    options.check_plan_severity(context, account, severity)
    language = params.get("language", "en")
    options.check_language(context, language)
    limit = context.store.account(account)["case_limit"]
    if limit is not None and context.store.open_case_count(account) >= limit:
        raise SupportError("CaseCreationLimitExceeded", f"You have reached the limit of {limit} open cases.")
    context.quotas.check_case_creation(context.store, account, now)
    files = attachments.files_for_message(
        context, account, params.get("attachmentSetId"), params.get("uploadIds", []), now
    )
    case_id = ids.case_id(account, language, now)
    context.store.insert_case(
        {
            "case_id": case_id,
            "display_id": context.store.next_display_id(),
            "account_id": account,
            "subject": redact(params["subject"]),
            "status": lifecycle.NEW,
            "status_changed": now,
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
    context.store.insert_communication(
        case_id, redact(params["communicationBody"]), customer_submitter(account), now, files
    )
    return {"caseId": case_id}


def describe_cases(context: Context, account: str, params: Params) -> Result:
    """DescribeCases: the account's cases within retention (``lifecycle``), newest first, filtered, paginated.

    ``language`` (S4, the Language member of DescribeCasesRequest): "The language in which Amazon Web
    Services Support handles the case", so only the cases handled in that language are answered; a code
    the catalogue lacks is refused as CreateCase refuses it. Without it every language is answered (the
    reference gives DescribeCases no default language; an assumption).
    """
    language = params.get("language")
    if language is not None:
        options.check_language(context, language)
    cases = context.store.cases(
        account,
        display_id=params.get("displayId"),
        after=_optional_time(params, "afterTime"),
        before=_optional_time(params, "beforeTime"),
        language=language,
        include_resolved=params.get("includeResolvedCases", False),
        created_since=context.retained_since(),
    )
    wanted = params.get("caseIdList")
    if wanted:
        for case_id in wanted:
            context.case(account, case_id)  # CaseIdNotFound for an unknown id or one past retention
        cases = [case for case in cases if case["case_id"] in wanted]
    page, token = _paginate(cases, params)
    with_communications = params.get("includeCommunications", True)
    return {"cases": [_case_details(context, c, with_communications) for c in page], "nextToken": token}


def resolve_case(context: Context, account: str, params: Params) -> Result:
    """ResolveCase: the case becomes ``resolved``; answers its status before and after."""
    case = context.case(account, params.get("caseId"))
    lifecycle.set_status(context.store, case, lifecycle.RESOLVED, context.clock.now())
    return {"initialCaseStatus": case["status"], "finalCaseStatus": lifecycle.RESOLVED}


def add_communication_to_case(context: Context, account: str, params: Params) -> Result:
    """AddCommunicationToCase: a customer message; its CCs join the case's; the status may move."""
    now = context.clock.now()
    case = context.case(account, params.get("caseId"))
    lifecycle.after_customer_message(context.store, case, now)
    files = attachments.files_for_message(
        context, account, params.get("attachmentSetId"), params.get("uploadIds", []), now
    )
    context.store.insert_communication(
        case["case_id"], redact(params["communicationBody"]), customer_submitter(account), now, files
    )
    cc = case["cc_email_addresses"]
    added = [address for address in params.get("ccEmailAddresses", []) if address not in cc]
    if added:
        context.store.set_cc_email_addresses(case["case_id"], cc + added)
    return {"result": True}


def describe_communications(context: Context, account: str, params: Params) -> Result:
    """DescribeCommunications: a case's communications, newest first, paginated."""
    case = context.case(account, params["caseId"])
    communications = context.store.communications(
        case["case_id"],
        after=_optional_time(params, "afterTime"),
        before=_optional_time(params, "beforeTime"),
    )
    page, token = _paginate(communications, params)
    return {"communications": [attachments.communication(c) for c in page], "nextToken": token}


def _default_category(context: Context, service_code: str) -> str:
    if service_code not in context.catalogue.services:
        return ""
    return DEFAULT_CATEGORY.get(service_code) or context.catalogue.categories(service_code)[0]


def _case_details(context: Context, case: dict[str, Any], with_communications: bool) -> Result:
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
        communications = context.store.communications(case["case_id"])
        page, token = _paginate(communications, {"maxResults": RECENT_COMMUNICATIONS})
        details["recentCommunications"] = {
            "communications": [attachments.communication(c) for c in page],
            "nextToken": token,
        }
    return details


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


OPERATIONS = {
    "CreateCase": create_case,
    "DescribeCases": describe_cases,
    "ResolveCase": resolve_case,
    "AddCommunicationToCase": add_communication_to_case,
    "DescribeCommunications": describe_communications,
}
