"""The team's rules: ``rules.yaml`` at the repository root, checked against ``schemas/rules.schema.json``.

With no file there are no rules. A broken file is a problem of its own, located in ``rules.yaml``, and
stops everything as a broken case file does: a rule that cannot be read must not look like no rule.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from provider.casefiles.loader import Problem
from provider.casefiles.schema import describe
from provider.casefiles.shipped import shipped
from provider.casefiles.yamlmarks import MarkedDocument, YamlError, parse

RULES_FILE = "rules.yaml"
SCHEMA_PATH = shipped("schemas/rules.schema.json")
SEVERITIES = ("low", "normal", "high", "urgent", "critical")  # lowest first (the case schema's order)


@dataclass(frozen=True)
class Rules:
    """The rules of one repository; ``marks`` locates each rule in ``rules.yaml`` for messages."""

    shown: str  # rules.yaml as the user should see it
    account_ceilings: dict[str, str] = field(default_factory=dict)
    folder_ceilings: dict[str, str] = field(default_factory=dict)
    approval_severities: tuple[str, ...] = ()
    cc_domains: tuple[str, ...] = ()
    scan_secrets: bool = False
    allowed_secrets: tuple[re.Pattern[str], ...] = ()
    marks: MarkedDocument | None = field(default=None, compare=False, repr=False)

    def where(self, *pointer: str) -> str:
        """``rules.yaml:line:col`` of a rule, for a message that names it."""
        if self.marks is None:
            return self.shown
        position = self.marks.position(tuple(pointer), key=True)
        return f"{self.shown}:{position.line}:{position.col}"


def load_rules(root: Path, shown: str) -> tuple[Rules | None, list[Problem]]:
    """The rules of the repository at ``root`` (None when it has no rules file), or the problems that
    keep them from being read, located in the file (shown as ``shown``)."""
    path = root / RULES_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, []
    except (OSError, UnicodeDecodeError) as error:
        return None, [Problem(shown, 0, 0, f"cannot read the rules: {error}")]
    try:
        document = parse(text)
    except YamlError as error:
        return None, [Problem(shown, error.position.line, error.position.col, error.message)]
    if document is None:
        return Rules(shown), []
    problems = [_problem(error, shown, document) for error in _validator().iter_errors(document.data)]
    if problems:
        return None, sorted(problems, key=lambda problem: (problem.line, problem.col))
    data: dict[str, Any] = document.data
    ceilings = data.get("severityCeilings", {})
    secrets = data.get("secrets")  # absent: no scanning; present: scanning unless scan: false
    allowed, bad = _patterns((secrets or {}).get("allow", []), shown, document)
    if bad:
        return None, bad
    return (
        Rules(
            shown,
            account_ceilings=dict(ceilings.get("accounts", {})),
            folder_ceilings={
                folder.strip("/"): level for folder, level in ceilings.get("folders", {}).items()
            },
            approval_severities=tuple(data.get("approval", {}).get("severities", ())),
            cc_domains=tuple(data.get("ccDomains", ())),
            scan_secrets=secrets is not None and bool(secrets.get("scan", True)),
            allowed_secrets=allowed,
            marks=document,
        ),
        [],
    )


def _patterns(
    written: list[str], shown: str, document: MarkedDocument
) -> tuple[tuple[re.Pattern[str], ...], list[Problem]]:
    patterns, problems = [], []
    for index, text in enumerate(written):
        try:
            patterns.append(re.compile(text))
        except re.error as error:
            where = document.position(("secrets", "allow", index))
            problems.append(Problem(shown, where.line, where.col, f"secrets.allow[{index}]: {error}"))
    return tuple(patterns), problems


def _problem(error: ValidationError, shown: str, document: MarkedDocument) -> Problem:
    pointer = tuple(error.absolute_path)
    where = document.position(pointer, key=error.validator == "additionalProperties")
    if error.validator == "pattern" and "errorMessage" in error.schema:
        message = f"{describe(pointer)} '{error.instance}' {error.schema['errorMessage']}"
    else:
        message = f"{describe(pointer)}: {error.message}"
    return Problem(shown, where.line, where.col, f"{message} (see schemas/rules.schema.json)", pointer)


@functools.cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
