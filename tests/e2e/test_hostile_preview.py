"""Hostile and broken case files through the real engine: `pulumi preview` refuses each one, says where
and why, and not one Support API call is made (supportlocal's call log)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from supportlocal.launcher import Endpoint, running_server
from tests.casefiles.hostile_corpus import install, shown
from tests.helpers.pulumi_cli import ROOT, PulumiProject, copy_project
from tests.helpers.staged_project import staged_project

ACCESS_KEY = "AKIA444444444444"
REFUSED = "problem(s) in the case files; nothing was sent to AWS"


@pytest.fixture(scope="module")
def support(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    """One supportlocal for every preview of this module."""
    with running_server(tmp_path_factory.mktemp("supportlocal"), quotas=False) as endpoint:
        yield endpoint


def project_with_corpus(base: Path, support: Endpoint, keep: str | None = None) -> tuple[PulumiProject, dict]:
    """A copy of the project whose cases/ hold the corpus (only the case file ``keep``, when given), with a
    stack of its own; and the problem lines expected for each case file left."""
    stage = base / "stage"
    stage.mkdir(parents=True)
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, stage / name)
    for name in ("provider", "schemas"):
        shutil.copytree(ROOT / name, stage / name, ignore=shutil.ignore_patterns("__pycache__"))
    workdir = copy_project(stage, base / "project")
    expected = install(workdir)
    if keep is not None:
        for path in [path for path in expected if path != keep]:
            (workdir / path).unlink()
        expected = {keep: expected[keep]}
    env = {
        "AWS_ENDPOINT_URL_SUPPORT": support.url,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": "hostile-secret",
    }
    project = PulumiProject(workdir, stack="hostile", env_overrides=env)
    project.env.pop("AWS_PROFILE", None)
    project.init()
    return project, expected


def refused_preview(project: PulumiProject, support: Endpoint) -> list[str]:
    """Run `pulumi preview`, which must fail without a Support API call; its output lines, escaped."""
    support.control.reset_calls()
    result = project.preview(check=False)
    assert result.returncode != 0, result.stdout
    assert support.control.calls() == []
    output = result.stdout + result.stderr
    assert REFUSED in output
    return [shown(line.strip()) for line in output.splitlines()]


def test_the_whole_corpus_is_refused_by_one_preview(tmp_path: Path, support: Endpoint) -> None:
    project, expected = project_with_corpus(tmp_path, support)
    assert len(expected) >= 50
    said = refused_preview(project, support)
    every = [line for lines in expected.values() for line in lines]
    assert [line for line in every if f"error: {line}" not in said] == []
    assert f"error: {len(every)} {REFUSED}" in said


@pytest.mark.parametrize(
    "case_file",
    [
        "cases/hostile/alias-bomb.yaml",  # 485 bytes that would expand to 9**8 values
        "cases/hostile/merge-key-bomb.yaml",
        "cases/hostile/nesting-100000-flow.yaml",  # would crash libyaml's recursive composer
        "cases/hostile/huge.yaml",
        "cases/symlink-then-dotdot-leaves.yaml",  # issue 9: evidence/../../../secret.txt through a symlink
        "cases/symlink-then-dotdot-elsewhere.yaml",  # issue 9: evidence/../x.txt crashed `up`
    ],
)
def test_one_hostile_file_alone(tmp_path: Path, support: Endpoint, case_file: str) -> None:
    project, expected = project_with_corpus(tmp_path, support, keep=case_file)
    said = refused_preview(project, support)
    [line] = expected[case_file]
    assert f"error: {line}" in said
    assert f"error: 1 {REFUSED}" in said


# Issue 16, items 7, 8, 10 and 14: one case per file, attachments only of the repository's own files,
# a plan for a stack never deployed. Each through the real CLI, supportlocal's call log the truth.

VALID_CASE = "subject: Elevated 5xx errors on lb-1\ncommunicationBody: The target group returns HTTP 502.\n"
CASE_ID = "case-123456789012-muen-2026-6230ea95ad0336cf"


def staged(base: Path, support: Endpoint, files: dict[str, str]) -> PulumiProject:
    """A staged project (its own stack, selected and never deployed) whose repository holds ``files``."""
    project = staged_project(base / "project", support.url, ACCESS_KEY, stack="hostile")
    for path, text in files.items():
        (project.workdir / path).parent.mkdir(parents=True, exist_ok=True)
        (project.workdir / path).write_text(text, encoding="utf-8")
    return project


def refused_everywhere(project: PulumiProject, support: Endpoint, line: str) -> None:
    """`validate`, `plan`, `pulumi preview` and `pulumi up` each refuse the case files, saying ``line``,
    and not one Support API call is made."""
    validated = project.provider("validate")
    assert validated.returncode == 1 and line in validated.stdout.splitlines(), validated.stdout
    planned = project.provider("plan")
    assert planned.returncode == 1 and line in planned.stdout, planned.stdout + planned.stderr
    assert f"error: {line}" in refused_preview(project, support)
    support.control.reset_calls()
    upped = project.run("up", "--yes", "--skip-preview", check=False)
    assert upped.returncode != 0 and f"error: {line}" in upped.stdout + upped.stderr
    assert support.control.calls() == []


def test_a_case_name_holding_the_urn_delimiter_is_refused(tmp_path: Path, support: Endpoint) -> None:
    # issue 16 item 7: an approved "colon::name: new case" let the engine open a case for "name"
    project = staged(tmp_path, support, {"cases/colon::name.yaml": VALID_CASE})
    line = (
        "cases/colon::name.yaml:1:1: the case name 'colon::name' holds '::', the delimiter of the engine's "
        "resource URNs: rename the file"
    )
    refused_everywhere(project, support, line)


def test_an_alias_holding_the_urn_delimiter_is_refused(tmp_path: Path, support: Endpoint) -> None:
    project = staged(tmp_path, support, {"cases/renamed.yaml": VALID_CASE + "aliases: ['old::name']\n"})
    line = (
        "cases/renamed.yaml:3:11: aliases[0] 'old::name' holds '::', the delimiter of the engine's "
        "resource URNs"
    )
    refused_everywhere(project, support, line)


def test_two_files_adopting_one_case_are_refused_before_any_call(tmp_path: Path, support: Endpoint) -> None:
    # issue 16 item 8: both adopted the case; removing one resolved what the other still declared open
    adopting = VALID_CASE + f"caseId: {CASE_ID}\n"
    project = staged(tmp_path, support, {"cases/a.yaml": adopting, "cases/b.yaml": adopting})
    line = f"cases/a.yaml:3:9: caseId '{CASE_ID}' is also declared by 'cases/b.yaml': one case file per case"
    refused_everywhere(project, support, line)


def git(project: PulumiProject, *args: str) -> None:
    subprocess.run(["git", "-C", str(project.workdir), *args], check=True, capture_output=True, timeout=60)


def test_git_config_and_pulumi_credentials_are_never_uploaded(tmp_path: Path, support: Endpoint) -> None:
    # issue 16 item 10: `attachments: [../.git/config]` (where actions/checkout keeps the CI token)
    # validated and was uploaded; so was a Pulumi credentials file inside the repository
    credentials = '{"current": "https://api.pulumi.com", "accessTokens": {"https://api.pulumi.com": "pul-0"}}'
    files = {
        "cases/leak.yaml": VALID_CASE + "attachments: [../.git/config]\n",
        "cases/token.yaml": VALID_CASE.replace("lb-1", "lb-2")
        + "attachments: [../.pulumi/credentials.json]\n",
        ".pulumi/credentials.json": credentials,
    }
    project = staged(tmp_path, support, files)
    git(project, "init", "-q")
    git(
        project, "config", "http.https://github.com/.extraheader", "AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW4="
    )
    git(project, "add", "-f", "cases", ".pulumi/credentials.json")
    leak = (
        "cases/leak.yaml:3:15: attachment '../.git/config' is inside .git/, git's own store "
        "(actions/checkout writes the CI token into .git/config): it is never attached"
    )
    refused_everywhere(project, support, leak)
    said = refused_preview(project, support)
    assert any(
        line.startswith(
            "error: cases/token.yaml:3:15: attachment '../.pulumi/credentials.json' is inside .pulumi/"
        )
        for line in said
    )


def test_an_untracked_attachment_is_refused_then_sent_once_tracked(tmp_path: Path, support: Endpoint) -> None:
    project = staged(
        tmp_path,
        support,
        {"cases/lb.yaml": VALID_CASE + "attachments: [trace.log]\n", "cases/trace.log": "GET / 502\n"},
    )
    git(project, "init", "-q")
    git(project, "add", "cases/lb.yaml")
    line = (
        "cases/lb.yaml:3:15: attachment 'trace.log' is not a file git tracks: commit it first (a file git "
        "does not track is never attached)"
    )
    refused_everywhere(project, support, line)
    git(project, "add", "cases/trace.log")
    support.control.reset_calls()
    project.up()
    operations = [call["operation"] for call in support.control.calls()]
    assert (operations.count("AddAttachmentsToSet"), operations.count("CreateCase")) == (1, 1)


def test_plan_on_a_stack_never_deployed_plans_every_case_new(tmp_path: Path, support: Endpoint) -> None:
    # issue 16 item 14: `plan` on a selected, never-deployed stack exited 2 ("no resource to tell the
    # stack's name by")
    project = staged(tmp_path, support, {"cases/fresh.yaml": VALID_CASE.replace("lb-1", "lb-9")})
    support.control.reset_calls()
    planned = project.provider("plan")
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert "fresh" in planned.stdout and "CreateCase" in planned.stdout
    detailed = project.provider("plan", "--detailed-exitcode", "--format", "json")
    assert detailed.returncode == 2, detailed.stderr
    [case] = json.loads(detailed.stdout)["cases"]
    assert (case["name"], case["change"]) == ("fresh", "new case")
    assert support.control.calls() == []
    project.up()
    assert [call["operation"] for call in support.control.calls()].count("CreateCase") == 1
    assert project.provider("plan", "--detailed-exitcode").returncode == 0


def test_a_file_name_holding_a_newline_is_printed_on_one_line(tmp_path: Path, support: Endpoint) -> None:
    # issue 16 item 14: validate printed the file name raw, splitting file:line:col
    project = staged(
        tmp_path, support, {"cases/two\nlines.yaml": VALID_CASE, "cases/rtl\u202eevil.yaml": VALID_CASE}
    )
    validated = project.provider("validate")
    assert validated.returncode == 1
    lines = validated.stdout.splitlines()
    assert lines[0].startswith(
        "cases/rtl\\u202eevil.yaml:1:1: the case name 'rtl\\u202eevil' holds a character"
    )
    assert lines[1].startswith("cases/two\\nlines.yaml:1:1: the case name 'two\\nlines' holds a character")
    said = refused_preview(project, support)
    assert any(line.startswith("error: cases/two\\nlines.yaml:1:1:") for line in said)
