"""Histories an adversary with the code in hand tried (issue 16), through the real `pulumi` CLI against
supportlocal; every assertion reads supportlocal's call log or its cases, the truth about AWS.

Each test failed on the provider as it was before the fix it names (redaction, the checkpoint, a pasted
reference, restore, --replace, an account move, the fingerprint's account, a whitespace edit).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from provider.planning.reference import case_reference, message_reference, trailing_reference
from supportlocal.launcher import Endpoint, running_server
from tests.helpers.pulumi_cli import PulumiCommandError, PulumiProject
from tests.helpers.staged_project import staged_project

ACCESS_KEY = "AKIA444444444444"
WRITES = {"CreateCase", "AddCommunicationToCase", "ResolveCase", "AddAttachmentsToSet"}
CASE = {
    "subject": "Lambda throttles at 50 concurrent executions",
    "communicationBody": "Our reserved concurrency is 500 but we are throttled at 50.",
    "serviceCode": "aws-lambda",
    "categoryCode": "other",
}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[PulumiProject, Endpoint]]:
    with running_server(tmp_path / "supportlocal", quotas=False) as endpoint:
        project = staged_project(tmp_path / "project", endpoint.url, ACCESS_KEY, stack="adversary")
        yield project, endpoint


def write(project: PulumiProject, name: str, document: dict[str, Any]) -> Path:
    path = project.workdir / "cases" / f"{name}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def writes(endpoint: Endpoint) -> Counter[str]:
    """Write calls that reached supportlocal's service since the last reset (lost answers included)."""
    return Counter(call["operation"] for call in endpoint.control.calls() if call["operation"] in WRITES)


def support(endpoint: Endpoint) -> Any:
    return boto3.client(
        "support",
        endpoint_url=endpoint.url,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key="adversary",
    )


def cases_at_aws(endpoint: Endpoint) -> list[dict[str, Any]]:
    return support(endpoint).describe_cases(includeResolvedCases=True, includeCommunications=False)["cases"]


def customer_bodies(endpoint: Endpoint, case_id: str) -> list[str]:
    items = support(endpoint).describe_communications(caseId=case_id)["communications"]
    return [item["body"] for item in reversed(items) if item["submittedBy"] != "Amazon Web Services"]


def plan_json(project: PulumiProject) -> dict[str, Any]:
    result = project.provider("plan", "--stack", project.stack, "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def failed_up(project: PulumiProject, *extra: str) -> str:
    with pytest.raises(PulumiCommandError) as error:
        project.up(*extra)
    output = error.value.result.stdout + error.value.result.stderr
    assert "Traceback" not in output  # a refusal reads as one, not as a crash
    return output


# --- 1. AWS's own redaction ----------------------------------------------------------------------------


def test_a_subject_aws_redacts_with_every_create_answer_lost_opens_one_case(world):
    project, endpoint = world
    write(project, "refund", {**CASE, "subject": "Refund for card payment 4111 1111 1111 1111"})
    endpoint.control.set_faults(lost_answer_rate=1.0, operations=["CreateCase"])
    project.up()
    endpoint.control.clear_faults()
    assert len(cases_at_aws(endpoint)) == 1  # before the fix: 4 (the subject is stored redacted)
    assert writes(endpoint)["CreateCase"] == 1


def test_trailer_off_a_redacted_follow_up_whose_answer_was_lost_arrives_once(world):
    project, endpoint = world
    project.config_set("supportcases:referenceTrailer", "false")
    write(project, "billing", CASE)
    project.up()
    case_id = cases_at_aws(endpoint)[0]["caseId"]
    card = "Please refund it to card 4111 1111 1111 1111."
    write(project, "billing", {**CASE, "communications": [{"communicationBody": card}]})
    endpoint.control.reset_calls()
    endpoint.control.set_faults(lost_answer_rate=1.0, operations=["AddCommunicationToCase"])
    project.up()  # the redacted text that appeared since this run's send is this run's message
    endpoint.control.clear_faults()
    assert writes(endpoint)["AddCommunicationToCase"] == 1  # before the fix: 3
    bodies = customer_bodies(endpoint, case_id)
    assert len(bodies) == 2 and "4111 1111 1111 1111" not in bodies[1]  # AWS holds it redacted
    project.preview("--expect-no-changes")


# --- 3. the checkpoint passes the run's own writes ---------------------------------------------------


def test_every_reopen_of_a_toggled_status_is_sent(world):
    project, endpoint = world
    write(project, "toggle", CASE)
    project.up()
    endpoint.control.reset_calls()
    for status in ("resolved", "open", "resolved", "open"):
        write(project, "toggle", {**CASE, "status": status})
        project.up()
    assert writes(endpoint) == Counter({"ResolveCase": 2, "AddCommunicationToCase": 2})
    assert cases_at_aws(endpoint)[0]["status"] != "resolved"  # before the fix: the 2nd reopen was dropped


def test_trailer_off_a_message_equal_to_an_earlier_one_is_sent(world):
    project, endpoint = world
    project.config_set("supportcases:referenceTrailer", "false")
    asked = {"communicationBody": "Any update on this?"}
    write(project, "again", CASE)
    project.up()
    write(project, "again", {**CASE, "communications": [asked]})  # sent by an update, after its read
    project.up()
    endpoint.control.reset_calls()
    write(project, "again", {**CASE, "communications": [asked, asked]})
    project.up()
    assert writes(endpoint) == Counter({"AddCommunicationToCase": 1})  # before the fix: silently dropped
    bodies = customer_bodies(endpoint, cases_at_aws(endpoint)[0]["caseId"])
    assert bodies[1:] == ["Any update on this?"] * 2


# --- 4. a [ref …] written by a person -----------------------------------------------------------------


def test_a_message_quoting_an_earlier_reference_is_sent(world):
    project, endpoint = world
    first = {"communicationBody": "The throttling started at 09:00 UTC."}
    write(project, "quote", CASE)
    project.up()
    write(project, "quote", {**CASE, "communications": [first]})  # sent by an update, after its read
    project.up()
    case_id = cases_at_aws(endpoint)[0]["caseId"]
    quoted = trailing_reference(customer_bodies(endpoint, case_id)[1])
    assert quoted
    # A text whose own reference sorts after the quoted one (the old matcher took the smallest).
    text = next(
        f"As said in [ref {quoted}], it still fails ({n})."
        for n in range(10_000)
        if message_reference(f"As said in [ref {quoted}], it still fails ({n}).", 2) > quoted
    )
    write(project, "quote", {**CASE, "communications": [first, {"communicationBody": text}]})
    endpoint.control.reset_calls()
    project.up()
    assert writes(endpoint) == Counter({"AddCommunicationToCase": 1})
    assert customer_bodies(endpoint, case_id)[2].startswith(text)


def test_a_description_pasting_another_case_with_its_reference_opens_its_own_case(world):
    project, endpoint = world
    write(project, "original", CASE)
    project.up()
    pasted = customer_bodies(endpoint, cases_at_aws(endpoint)[0]["caseId"])[0]
    theirs = trailing_reference(pasted)
    assert theirs
    name = next(
        f"copy-{n}"
        for n in range(100)
        if case_reference(f"support-cases/adversary/copy-{n}", CASE["subject"], pasted) > theirs
    )
    write(project, name, {**CASE, "communicationBody": pasted})
    endpoint.control.reset_calls()
    project.up()
    assert writes(endpoint) == Counter({"CreateCase": 1})
    assert len(cases_at_aws(endpoint)) == 2


# --- 5. restoring a removed file ----------------------------------------------------------------------


def test_restoring_a_removed_case_file_does_what_the_plan_says(world):
    project, endpoint = world
    document = {**CASE, "communications": [{"communicationBody": "Logs attached next."}]}
    path = write(project, "restored", document)
    project.up()
    path.unlink()
    project.up()
    write(project, "restored", document)
    planned = plan_json(project)
    [entry] = planned["cases"]
    calls = [action["call"] for action in entry["actions"]]
    assert calls == ["CreateCase", "AddCommunicationToCase"]
    endpoint.control.reset_calls()
    project.up()
    assert writes(endpoint) == Counter(calls)  # before the fix: the resolved case was taken over, silently
    open_cases = [case for case in cases_at_aws(endpoint) if case["status"] != "resolved"]
    assert len(open_cases) == 1


# --- 9. pulumi up --replace ----------------------------------------------------------------------------


def test_replace_is_refused_and_resolves_nothing(world):
    project, endpoint = world
    write(project, "kept", CASE)
    project.up()
    [resource] = [r for r in project.resources() if r["outputs"].get("caseName") == "kept"]
    endpoint.control.reset_calls()
    output = failed_up(project, "--replace", resource["urn"])
    assert "would replace it" in output
    assert writes(endpoint) == Counter()  # before the fix: ResolveCase of the case the file declares open
    assert cases_at_aws(endpoint)[0]["status"] != "resolved"
    # Past the recovery window, where AWS's listing no longer shows the case to the create: the same.
    project.config_set("supportcases:recoveryHours", "1")
    endpoint.control.age_case(resource["outputs"]["caseId"], 2 * 3600)
    assert "would replace it" in failed_up(project, "--replace", resource["urn"])
    assert writes(endpoint) == Counter()
    assert len(cases_at_aws(endpoint)) == 1


# --- 11. moving an existing case to another account ---------------------------------------------------


def two_accounts(project: PulumiProject, tmp: Path) -> None:
    aws = tmp / "aws"
    aws.mkdir()
    keys = {"prod": ACCESS_KEY, "staging": "AKIA555555555555"}
    (aws / "config").write_text("".join(f"[profile {name}]\nregion = us-east-1\n" for name in keys))
    (aws / "credentials").write_text(
        "".join(f"[{n}]\naws_access_key_id = {k}\naws_secret_access_key = s\n" for n, k in keys.items())
    )
    project.env.update(
        {"AWS_CONFIG_FILE": str(aws / "config"), "AWS_SHARED_CREDENTIALS_FILE": str(aws / "credentials")}
    )
    for name in keys:
        project.run("config", "set", "--path", f"supportcases:accounts.{name}.profile", name)
    project.run("config", "set", "supportcases:defaultAccount", "prod")


def test_moving_a_case_to_another_account_is_refused_by_preview_and_plan(world, tmp_path):
    project, endpoint = world
    two_accounts(project, tmp_path)
    write(project, "moved", {**CASE, "account": "prod"})
    project.up()
    write(project, "moved", {**CASE, "account": "staging", "communications": [{"communicationBody": "Hi"}]})
    endpoint.control.reset_calls()
    with pytest.raises(PulumiCommandError) as error:
        project.preview()
    assert "cannot move to account 'staging'" in error.value.result.stdout + error.value.result.stderr
    planned = plan_json(project)
    assert planned["status"] == "refused" and planned["fingerprint"] is None
    assert "cannot move to account 'staging'" in failed_up(project)
    assert writes(endpoint) == Counter()  # before the fix: approved, then a CaseIdNotFound traceback


# --- 2. the fingerprint covers the account ------------------------------------------------------------


def test_an_approved_plan_is_refused_once_the_alias_points_at_another_account(world, tmp_path):
    project, endpoint = world
    two_accounts(project, tmp_path)
    write(project, "approved", {**CASE, "account": "prod"})
    approved = plan_json(project)
    assert approved["cases"][0]["account"]["alias"] == "prod"
    project.run("config", "set", "--path", "supportcases:accounts.prod.profile", "staging")
    assert plan_json(project)["fingerprint"] != approved["fingerprint"]
    project.config_set("supportcases:approvedPlan", approved["fingerprint"])
    endpoint.control.reset_calls()
    assert "not the approved" in failed_up(project)
    assert endpoint.control.calls() == []  # before the fix: the case was opened in the other account


# --- 12. whitespace-only edits ------------------------------------------------------------------------


def test_a_whitespace_only_edit_of_the_description_or_a_message_pages_nobody(world):
    project, endpoint = world
    message = {"communicationBody": "Throttled again at 10:00."}
    path = write(project, "spaces", {**CASE, "communications": [message]})
    project.up()
    text = path.read_text().replace(CASE["communicationBody"], CASE["communicationBody"] + "  \n ")
    path.write_text(text.replace("Throttled again at 10:00.", "Throttled   again at 10:00.\n"))
    endpoint.control.reset_calls()
    project.preview("--expect-no-changes")
    project.up()
    assert writes(endpoint) == Counter()  # before the fix: "The case definition was updated"


# --- 8. one case, one file, also when only AWS tells ----------------------------------------------------


def test_adopting_a_case_another_file_manages_is_refused_before_any_write(world):
    project, endpoint = world
    write(project, "owner", CASE)
    project.up()
    [case] = cases_at_aws(endpoint)
    write(project, "second", {**CASE, "displayId": case["displayId"]})  # validation cannot tell
    endpoint.control.reset_calls()
    assert "managed by the stack already, as 'owner'" in failed_up(project)
    assert writes(endpoint) == Counter()
    (project.workdir / "cases" / "owner.yaml").unlink()
    write(project, "second", {**CASE, "caseId": case["caseId"]})
    assert "managed by the stack already, as 'owner'" in failed_up(project)
    assert writes(endpoint) == Counter()  # the case the second file declares open is not resolved
    assert cases_at_aws(endpoint)[0]["status"] != "resolved"
