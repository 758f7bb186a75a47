"""The repository's example cases and the schema file itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from jsonschema import Draft202012Validator

from provider.casefiles.loader import load_cases
from tests.casefiles.repo import Repo

PROJECT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((PROJECT / "schemas" / "case.schema.json").read_text(encoding="utf-8"))
MODELINE = "# yaml-language-server: $schema=../schemas/case.schema.json\n"


def test_examples_are_valid_and_cover_the_format() -> None:
    cases, problems = load_cases([PROJECT / "cases"], root=PROJECT)
    assert problems == []
    specs = [case.spec for case in cases]
    assert len(cases) >= 3
    assert any(spec["attachments"] for spec in specs)
    assert any(spec["communications"] for spec in specs)
    assert any(spec["issueType"] == "customer-service" for spec in specs)


def test_examples_start_with_the_schema_modeline() -> None:
    files = sorted((PROJECT / "cases").glob("*.yaml"))
    assert files
    for file in files:
        assert file.read_text(encoding="utf-8").startswith(MODELINE), file


def test_check_jsonschema_accepts_the_examples() -> None:
    files = sorted(str(file) for file in (PROJECT / "cases").glob("*.yaml"))
    tool = Path(sys.executable).parent / "check-jsonschema"
    schema = PROJECT / "schemas" / "case.schema.json"
    result = subprocess.run(
        [str(tool), "--schemafile", str(schema), *files], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_is_a_documented_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$id"]
    assert SCHEMA["additionalProperties"] is False
    for name, node in SCHEMA["properties"].items():
        described = {**SCHEMA["$defs"].get(node.get("$ref", "").rpartition("/")[2], {}), **node}
        assert described.get("title") and described.get("description"), name


def test_schema_keys_follow_the_create_case_api_plus_three_of_the_project() -> None:
    assert set(SCHEMA["properties"]) == {
        "subject",
        "communicationBody",
        "serviceCode",
        "categoryCode",
        "severityCode",
        "issueType",
        "language",
        "ccEmailAddresses",
        "attachments",
        "communications",
        "status",
        "caseId",
        "displayId",
        "aliases",
        "sensitive",
        "account",
        "approvedBy",  # provider/rules: the named approver of a high severity (docs/rules.md)
    }
    assert SCHEMA["required"] == ["subject", "communicationBody"]


def test_the_documented_example_is_valid(repo: Repo) -> None:
    page = (PROJECT / "docs" / "case-files.md").read_text(encoding="utf-8")
    example = page.split("```yaml\n", 1)[1].split("```", 1)[0]
    repo.write("catalogue/aws-support.json", (PROJECT / "catalogue" / "aws-support.json").read_bytes())
    repo.write("cases/evidence/rds-failover-events.log", "events")
    assert repo.check(example, "cases/rds-failover.yaml") == []
