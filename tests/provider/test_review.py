"""The pull-request plan (`python -m provider plan`): same planning core, read from exported state."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from provider.aws.execute import CaseRecord
from provider.aws.record import UNREACHABLE
from provider.casefiles.loader import Case, load_cases
from provider.commands.cli import main
from provider.planning.plan import Sent
from provider.review.cases import INTERRUPTED, review
from provider.review.document import plan_document
from provider.review.markdown import render_markdown
from provider.review.state import interrupted_creates, records_from_state
from provider.review.text import render_text
from tests.provider.conftest import write_case

BASE = {"subject": "ELB 502s", "communicationBody": "Our ALB returns 502 for 3% of requests."}


def export(records: dict[str, CaseRecord], specs: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """A `pulumi stack export` document holding these case records (and the specs last applied)."""
    resources: list[dict[str, Any]] = [
        {"type": "pulumi:pulumi:Stack", "urn": "urn:pulumi:prod::p::s", "outputs": {}}
    ]
    for name, record in records.items():
        outputs = {"caseName": name, "source": f"cases/{name}.yaml", **record.to_outputs()}
        if specs and name in specs:
            outputs["spec"] = specs[name]
        resources.append({"type": "pulumi-python:dynamic:Resource", "outputs": outputs})
    return {"version": 3, "deployment": {"resources": resources}}


def recorded(
    spec: dict[str, Any], sent_at: tuple[str, ...] = (), case_id: str = "case-1-2026-ab"
) -> CaseRecord:
    return CaseRecord(case_id, Sent.declared(spec), display_id="170000000042", sent_at=sent_at)


def document(repo: Path, state: dict[str, Any], cases: list[Case] | None = None) -> dict[str, Any]:
    if cases is None:
        cases, problems = load_cases([repo / "cases"], root=repo)
        assert problems == []
    return plan_document(review(cases, records_from_state(state)), repo, stack="prod")


def test_new_changed_unchanged_and_removed_cases(repo: Path):
    alb = write_case(repo, "alb", {**BASE, "communications": [{"communicationBody": "Still failing."}]})
    same = write_case(repo, "same", {**BASE, "subject": "Unchanged"})
    write_case(repo, "new", {**BASE, "subject": "Brand new"})
    state = export(
        {
            "alb": recorded(alb.spec | {"communications": []}),
            "same": recorded(same.spec),
            "gone": recorded(BASE),
        }
    )
    plan = document(repo, state)
    cases = {case["name"]: case for case in plan["cases"]}
    assert {name: case["change"] for name, case in cases.items()} == {
        "alb": "1 message",
        "new": "new case",
        "gone": "file removed: resolve",
    }
    assert [a["call"] for a in cases["alb"]["actions"]] == ["AddCommunicationToCase"]
    assert cases["alb"]["actions"][0]["communicationBody"] == "Still failing."
    assert plan["totals"] | {"calls": None} == {
        "cases": 4,
        "changed": 3,
        "unchanged": 1,
        "refused": 0,
        "newCases": 1,
        "calls": None,
    }
    assert plan["totals"]["calls"] == {"AddCommunicationToCase": 1, "CreateCase": 1, "ResolveCase": 1}
    text = render_text(plan)
    assert "alb (case 170000000042, cases/alb.yaml): 1 message\n" in text
    assert "  | Still failing." in text
    assert "new (new case, cases/new.yaml): new case" in text
    assert "gone (case 170000000042, (file removed)): file removed: resolve" in text
    assert "same" not in text
    assert text.endswith("3 step(s) for 3 case(s); 1 unchanged\n")
    assert [w["kind"] for w in plan["warnings"]] == ["removal"]


def test_markdown_has_marker_banner_table_and_every_message_whole(repo: Path):
    body = "Logs:\n```\nERROR 502\n```\n@oncall please look"
    write_case(repo, "alb", {**BASE, "communicationBody": body, "ccEmailAddresses": ["ops@example.com"]})
    plan = document(repo, export({}))
    markdown = render_markdown(plan)
    assert markdown.startswith(f"<!-- support-cases-plan stack=prod fingerprint={plan['fingerprint']} -->\n")
    assert "**Sent mail cannot be unsent.**" in markdown
    assert f"| `alb` | new case | CreateCase | — | {len(body)} / 8,000 | — | ops@example.com |" in markdown
    # The body is shown exactly, in a fence longer than the backtick run inside it.
    assert f"````text\n{body}\n````" in markdown
    assert "<details><summary><code>alb</code> · new case · 1 step</summary>" in markdown
    assert markdown.splitlines()[-1].startswith(
        f"Plan fingerprint: `{plan['fingerprint']}`. Given to `pulumi up`"
    )


def test_edit_of_a_sent_message_is_refused_with_when_it_was_sent(repo: Path, capsys):
    sent = {**BASE, "communications": [{"communicationBody": "first"}]}
    write_case(repo, "alb", {**BASE, "communications": [{"communicationBody": "FIRST"}]})
    state = export({"alb": recorded(sent, sent_at=("2026-11-20T10:00:00Z",))})
    (repo / "state.json").write_text(json.dumps(state))
    assert main(["plan", "--state", "state.json", "--format", "markdown"]) == 1
    out = capsys.readouterr().out
    assert (
        "- **refused**: message 1 of communications was already sent to AWS; its communicationBody cannot "
        "be edited (sent mail cannot be unsent) (sent 2026-11-20T10:00:00Z)"
    ) in out
    assert main(["plan", "--state", "state.json", "--format", "json"]) == 1
    refused = json.loads(capsys.readouterr().out)
    assert (refused["status"], refused["fingerprint"]) == ("refused", None)


def test_exit_codes_plain_and_detailed(repo: Path, capsys):
    alb = write_case(repo, "alb", BASE)
    (repo / "new.json").write_text(json.dumps(export({})))
    (repo / "same.json").write_text(json.dumps(export({"alb": recorded(alb.spec)})))
    assert main(["plan", "--state", "new.json"]) == 0
    out = capsys.readouterr().out
    assert "1. CreateCase: open the case 'ELB 502s'" in out
    assert "  | Our ALB returns 502 for 3% of requests." in out
    assert main(["plan", "--state", "new.json", "--detailed-exitcode"]) == 2
    assert main(["plan", "--state", "same.json", "--detailed-exitcode"]) == 0
    assert main(["plan", "--state", "missing.json", "--detailed-exitcode"]) == 1
    assert main(["plan", "--state", "missing.json"]) == 2
    capsys.readouterr()
    assert main(["plan", "--state", "same.json", "--format", "markdown"]) == 0
    assert "No changes: `pulumi up` sends nothing to AWS (1 case unchanged)." in capsys.readouterr().out


def test_broken_case_files_give_a_plan_of_problems_only(repo: Path, capsys):
    (repo / "cases" / "bad.yaml").write_text("subject: [\n")
    (repo / "state.json").write_text(json.dumps(export({})))
    assert main(["plan", "--state", "state.json", "--detailed-exitcode"]) == 1
    assert "cases/bad.yaml:" in capsys.readouterr().out
    assert main(["plan", "--state", "state.json", "--format", "json"]) == 1
    plan = json.loads(capsys.readouterr().out)
    assert plan["status"] == "invalid" and plan["fingerprint"] is None
    assert plan["problems"][0].startswith("cases/bad.yaml:2:1: ")


def test_switching_a_managed_file_to_another_case_is_refused_like_check_does(repo: Path, capsys):
    write_case(repo, "alb", {**BASE, "caseId": "case-123456789012-2026-0123456789abcdef"})
    state = export({"alb": recorded(BASE)}, specs={"alb": BASE})
    (repo / "state.json").write_text(json.dumps(state))
    assert main(["plan", "--state", "state.json"]) == 1
    assert "  refused: this file already manages a support case; caseId cannot be added" in (
        capsys.readouterr().out
    )


def test_a_renamed_file_keeps_its_case_through_aliases(repo: Path):
    spec = {**BASE, "status": "open", "aliases": ["old/alb"]}
    cases = [Case("new/alb", "cases/new/alb.yaml", spec)]
    plan = document(repo, export({"old/alb": recorded(BASE)}), cases)
    (case,) = plan["cases"]
    assert (case["name"], case["renamedFrom"], case["caseId"], case["actions"]) == (
        "new/alb",
        "old/alb",
        "case-1-2026-ab",
        [],
    )
    assert case["change"] == "renamed from old/alb"
    assert [w["kind"] for w in plan["warnings"]] == ["rename"]
    assert plan["status"] == "no-changes"


def test_warnings_loud_severity_reopen_big_attachment_and_quota(repo: Path):
    (repo / "cases" / "big.log").write_bytes(b"x" * 4_200_000)
    resolved = CaseRecord("case-2", Sent.declared({**BASE, "status": "resolved"}))
    write_case(repo, "reopened", {**BASE, "subject": "Reopen me"})
    write_case(
        repo, "loud", {**BASE, "subject": "Down", "severityCode": "urgent", "attachments": ["big.log"]}
    )
    for index in range(10):
        write_case(repo, f"n{index:02}", {**BASE, "subject": f"New {index}"})
    plan = document(repo, export({"reopened": resolved}))
    kinds = [(w["kind"], w["case"]) for w in plan["warnings"]]
    assert ("severity", "loud") in kinds
    assert ("attachment-size", "loud") in kinds
    assert ("reopen", "reopened") in kinds
    assert ("quota", None) in kinds
    quota = next(w for w in plan["warnings"] if w["kind"] == "quota")
    assert quota["message"].startswith(
        "11 new cases for the stack's account: AWS lets an account open 10 cases per hour, so `pulumi up` "
        "opens 10 and leaves 1 "
    )
    loud = next(case for case in plan["cases"] if case["name"] == "loud")
    assert loud["actions"][0]["attachments"][0]["bytes"] == 4_200_000
    assert loud["calls"] == {"AddAttachmentsToSet": 1, "CreateCase": 1}


def test_fingerprint_follows_what_is_sent_and_nothing_else(repo: Path):
    (repo / "cases" / "a.log").write_text("one\n")
    write_case(
        repo, "alb", {**BASE, "communications": [{"communicationBody": "More.", "attachments": ["a.log"]}]}
    )
    record = recorded(BASE)
    first = document(repo, export({"alb": record}))["fingerprint"]
    # AWS's side moving (status, replies, displayId) does not change what would be sent.
    moved = CaseRecord(record.case_id, record.sent, display_id="1", status="pending-customer-action")
    assert document(repo, export({"alb": moved}))["fingerprint"] == first
    # The same attachment path with other bytes does.
    (repo / "cases" / "a.log").write_text("two\n")
    assert document(repo, export({"alb": record}))["fingerprint"] != first
    (repo / "cases" / "a.log").write_text("one\n")
    write_case(
        repo, "alb", {**BASE, "communications": [{"communicationBody": "More!", "attachments": ["a.log"]}]}
    )
    assert document(repo, export({"alb": record}))["fingerprint"] != first


def test_a_saved_json_plan_renders_the_same_markdown(repo: Path, capsys):
    write_case(repo, "alb", BASE)
    (repo / "state.json").write_text(json.dumps(export({})))
    assert main(["plan", "--state", "state.json", "--stack", "x"]) == 2  # argparse: exclusive options
    capsys.readouterr()
    assert main(["plan", "--state", "state.json", "--format", "markdown"]) == 0
    direct = capsys.readouterr().out
    assert main(["plan", "--state", "state.json", "--format", "json"]) == 0
    (repo / "plan.json").write_text(capsys.readouterr().out)
    assert main(["plan", "--from-plan", "plan.json", "--format", "markdown"]) == 0
    assert capsys.readouterr().out == direct
    assert direct.startswith("<!-- support-cases-plan stack=prod fingerprint=sha256:")


def test_the_quota_counts_the_cases_the_stack_opened_in_the_last_hour(repo: Path):
    for index in range(10):
        write_case(repo, f"n{index}", {**BASE, "subject": f"New {index}"})
    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    records = {
        "recent": CaseRecord("case-r", Sent.declared(BASE), time_created="2026-11-28T11:30:00.000Z"),
        "older": CaseRecord("case-o", Sent.declared(BASE), time_created="2026-11-28T10:59:00.000Z"),
    }
    cases, _ = load_cases([repo / "cases"], root=repo)
    plan = plan_document(review(cases, records_from_state(export(records))), repo, now=now)
    (quota,) = [w["message"] for w in plan["warnings"] if w["kind"] == "quota"]
    assert quota.startswith(
        "10 new cases for the stack's account, and this stack opened 1 in the last hour: "
    )
    assert "so `pulumi up` opens 9 and leaves 1 for a run an hour later" in quota
    later = plan_document(review(cases, records_from_state(export(records))), repo, now=now.replace(hour=13))
    assert [w for w in later["warnings"] if w["kind"] == "quota"] == []


def test_after_a_rename_the_case_is_known_by_its_resource_name_not_its_stale_outputs(repo: Path):
    state = export({"old/alb": recorded(BASE)})
    state["deployment"]["resources"][1]["urn"] = (
        "urn:pulumi:prod::p::pulumi-python:dynamic/x:SupportCase::new/alb"
    )
    assert list(records_from_state(state)) == ["new/alb"]
    cases = [Case("new/alb", "cases/new/alb.yaml", {**BASE, "status": "open", "aliases": ["old/alb"]})]
    plan = document(repo, state, cases)
    assert (plan["status"], plan["cases"], plan["warnings"]) == ("no-changes", [], [])


def test_a_create_a_killed_run_left_pending_is_refused_declared_or_not(repo: Path):
    """The state holds pending creates of `alb` (still declared) and `gone` (its file removed since):
    only recover can tell whether AWS holds their cases, so the plan refuses both and plans the rest."""
    write_case(repo, "alb", BASE)
    write_case(repo, "other", {**BASE, "subject": "Another"})
    state = export({})
    state["deployment"]["pending_operations"] = [
        {
            "type": "creating",
            "resource": {"urn": f"urn:pulumi:prod::p::t::{name}", "inputs": {"caseName": name}},
        }
        for name in ("alb", "gone")
    ] + [{"type": "updating", "resource": {"urn": "urn:pulumi:prod::p::t::x", "inputs": {"caseName": "x"}}}]
    cases, problems = load_cases([repo / "cases"], root=repo)
    assert problems == []
    plans = {
        plan.name: plan
        for plan in review(cases, records_from_state(state), None, None, interrupted_creates(state))
    }
    assert set(plans) == {"alb", "other", "gone"}
    assert plans["alb"].refusals == [INTERRUPTED] and plans["alb"].actions == []
    assert plans["gone"].refusals == [INTERRUPTED] and plans["gone"].kind() == "refused"
    assert plans["other"].refusals == [] and plans["other"].actions[0].op == "create"


def test_a_removed_file_whose_case_aws_no_longer_returns_is_not_resolved(repo: Path):
    """Model finding F9: a refresh recorded the case `unreachable` (past AWS's retention); the plan said
    ResolveCase for its removed file, and `up` (rightly) sent none."""
    state = export(
        {"old": replace(recorded(BASE), status=UNREACHABLE), "gone": recorded(BASE, case_id="c-2")}
    )
    plans = {plan.name: plan for plan in review([], records_from_state(state))}
    assert (
        plans["old"].actions == [] and plans["old"].kind() == "file removed: AWS no longer returns its case"
    )
    assert [action.op for action in plans["gone"].actions] == ["resolve"]
