"""`python -m provider log CASE`: the whole conversation of one case, every page of it, oldest first."""

from __future__ import annotations

from pathlib import Path

import pytest

from provider.commands.cli import main
from tests.commands.conftest import STACK_ARGS, TWO_ACCOUNTS, Aws, record_of, write_stack

SPEC = {
    "subject": "S3 replication lag",
    "communicationBody": "Replication is 6 hours behind.",
    "account": "staging",
}
REPLIES = 105  # DescribeCommunications answers 100 communications a page unless asked otherwise


@pytest.fixture
def long_case(aws: Aws, repo: Path) -> dict:
    case = aws.open_case("staging", SPEC["subject"], SPEC["communicationBody"])
    for number in range(1, REPLIES + 1):
        aws.endpoint.control.reply(case["caseId"], f"Reply {number} of {REPLIES}.")
    write_stack(repo, {"storage/s3-lag": (record_of(case, SPEC), SPEC)}, TWO_ACCOUNTS)
    return case


def test_log_prints_every_page_oldest_first(aws: Aws, long_case: dict, capsys):
    aws.endpoint.control.reset_calls()
    assert main(["log", "storage/s3-lag", *STACK_ARGS]) == 0
    out = capsys.readouterr().out
    pages = [c for c in aws.endpoint.control.calls() if c["operation"] == "DescribeCommunications"]
    assert len(pages) == 2
    assert {c["account"] for c in aws.endpoint.control.calls()} == {aws.ids["staging"]}
    assert out.startswith(f"# storage/s3-lag: S3 replication lag\n\n- case: {long_case['displayId']}")
    positions = [out.index(f"Reply {n} of {REPLIES}.\n") for n in range(1, REPLIES + 1)]
    assert out.index("Replication is 6 hours behind.") < positions[0]
    assert positions == sorted(positions)
    assert out.count("· Amazon Web Services\n") == REPLIES


@pytest.mark.parametrize("how", ["name", "file", "caseId", "displayId"])
def test_a_case_is_named_by_name_file_case_id_or_display_id(long_case: dict, how: str, capsys):
    wanted = {
        "name": "storage/s3-lag",
        "file": "cases/storage/s3-lag.yaml",
        "caseId": long_case["caseId"],
        "displayId": long_case["displayId"],
    }[how]
    assert main(["log", wanted, *STACK_ARGS]) == 0
    assert capsys.readouterr().out.startswith("# storage/s3-lag: S3 replication lag\n")


def test_a_case_not_in_the_stack_is_a_usage_error(aws: Aws, repo: Path, capsys):
    write_stack(repo, {}, TWO_ACCOUNTS)
    assert main(["log", "nope", *STACK_ARGS]) == 2
    assert capsys.readouterr().err == (
        "log: no case 'nope' in the stack (a case name, case file, caseId or displayId)\n"
    )


def test_a_case_of_an_unknown_account_names_the_alias(aws: Aws, repo: Path, capsys):
    case = aws.open_case("prod", "Orphan")
    spec = {"subject": "Orphan", "communicationBody": "It broke.", "account": "qa"}
    write_stack(repo, {"orphan": (record_of(case, spec), spec)}, TWO_ACCOUNTS)
    assert main(["log", "orphan", *STACK_ARGS]) == 1
    assert capsys.readouterr().err == "log: unknown account 'qa': supportcases:accounts has prod, staging\n"
