"""A pull request with 300 changed cases: the comment keeps the summary and whole cases only, under
GitHub's 65,536-character limit, and the job summary has every message."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from provider.aws.execute import CaseRecord
from provider.casefiles.loader import load_cases
from provider.commands.cli import main
from provider.planning.plan import Sent
from provider.review.budget import HIDDEN_MARK, Pieces, fit, size
from tests.review.forge_standin import BOT, GITHUB_COMMENT_LIMIT, github_env, running_forge

CASES = 300
JOB_SUMMARY_LIMIT = 1024 * 1024  # GitHub: a step's job summary takes at most 1 MiB


def body(index: int) -> str:
    """A message that says where it starts and ends, up to 5,000 characters long."""
    filler = "\n".join(f"line {n} of the log excerpt for case {index}" for n in range(index * 7 % 120))
    return f"BEGIN {index:03}\n{filler}\nEND {index:03}"


def whole(index: int) -> re.Pattern[str]:
    """The message of case ``index`` as sent (with its reference trailer), alone in its code fence."""
    return re.compile("```text\n" + re.escape(body(index)) + r"\n\n\[ref [0-9a-f]{10}\]\n```\n")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """300 opened cases, each with a new message in its file; the state records them as sent before."""
    root = tmp_path / "repo"
    (root / "cases").mkdir(parents=True)
    (root / "Pulumi.yaml").write_text("name: t\nruntime: python\n")
    for index in range(CASES):
        spec = {"subject": f"Case {index}", "communicationBody": f"Description {index}"}
        spec["communications"] = [{"communicationBody": body(index)}]
        (root / "cases" / f"c{index:03}.yaml").write_text(yaml.safe_dump(spec))
    monkeypatch.chdir(root)
    cases, problems = load_cases(["cases"], root=root)
    assert problems == [] and len(cases) == CASES
    resources = []
    for case in cases:
        before = Sent.declared({**case.spec, "communications": []})
        record = CaseRecord(f"case-{case.name}", before, display_id=f"17{case.name[1:]}")
        outputs = {"caseName": case.name, **record.to_outputs()}
        resources.append({"urn": f"urn:pulumi:prod::t::x::{case.name}", "outputs": outputs})
    (root / "state.json").write_text(json.dumps({"deployment": {"resources": resources}}))
    return root


def render(*args: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["plan", "--from-plan", "plan.json", "--format", "markdown", *args]) == 0
    return capsys.readouterr().out


def test_300_changed_cases_fit_a_comment_without_cutting_a_message(
    repo: Path, tmp_path: Path, capsys, monkeypatch
):
    assert main(["plan", "--state", "state.json", "--format", "json"]) == 0
    (repo / "plan.json").write_text(capsys.readouterr().out)
    rest = "the job summary of this run"
    comment = render("--max-size", str(GITHUB_COMMENT_LIMIT), "--rest", rest, capsys=capsys)
    summary = render("--max-size", str(JOB_SUMMARY_LIMIT), capsys=capsys)

    assert len(comment) <= size(comment) <= GITHUB_COMMENT_LIMIT
    shown = {index for index in range(CASES) if f"BEGIN {index:03}\n" in comment}
    for index in range(CASES):
        # Every message is either there whole, in its own fence, or not there at all.
        assert (f"END {index:03}\n" in comment) == (index in shown)
        if index in shown:
            assert whole(index).search(comment)
    marked = re.findall(r"^\| `c(\d{3})` 17\d{3}" + re.escape(HIDDEN_MARK) + " \\|", comment, re.MULTILINE)
    assert {int(index) for index in marked} == set(range(CASES)) - shown
    assert 0 < len(shown) < CASES
    assert f"**{CASES - len(shown)} of {CASES} cases are not shown in full here**" in comment
    assert f"every message of every case is in {rest}." in comment
    # The summary is all there: every case has its table row.
    assert len(re.findall(r"^\| `c\d{3}` ", comment, re.MULTILINE)) == CASES

    # The job summary holds every message whole, within its own limit.
    assert size(summary) <= JOB_SUMMARY_LIMIT
    assert all(whole(index).search(summary) for index in range(CASES))
    assert HIDDEN_MARK not in summary

    # GitHub (here its stand-in, which refuses over 65,536 characters as GitHub does) takes the comment.
    (tmp_path / "event.json").write_text(json.dumps({"pull_request": {"number": 3}}))
    with running_forge() as forge:
        for key, value in github_env(forge, str(tmp_path / "event.json")).items():
            monkeypatch.setenv(key, value)
        (repo / "comment.md").write_text(comment)
        assert main(["comment", "post", "comment.md", "--stack", "prod", "--author", BOT]) == 0
        assert forge.comments[3][0]["body"] == comment
        (repo / "comment.md").write_text(summary)
        assert main(["comment", "post", "comment.md", "--stack", "prod", "--author", BOT]) == 1
    assert "answered 422: " in capsys.readouterr().err


def test_when_even_the_table_is_too_long_its_last_rows_make_way():
    rows = [f"| `case{index}` | new case | CreateCase |" for index in range(100)]
    sections = [f"<details>{index}</details>\n" for index in range(100)]
    pieces = Pieces(
        head="# plan\n| case | change | calls |\n| --- | --- | --- |",
        rows=rows,
        middle="",
        sections=sections,
        foot="fingerprint",
    )

    def note(hidden: int, total: int) -> str:
        return f"{hidden} of {total} not shown"

    text = fit(pieces, 1_000, note)
    assert size(text) <= 1_000
    kept = re.findall(r"^\| `case\d+`", text, re.MULTILINE)
    assert 0 < len(kept) < 100
    assert f"| … and {100 - len(kept)} more cases | | |" in text
    shown = text.count("<details>")
    assert shown == len(kept) - text.count(HIDDEN_MARK)
    assert f"{100 - shown} of 100 not shown" in text
    with pytest.raises(ValueError, match="the summary of this plan alone is over the limit of 20 bytes"):
        fit(pieces, 20, note)
