"""The rules and the accounts' support plans applied to valid case files: one ``path:line:col`` problem
per breach, before anything reaches AWS.

``rule_problems`` is what ``validate``, ``plan`` and the Pulumi program (so ``preview`` and ``up``) add to
the loader's problems. It reads ``rules.yaml`` and ``catalogue/support-plans.json`` at the repository
root; with neither, it checks nothing and reads no case file again.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provider.aws.accounts import IMPLICIT_ALIAS
from provider.casefiles.attachments import AttachmentError, attachment_file
from provider.casefiles.loader import Case, Problem
from provider.casefiles.schema import describe
from provider.casefiles.yamlmarks import MarkedDocument, Pointer, Position, YamlError, parse
from provider.rules.approvals import Approvals
from provider.rules.config import RULES_FILE, SEVERITIES, Rules, load_rules
from provider.rules.plans import PLANS_FILE, REFRESH, PlansError, SupportPlans, find_plans
from provider.rules.scancache import find_secrets_in_file
from provider.rules.secrets import Finding, find_secrets

CASES_FOLDER = "cases"


def apply_rules(
    cases: Sequence[Case], problems: Sequence[Problem], *, root: Path, default_account: str | None = None
) -> tuple[list[Case], list[Problem]]:
    """``cases`` less those that break a rule, and ``problems`` with every breach added (for callers that
    count the valid cases, as ``validate`` does)."""
    found = rule_problems(cases, root=root, default_account=default_account)
    broken = {problem.case for problem in found if isinstance(problem, RuleProblem)}
    return [case for case in cases if case.source not in broken], [*problems, *found]


def rule_problems(
    cases: Sequence[Case],
    *,
    root: Path,
    default_account: str | None = None,
    env: Mapping[str, str] | None = None,
) -> list[Problem]:
    """Every breach of the repository's rules and of its accounts' support plans by ``cases``.

    ``default_account`` is the stack's default account alias, for a case file without ``account:``
    (None where no stack config is read, as in ``validate``: the plans file's, else ``default``). ``env``
    holds the pipeline's approvals (default: the environment; see :mod:`provider.rules.approvals`).
    """
    root = Path(os.path.abspath(root))
    rules, problems = load_rules(root, _shown(root / RULES_FILE))
    try:
        plans = find_plans(root)
    except PlansError as error:
        return [*problems, Problem(_shown(root / PLANS_FILE), 0, 0, str(error))]
    if rules is None and plans is None:
        return problems
    approvals = Approvals.from_env(root, env) if rules and rules.approval_severities else None
    default = default_account or (plans.default if plans else None) or IMPLICIT_ALIAS
    for case in cases:
        marked = _Marked.read(root, case)
        alias = case.spec.get("account") or default
        if plans is not None:
            problems += _plan_problems(case, marked, alias, plans)
        if rules is not None:
            problems += _case_problems(case, marked, alias, rules, approvals, root)
    return problems


@dataclass(frozen=True)
class RuleProblem(Problem):
    """A breach by one case: ``case`` is its case file (``file`` may be an attachment of it)."""

    case: str = ""


@dataclass(frozen=True)
class _Marked:
    """A case file read again for positions (a Case keeps none), and the text of its lines."""

    source: str
    shown: str
    document: MarkedDocument | None
    lines: list[str]

    @classmethod
    def read(cls, root: Path, case: Case) -> _Marked:
        path = root / case.source
        try:
            text = path.read_text(encoding="utf-8").removeprefix("\ufeff")
            document = parse(text)
        except (OSError, UnicodeDecodeError, YamlError):
            text, document = "", None  # changed since it was loaded: the start of the file is all there is
        return cls(case.source, _shown(path), document, text.splitlines())

    def problem(self, pointer: Pointer, message: str, *, key: bool = False) -> Problem:
        where = self.document.position(pointer, key=key) if self.document else Position(1, 1)
        return RuleProblem(self.shown, where.line, where.col, message, pointer, self.source)

    def secret_problem(self, pointer: Pointer, finding: Finding, rule: str) -> Problem:
        """A finding in the value at ``pointer``, at the secret itself: its text is looked for from the
        line the value's own line ``finding.line`` stands on (a block scalar starts a line lower)."""
        start = self.document.position(pointer) if self.document else Position(1, 1)
        first = start.line + finding.line - 1
        for index in range(max(first - 1, 0), min(first + 1, len(self.lines))):
            col = self.lines[index].find(finding.token, start.col - 1 if index + 1 == start.line else 0)
            if col >= 0:
                start = Position(index + 1, col + 1)
                break
        message = _secret_message(describe(pointer), finding, rule)
        return RuleProblem(self.shown, start.line, start.col, message, pointer, self.source)


def _plan_problems(case: Case, marked: _Marked, alias: str, plans: SupportPlans) -> list[Problem]:
    plan = plans.accounts.get(alias)
    if plan is None:
        return []
    where = f"{PLANS_FILE}, from {plan.origin}" if plan.origin else PLANS_FILE
    if not plan.has_api:
        message = (
            f"account '{alias}' has no Business support plan (it is on {plan.plan}: DescribeSeverityLevels "
            f"answered SubscriptionRequiredException, {where}): AWS accepts no Support API call for it; "
            f"upgrade its plan and run `{REFRESH}`, or open the case in the Support Center"
        )
        return [marked.problem(("account",), message, key=True)]
    severity = case.spec.get("severityCode")
    if severity is None or severity in (plan.levels or ()):
        return []
    message = (
        f"severityCode '{severity}' is not offered by the support plan of account '{alias}' ({plan.plan}: "
        f"{', '.join(plan.levels or ())}; {where})"
    )
    return [marked.problem(("severityCode",), message)]


def _case_problems(
    case: Case, marked: _Marked, alias: str, rules: Rules, approvals: Approvals | None, root: Path
) -> list[Problem]:
    problems = []
    severity = case.spec.get("severityCode")
    if severity is not None:
        problems += _ceiling_problems(case, marked, alias, severity, rules)
        if severity in rules.approval_severities:
            problems += _approval_problems(case, marked, severity, rules, approvals)
    if rules.cc_domains:
        problems += _cc_problems(case, marked, rules)
    if rules.scan_secrets:
        problems += _secret_problems(case, marked, rules, root)
    return problems


def _ceiling_problems(case: Case, marked: _Marked, alias: str, severity: str, rules: Rules) -> list[Problem]:
    folder = posixpath.dirname(case.name)
    ceilings = [
        (level, f"account '{alias}'", rules.where("severityCeilings", "accounts", alias))
        for level in [rules.account_ceilings.get(alias)]
        if level
    ]
    ceilings += [
        (level, f"folder {CASES_FOLDER}/{written}/", rules.where("severityCeilings", "folders", written))
        for written, level in rules.folder_ceilings.items()
        if folder == written or folder.startswith(f"{written}/")
    ]
    over = [ceiling for ceiling in ceilings if SEVERITIES.index(severity) > SEVERITIES.index(ceiling[0])]
    if not over:
        return []
    level, whose, where = min(over, key=lambda ceiling: SEVERITIES.index(ceiling[0]))
    message = f"severityCode '{severity}' is over the ceiling '{level}' for {whose} (rule severityCeilings, "
    message += f"{where})"
    return [marked.problem(("severityCode",), message)]


def _approval_problems(
    case: Case, marked: _Marked, severity: str, rules: Rules, approvals: Approvals | None
) -> list[Problem]:
    rule = f"rule approval, {rules.where('approval', 'severities')}"
    approver = case.spec.get("approvedBy")
    if not approver:
        message = (
            f"severityCode '{severity}' needs a named approver: add `approvedBy: <login>`, the person who "
            f"approves paging AWS at this severity ({rule})"
        )
        return [marked.problem(("severityCode",), message)]
    objection = approvals.objection(case.source, approver) if approvals else None
    return [marked.problem(("approvedBy",), f"{objection} ({rule})")] if objection else []


def _cc_problems(case: Case, marked: _Marked, rules: Rules) -> list[Problem]:
    problems = []
    for pointer, address in _cc_addresses(case.spec):
        domain = address.rpartition("@")[2].lower()
        if not any(domain == allowed or domain.endswith(f".{allowed}") for allowed in rules.cc_domains):
            allowed = ", ".join(rules.cc_domains)
            message = (
                f"{describe(pointer)} '{address}' is not at an allowed domain ({allowed}; rule ccDomains, "
                f"{rules.where('ccDomains')})"
            )
            problems.append(marked.problem(pointer, message))
    return problems


def _cc_addresses(spec: Mapping[str, Any]) -> Iterator[tuple[Pointer, str]]:
    for owner_pointer, owner in _owners(spec):
        for index, address in enumerate(owner.get("ccEmailAddresses") or []):
            yield (*owner_pointer, "ccEmailAddresses", index), address


def _owners(spec: Mapping[str, Any]) -> Iterator[tuple[Pointer, Mapping[str, Any]]]:
    """The case and each of its follow-up messages, which carry bodies, cc lists and attachments."""
    yield (), spec
    for index, message in enumerate(spec.get("communications") or []):
        yield ("communications", index), message


def _secret_problems(case: Case, marked: _Marked, rules: Rules, root: Path) -> list[Problem]:
    problems = []
    texts: list[tuple[Pointer, str]] = [(("subject",), case.spec["subject"])]
    texts += [
        ((*pointer, "communicationBody"), owner["communicationBody"]) for pointer, owner in _owners(case.spec)
    ]
    for pointer, text in texts:
        problems += [
            marked.secret_problem(pointer, found, rules.where("secrets"))
            for found in find_secrets(text, allow=rules.allowed_secrets)
        ]
    for owner_pointer, owner in _owners(case.spec):
        for index, written in enumerate(owner.get("attachments") or []):
            pointer = (*owner_pointer, "attachments", index)
            problems += _attachment_problems(case, marked, pointer, written, rules, root)
    return problems


def _attachment_problems(
    case: Case, marked: _Marked, pointer: Pointer, written: str, rules: Rules, root: Path
) -> list[Problem]:
    try:
        path = attachment_file(root, case.source, written)
        raw = path.read_bytes()
    except (AttachmentError, OSError) as error:
        return [marked.problem(pointer, f"{describe(pointer)} cannot be scanned for secrets: {error}")]
    if b"\0" in raw:
        return []  # a binary file: detect-secrets reads text only (docs/rules.md)
    shown = _shown(path)
    by = f"{marked.shown} {describe(pointer)}"
    rule, where = rules.where("secrets"), f"attachment (attached by {by})"
    return [
        RuleProblem(shown, found.line, found.col, _secret_message(where, found, rule), pointer, case.source)
        for found in find_secrets_in_file(raw, path.name, rules.allowed_secrets)
    ]


def _secret_message(where: str, finding: Finding, rule: str) -> str:
    return (
        f"a secret in {where}: {finding.kind} (detect-secrets): {finding.excerpt!r}; remove it, and rotate "
        f"it if it was ever pushed (rule secrets, {rule})"
    )


def _shown(path: Path) -> str:
    """A file as the loader shows it: relative to the working directory when inside it."""
    cwd = Path.cwd()
    return str(path.relative_to(cwd)) if path.is_relative_to(cwd) else str(path)
