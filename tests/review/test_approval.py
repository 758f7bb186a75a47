"""The approved-plan guard of the Pulumi program, without the engine (test_plans_e2e runs it for real)."""

from __future__ import annotations

from pathlib import Path

import pytest

from provider.aws.execute import CaseRecord
from provider.casefiles.loader import Case
from provider.planning.plan import Sent
from provider.review.approval import (
    APPROVED_ENV,
    PlanNotApprovedError,
    approved_fingerprint,
    check_plan,
)
from provider.review.cases import review
from provider.review.document import plan_document
from provider.review.state import records_from_state

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
    # Approved before the case was opened: now the same file means another plan (a message, not CreateCase).
    approved = plan_document(review(reviewed, {}, "p/s"), tmp_path)["fingerprint"]
    with pytest.raises(PlanNotApprovedError, match=r"has fingerprint sha256:[0-9a-f]{64}, not the approved"):
        check_plan(reviewed, before, approved, tmp_path, "p/s")
    now = plan_document(review(reviewed, records_from_state(before), "p/s"), tmp_path)["fingerprint"]
    assert check_plan(reviewed, before, now, tmp_path, "p/s") == now
    # The same words without their reference trailer are another plan.
    with pytest.raises(PlanNotApprovedError, match="changed since the plan was reviewed"):
        check_plan(reviewed, before, now, tmp_path, None)
    edited = [Case("a", "cases/a.yaml", {**SPEC, "communications": [{"communicationBody": "one!"}]})]
    with pytest.raises(PlanNotApprovedError, match="Nothing was sent to AWS"):
        check_plan(edited, before, now, tmp_path, "p/s")
    refused = [Case("a", "cases/a.yaml", SPEC)]
    sent_one = state(Sent.declared(reviewed[0].spec))
    with pytest.raises(PlanNotApprovedError, match=r"cannot be applied \(an edit is refused\)"):
        check_plan(refused, sent_one, now, tmp_path, "p/s")
