"""The approved-plan guard of the Pulumi program, without the engine (test_plans_e2e runs it for real)."""

from __future__ import annotations

from pathlib import Path

import pytest

from provider.aws.execute import CaseRecord
from provider.aws.support_api import ApiSettings
from provider.casefiles.loader import Case
from provider.planning.plan import Sent
from provider.review.approval import (
    APPROVED_ENV,
    PlanNotApprovedError,
    approved_fingerprint,
    check_plan,
)
from provider.review.stackplan import stack_plan

A = "sha256:" + "a" * 64
B = "sha256:" + "b" * 64
SPEC = {"subject": "S", "communicationBody": "D", "status": "open"}


def test_the_fingerprint_comes_from_config_or_environment_and_both_must_agree():
    assert approved_fingerprint(None, {}) is None
    assert approved_fingerprint(A, {}) == A
    assert approved_fingerprint(None, {APPROVED_ENV: A}) == A
    assert approved_fingerprint(A, {APPROVED_ENV: A}) == A
    with pytest.raises(PlanNotApprovedError, match="name different plans"):
        approved_fingerprint(A, {APPROVED_ENV: B})
    with pytest.raises(PlanNotApprovedError, match="'abc' is not a plan fingerprint"):
        approved_fingerprint("abc", {})


def state(sent: Sent) -> dict:
    outputs = {"caseName": "a", **CaseRecord("case-1", sent).to_outputs(), "spec": SPEC}
    return {"deployment": {"resources": [{"type": "t", "outputs": outputs}]}}


def test_check_plan_passes_the_reviewed_plan_and_refuses_any_other(tmp_path: Path):
    reviewed = [Case("a", "cases/a.yaml", {**SPEC, "communications": [{"communicationBody": "one"}]})]
    before = state(Sent.declared(SPEC))
    plain = ApiSettings()
    # Approved before the case was opened: now the same file means another plan (a message, not CreateCase).
    approved = stack_plan(reviewed, {}, plain, "p/s", tmp_path)["fingerprint"]
    with pytest.raises(PlanNotApprovedError, match=r"has fingerprint sha256:[0-9a-f]{64}, not the approved"):
        check_plan(reviewed, before, approved, tmp_path, plain, "p/s")
    now = stack_plan(reviewed, before, plain, "p/s", tmp_path)["fingerprint"]
    assert check_plan(reviewed, before, now, tmp_path, plain, "p/s") == now
    # The same words without their reference trailer are another plan.
    with pytest.raises(PlanNotApprovedError, match="changed since the plan was reviewed"):
        check_plan(reviewed, before, now, tmp_path, ApiSettings(reference_trailer=False), "p/s")
    edited = [Case("a", "cases/a.yaml", {**SPEC, "communications": [{"communicationBody": "one!"}]})]
    with pytest.raises(PlanNotApprovedError, match="Nothing was sent to AWS"):
        check_plan(edited, before, now, tmp_path, plain, "p/s")
    refused = [Case("a", "cases/a.yaml", SPEC)]
    sent_one = state(Sent.declared(reviewed[0].spec))
    with pytest.raises(PlanNotApprovedError, match=r"cannot be applied \(an edit is refused\)"):
        check_plan(refused, sent_one, now, tmp_path, plain, "p/s")


TWO = {"prod": {"profile": "prod"}, "staging": {"profile": "staging"}}


def test_the_fingerprint_covers_the_account_each_case_goes_to_and_the_endpoint(tmp_path, monkeypatch):
    new = [Case("a", "cases/a.yaml", {**SPEC, "account": "prod"})]
    prod = ApiSettings.from_config({"accounts": TWO})
    approved = stack_plan(new, {}, prod, "p/s", tmp_path)
    assert approved["cases"][0]["account"] == {
        "alias": "prod",
        "profile": "prod",
        "roleArn": None,
        "externalId": None,
    }
    moved = [Case("a", "cases/a.yaml", {**SPEC, "account": "staging"})]
    assert stack_plan(moved, {}, prod, "p/s", tmp_path)["fingerprint"] != approved["fingerprint"]
    elsewhere = ApiSettings.from_config({"accounts": {**TWO, "prod": {"profile": "staging"}}})
    with pytest.raises(PlanNotApprovedError, match="not the approved"):
        check_plan(new, {}, approved["fingerprint"], tmp_path, elsewhere, "p/s")
    assert (
        stack_plan(
            new, {}, ApiSettings.from_config({"accounts": TWO, "partition": "aws-us-gov"}), "p/s", tmp_path
        )["fingerprint"]
        != approved["fingerprint"]
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL_SUPPORT", "http://127.0.0.1:1")
    assert stack_plan(new, {}, prod, "p/s", tmp_path)["fingerprint"] != approved["fingerprint"]


def test_moving_an_existing_case_to_another_account_is_refused_by_the_plan(tmp_path: Path):
    settings = ApiSettings.from_config({"accounts": TWO, "defaultAccount": "prod"})
    outputs = {"caseName": "a", **CaseRecord("case-1", Sent.declared(SPEC), account="prod").to_outputs()}
    before = {"deployment": {"resources": [{"type": "t", "outputs": {**outputs, "spec": SPEC}}]}}
    moved = [Case("a", "cases/a.yaml", {**SPEC, "account": "staging"})]
    document = stack_plan(moved, before, settings, "p/s", tmp_path)
    assert document["status"] == "refused" and document["fingerprint"] is None
    assert (
        "lives in account 'prod' and cannot move to account 'staging'" in document["cases"][0]["refusals"][0]
    )
    # The default account changed under a file naming none: the same refusal.
    other_default = ApiSettings.from_config({"accounts": TWO, "defaultAccount": "staging"})
    assert stack_plan([Case("a", "cases/a.yaml", SPEC)], before, other_default, "p/s", tmp_path)[
        "status"
    ] == ("refused")
