"""Property tests: valid documents round-trip, and positions follow the text wherever a mistake sits."""

from __future__ import annotations

import json
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provider.casefiles.catalogue import SHIPPED
from provider.casefiles.loader import load_cases
from provider.casefiles.schema import with_defaults
from tests.casefiles.repo import Repo

# the repo fixture is shared by the examples of a test: each example overwrites the one case file
FIXTURE = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None, max_examples=60
)

# Valid texts: a whitespace-only one is refused as blank (tests/casefiles/hostile/blank-body.yaml).
text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=200).filter(str.strip)
emails = st.from_regex(r"\A[a-z0-9._-]{1,12}@[a-z0-9-]{1,12}\.[a-z]{2,6}\Z")
cc = st.lists(emails, max_size=10)
communication = st.fixed_dictionaries({"communicationBody": text}, optional={"ccEmailAddresses": cc})
# A repository without a catalogue of its own is checked against the shipped one: codes come from it.
CODES = [
    {"serviceCode": service["code"], **({"categoryCode": category["code"]} if index else {})}
    for service in json.loads(SHIPPED.read_text(encoding="utf-8"))["services"]
    for index, category in enumerate(service["categories"][:2])
]
fields = st.fixed_dictionaries(
    {"subject": text, "communicationBody": text},
    optional={
        "severityCode": st.sampled_from(["low", "normal", "high", "urgent", "critical"]),
        "issueType": st.sampled_from(["technical", "customer-service"]),
        "language": st.sampled_from(["en", "ja", "ko", "zh", "es", "pt", "fr", "tr"]),
        "ccEmailAddresses": cc,
        "communications": st.lists(communication, max_size=4),
        "status": st.sampled_from(["open", "resolved"]),
        "displayId": st.from_regex(r"\A[0-9]{1,16}\Z"),
    },
)
spec = st.builds(lambda document, codes: {**document, **codes}, fields, st.just({}) | st.sampled_from(CODES))


def _load(repo: Repo, content: str) -> tuple[list[Any], list[str]]:
    repo.write("cases/case.yaml", content)
    cases, problems = load_cases(root=repo.root)
    return cases, [str(problem) for problem in problems]


@FIXTURE
@given(document=spec, style=st.sampled_from([False, None]))
def test_valid_documents_load_with_defaults(repo: Repo, document: dict[str, Any], style: bool | None) -> None:
    cases, problems = _load(repo, yaml.safe_dump(document, allow_unicode=True, default_flow_style=style))
    assert problems == []
    assert cases[0].spec == with_defaults(document)
    assert cases[0].spec["communications"] == [
        {"ccEmailAddresses": [], "attachments": [], **item} for item in document.get("communications", [])
    ]


@FIXTURE
@given(length=st.integers(8001, 12000))
def test_body_overflow_is_measured_exactly(repo: Repo, length: int) -> None:
    _, problems = _load(repo, f"subject: s\ncommunicationBody: {'x' * length}\n")
    assert problems == [
        f"cases/case.yaml:2:20: communicationBody is {length:,} characters,"
        f" {length - 8000:,} over the 8,000 limit"
    ]


@FIXTURE
@given(
    keys=st.permutations(["subject", "communicationBody", "severityCode", "status", "language"]),
    repeated=st.integers(0, 4),
    padding=st.lists(st.sampled_from(["", "# note"]), min_size=5, max_size=5),
)
def test_duplicate_keys_are_found_wherever_they_are(
    repo: Repo, keys: list[str], repeated: int, padding: list[str]
) -> None:
    values = {
        "subject": "s",
        "communicationBody": "b",
        "severityCode": "low",
        "status": "open",
        "language": "en",
    }
    lines: list[str] = []
    first = 0
    for key, pad in zip(keys, padding, strict=True):
        lines += [pad, f"{key}: {values[key]}"]
        if key == keys[repeated]:
            first = len(lines)
    lines.append(f"{keys[repeated]}: {values[keys[repeated]]}")
    _, problems = _load(repo, "\n".join(lines) + "\n")
    assert problems == [
        f"cases/case.yaml:{len(lines)}:1: duplicate key '{keys[repeated]}' (first at line {first})"
    ]


@FIXTURE
@given(
    keys=st.permutations(["subject", "communicationBody", "severityCode", "serviceCode"]),
    wrong=st.integers(0, 3),
    indent=st.integers(0, 6),
)
def test_a_wrong_value_is_located_on_its_own_line(
    repo: Repo, keys: list[str], wrong: int, indent: int
) -> None:
    values = {"subject": "s", "communicationBody": "b", "severityCode": "low", "serviceCode": "aws-lambda"}
    lines = []
    for key in keys:
        value = "[1, 2]" if key == keys[wrong] else values[key]
        lines.append(f"{' ' * indent}{key}:{' ' * (1 + indent)}{value}")
    _, problems = _load(repo, "\n".join(lines) + "\n")
    assert len(problems) == 1
    assert problems[0].startswith(f"cases/case.yaml:{wrong + 1}:{indent + len(keys[wrong]) + 3 + indent}: ")
    assert keys[wrong] in problems[0]
