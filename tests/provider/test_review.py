"""The pull-request plan (`python -m provider plan`): same planning core, read from exported state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from provider.aws.execute import CaseRecord
from provider.casefiles.loader import load_cases
from provider.commands.cli import main
from provider.commands.review import records_from_state, render, review
from provider.planning.plan import Sent
from tests.provider.conftest import write_case

BASE = {"subject": "ELB 502s", "communicationBody": "Our ALB returns 502 for 3% of requests."}


def export(records: dict[str, CaseRecord]) -> dict[str, Any]:
    """A `pulumi stack export` document holding these case records."""
    resources: list[dict[str, Any]] = [{"type": "pulumi:pulumi:Stack", "outputs": {}}]
    for name, record in records.items():
        outputs = {"caseName": name, "source": f"cases/{name}.yaml", **record.to_outputs()}
        resources.append({"type": "pulumi-python:dynamic:Resource", "outputs": outputs})
    return {"version": 3, "deployment": {"resources": resources}}


def recorded(spec: dict[str, Any], sent_at: tuple[str, ...] = ()) -> CaseRecord:
    return CaseRecord("case-1-2026-ab", Sent.declared(spec), display_id="170000000042", sent_at=sent_at)


def test_new_changed_unchanged_and_removed_cases(repo: Path):
    alb = write_case(repo, "alb", {**BASE, "communications": [{"communicationBody": "Still failing."}]})
    same = write_case(repo, "same", {**BASE, "subject": "Unchanged"})
    write_case(repo, "new", {**BASE, "subject": "Brand new"})
    cases, _ = load_cases([repo / "cases"], root=repo)
    state = export(
        {
            "alb": recorded(alb.spec | {"communications": []}),
            "same": recorded(same.spec),
            "gone": recorded(BASE),
        }
    )
    plans = {p.name: p for p in review(cases, records_from_state(state))}
    assert [a.op for a in plans["alb"].actions] == ["send"]
    assert plans["same"].actions == []
    assert [a.op for a in plans["new"].actions] == ["create"]
    assert [a.op for a in plans["gone"].actions] == ["resolve"]
    text = render(list(plans.values()))
    assert "### `alb` (case 170000000042, cases/alb.yaml)" in text
    assert "  | Still failing." in text
    assert "### `new` (new case, cases/new.yaml)" in text
    assert "### `gone` (case 170000000042, (file removed))" in text
    assert "`same`" not in text
    assert text.endswith("3 step(s) for 3 case(s); 1 unchanged")


def test_edit_of_a_sent_message_is_refused_with_when_it_was_sent(repo: Path, capsys):
    sent = {**BASE, "communications": [{"communicationBody": "first"}]}
    write_case(repo, "alb", {**BASE, "communications": [{"communicationBody": "FIRST"}]})
    state = export({"alb": recorded(sent, sent_at=("2026-11-20T10:00:00Z",))})
    (repo / "state.json").write_text(json.dumps(state))
    assert main(["plan", "--state", "state.json"]) == 1
    assert (
        "- **refused**: message 1 of communications was already sent to AWS; its communicationBody cannot "
        "be edited (sent mail cannot be unsent) (sent 2026-11-20T10:00:00Z)"
    ) in capsys.readouterr().out


def test_cli_prints_the_plan_and_exits_0(repo: Path, capsys):
    write_case(repo, "alb", BASE)
    (repo / "state.json").write_text(json.dumps(export({})))
    assert main(["plan", "--state", "state.json"]) == 0
    out = capsys.readouterr().out
    assert "1. CreateCase: open the case 'ELB 502s'" in out
    assert "  | Our ALB returns 502 for 3% of requests." in out


def test_cli_refuses_broken_case_files(repo: Path, capsys):
    (repo / "cases" / "bad.yaml").write_text("subject: [\n")
    (repo / "state.json").write_text(json.dumps(export({})))
    assert main(["plan", "--state", "state.json"]) == 1
    assert "cases/bad.yaml:" in capsys.readouterr().out


def test_switching_a_managed_file_to_another_case_is_refused_like_check_does(repo: Path, capsys):
    write_case(repo, "alb", {**BASE, "caseId": "case-123456789012-2026-0123456789abcdef"})
    state = export({"alb": recorded(BASE)})
    state["deployment"]["resources"][1]["outputs"]["spec"] = BASE
    (repo / "state.json").write_text(json.dumps(state))
    assert main(["plan", "--state", "state.json"]) == 1
    assert "- **refused**: this file already manages a support case; caseId cannot be added" in (
        capsys.readouterr().out
    )
