"""DescribeServices, DescribeSeverityLevels, DescribeSupportedLanguages, DescribeCreateCaseOptions, and
the checks of a case's service, category, severity, language and issue type."""

from __future__ import annotations

from supportlocal.accounts import PLAN_SEVERITIES
from supportlocal.errors import invalid_parameter, validation_error
from supportlocal.service.context import Context, Params, Result

# S4 (CreateCase.issueType): "You can specify customer-service or technical".
ISSUE_TYPES = ("technical", "customer-service")

# S4 lists the language codes (the catalogue's ``languages``); what DescribeSupportedLanguages calls
# them is not public (the model's example is "ENGLISH"), so these names are assumed.
LANGUAGE_NAMES: dict[str, tuple[str, str]] = {
    "zh": ("Chinese", "中文(简体)"),
    "en": ("English", "English"),
    "ja": ("Japanese", "日本語"),
    "es": ("Spanish", "Español"),
    "pt": ("Portuguese", "Português"),
    "fr": ("French", "Français"),
    "ko": ("Korean", "한국어"),
    "tr": ("Turkish", "Türkçe"),
}


def check_case_options(context: Context, issue_type: str, service_code: str, category_code: str) -> None:
    """Refuse an unknown issue type, service code, or a category the service lacks, as AWS does."""
    if issue_type not in ISSUE_TYPES:
        # What AWS answers for an unknown issueType is not public.
        raise validation_error(
            f"Invalid issue type: {issue_type}; valid issue types: {', '.join(ISSUE_TYPES)}"
        )
    if service_code not in context.catalogue.services:
        # S12 (live SDK test): "1 validation error detected: Value 'INVALID-CODE' at 'serviceCode' failed to
        # satisfy constraint"; the words after "constraint" are not public.
        raise validation_error(
            f"1 validation error detected: Value '{service_code}' at 'serviceCode' failed to satisfy "
            "constraint: Member must be a service code that DescribeServices returns"
        )
    if category_code not in context.catalogue.categories(service_code):
        # S13 (live SDK smoke test): InvalidParameterValueException, with "Invalid category code".
        raise invalid_parameter(f"Invalid category code '{category_code}' for service '{service_code}'")


def check_severity(context: Context, severity_code: str) -> None:
    """Refuse a code that is no severity level of the catalogue (the real error is not public)."""
    if severity_code not in context.catalogue.severity_codes:
        raise validation_error(f"Invalid severity code: {severity_code}")


def plan_severity_levels(context: Context, account: str) -> list[dict[str, str]]:
    """The catalogue's severity levels that the account's support plan offers through the API, in catalogue
    order (none on a plan without the Support API)."""
    offered = PLAN_SEVERITIES.get(context.store.account(account)["plan"], frozenset())
    return [level for level in context.catalogue.severity_levels if level["code"] in offered]


def check_plan_severity(context: Context, account: str, severity_code: str) -> None:
    """Refuse a severity the account's plan does not offer (S4: "The availability of severity levels
    depends on the support plan"). Which error AWS answers is not public: supportlocal answers
    ``InvalidParameterValueException``, as AWS does for a category the service lacks (S13), an assumption.
    """
    check_severity(context, severity_code)
    levels = [level["code"] for level in plan_severity_levels(context, account)]
    if severity_code not in levels:
        plan = context.store.account(account)["plan"]
        raise invalid_parameter(
            f"Severity code '{severity_code}' is not available for this account's support plan ({plan}); "
            f"available: {', '.join(levels)}"
        )


def check_language(context: Context, language: str) -> None:
    """Refuse a language the catalogue does not list (S4; the real error is not public)."""
    if language not in context.catalogue.languages:
        raise validation_error(
            f"Invalid language: {language}; valid languages: {', '.join(context.catalogue.languages)}"
        )


def describe_services(context: Context, account: str, params: Params) -> Result:
    """DescribeServices: all services, or those named in serviceCodeList."""
    services = context.catalogue.services
    codes = params.get("serviceCodeList") or list(services)
    return {"services": [services[code] for code in codes if code in services]}


def describe_severity_levels(context: Context, account: str, params: Params) -> Result:
    """DescribeSeverityLevels: the catalogue's levels (S3: low, normal, high, urgent, critical) that the
    account's plan offers (``supportlocal.accounts``: critical only from Enterprise On-Ramp up)."""
    return {"severityLevels": plan_severity_levels(context, account)}


def describe_supported_languages(context: Context, account: str, params: Params) -> Result:
    """DescribeSupportedLanguages: every catalogue language for any valid service and category."""
    check_case_options(context, params["issueType"], params["serviceCode"], params["categoryCode"])
    return {
        "supportedLanguages": [
            {"code": code, "language": LANGUAGE_NAMES[code][0], "display": LANGUAGE_NAMES[code][1]}
            for code in context.catalogue.languages
            if code in LANGUAGE_NAMES
        ]
    }


def describe_create_case_options(context: Context, account: str, params: Params) -> Result:
    """DescribeCreateCaseOptions: web, chat and call (S4 names these three), around the clock.

    The hours are in S4's format ``HH:mm:ss.SSS``; real answers are not public, so round-the-clock
    support in every catalogue language is an assumption.
    """
    check_case_options(context, params["issueType"], params["serviceCode"], params["categoryCode"])
    if params["language"] not in context.catalogue.languages:
        return {"languageAvailability": "unavailable", "communicationTypes": []}
    hours = [{"startTime": "00:00:00.000", "endTime": "23:59:59.999"}]
    return {
        "languageAvailability": "available",
        "communicationTypes": [
            {"type": kind, "supportedHours": hours, "datesWithoutSupport": []}
            for kind in ("web", "chat", "call")
        ],
    }


OPERATIONS = {
    "DescribeServices": describe_services,
    "DescribeSeverityLevels": describe_severity_levels,
    "DescribeSupportedLanguages": describe_supported_languages,
    "DescribeCreateCaseOptions": describe_create_case_options,
}
