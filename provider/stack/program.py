"""What the Pulumi program does, kept importable so it is tested with Pulumi's mocks."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pulumi

from provider.aws.accounts import account_problems
from provider.aws.support_api import ApiSettings
from provider.casefiles.loader import Case, Problem, load_cases
from provider.review.approval import require_approved_plan
from provider.rules.check import rule_problems
from provider.stack.resource import SupportCase


class CaseFileError(pulumi.RunError):
    """Case files have problems; nothing is declared and nothing reaches AWS (a clean exit, no trace)."""


def same_case_twice(cases: list[Case]) -> list[Problem]:
    """Two files that would open identical cases (same subject and description) are refused when the
    reference trailer is off: the provider then recognises a case it opened by those two alone, to never
    open one twice after a crash. With the trailer, the reference tells them apart."""
    seen: dict[tuple[str, str], Case] = {}
    problems = []
    for case in cases:
        if case.spec.get("caseId") or case.spec.get("displayId"):
            continue
        key = (case.spec["subject"], case.spec["communicationBody"])
        if key in seen:
            message = f"same subject and communicationBody as {seen[key].source}; make them differ"
            problems.append(Problem(case.source, 0, 0, message, ("subject",)))
        seen.setdefault(key, case)
    return problems


def stop_quietly_when_interrupted() -> None:
    """Exit at once, without a trace, on SIGINT.

    The engine starts each plugin in its own process group and sends that group SIGINT when it shuts the
    run down (``cmdutil.InterruptChildren`` in the Pulumi SDK's ``resource/plugin/plugin.go``, v3.274.1),
    for example after another case's check failed; a terminal's Ctrl-C never reaches it. The SDK's runner
    does not catch KeyboardInterrupt, so a program still registering resources then printed a Python
    traceback under a clean refusal. The program itself never calls AWS: nothing is lost by leaving.
    """

    def leave(signum: int, _frame: object) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(128 + signum)

    signal.signal(signal.SIGINT, leave)


def settings_from_config(config: pulumi.Config) -> ApiSettings:
    """Stack config, all optional (docs/configuration.md): ``supportcases:partition``, ``accounts`` and
    ``defaultAccount`` (or ``profile`` / ``roleArn`` for a single account), ``maxAttempts``,
    ``callsPerSecond``, ``casesPerHour``, ``referenceTrailer`` and ``recoveryHours``."""
    values = {key: config.get(key) for key in ApiSettings.CONFIG_KEYS}
    return ApiSettings.from_config({**values, "accounts": config.get_object("accounts")})


def declare_cases(folder: str, settings: ApiSettings) -> dict[str, SupportCase]:
    """Load and validate every case file under ``folder`` and declare one SupportCase for each.

    Any problem in any file stops the program before a resource is declared: a broken file must never
    look like a removed one (which would resolve its case).
    """
    cases, problems = load_cases([folder], root=Path.cwd())
    problems += account_problems(cases, settings.accounts)
    problems += rule_problems(cases, root=Path.cwd(), default_account=settings.accounts.default)  # rules.yaml
    if not settings.reference_trailer:
        problems += same_case_twice(cases)
    if problems:
        for problem in problems:
            pulumi.log.error(str(problem))
        raise CaseFileError(f"{len(problems)} problem(s) in the case files; nothing was sent to AWS")
    require_approved_plan(cases, settings)  # before any resource is declared (docs/pipelines.md)
    stack = f"{pulumi.get_project()}/{pulumi.get_stack()}"
    resources = {
        case.name: SupportCase(case, f"{stack}/{case.name}", settings.accounts.alias_of(case.spec) or "")
        for case in cases
    }
    pulumi.export(
        "cases",
        {
            name: {"caseId": res.caseId, "displayId": res.displayId, "status": res.caseStatus}
            for name, res in resources.items()
        },
    )
    return resources
