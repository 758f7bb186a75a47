"""`python -m provider new`: a case file from flags or prompts that `validate` accepts as written."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
import yaml

from provider.commands.cli import main
from provider.commands.new import CATALOGUE

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def catalogued(repo: Path) -> Path:
    """The repository with the project's catalogue snapshot."""
    (repo / "catalogue").mkdir()
    shutil.copy(PROJECT / CATALOGUE, repo / CATALOGUE)
    return repo


class Terminal(io.StringIO):
    """Typed answers, on what looks like a terminal."""

    def isatty(self) -> bool:
        return True


def test_flags_write_a_file_that_validate_accepts(catalogued: Path, capsys):
    code = main(
        [
            "new", "db/rds-failover",
            "--subject", "RDS failover takes 4 minutes",
            "--body", "Multi-AZ failover of db-prod-1 took 4 minutes.\nExpected under 60 seconds.\n",
            "--service", "amazon-relational-database-service-postgresql",
            "--category", "general-guidance",
            "--severity", "high",
            "--cc", "dba@example.com",
        ]
    )  # fmt: skip
    assert code == 0
    assert capsys.readouterr().out == (
        "wrote cases/db/rds-failover.yaml; check it with `python -m provider validate "
        "cases/db/rds-failover.yaml`, then open a pull request\n"
    )
    text = (catalogued / "cases" / "db" / "rds-failover.yaml").read_text()
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../../schemas/case.schema.json"
    assert text.splitlines()[3:] == [
        "subject: RDS failover takes 4 minutes",
        "serviceCode: amazon-relational-database-service-postgresql",
        "categoryCode: general-guidance",
        "severityCode: high",
        "communicationBody: |-",
        "  Multi-AZ failover of db-prod-1 took 4 minutes.",
        "  Expected under 60 seconds.",
        "ccEmailAddresses:",
        "- dba@example.com",
    ]
    assert main(["validate", "cases/db/rds-failover.yaml"]) == 0
    assert capsys.readouterr().out == "1 case file OK\n"


def test_prompts_offer_the_catalogue(catalogued: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    answers = [
        "dynamo-throttling",  # name
        "DynamoDB throttles reads",  # subject
        "dynamo",  # service: searched
        "1",  # the first match
        "",  # category: lists them, asks again
        "general-guidance",
        "",  # severity: the default, low
        "Reads on table orders are throttled",
        "below the provisioned capacity.",
        ".",
    ]
    monkeypatch.setattr("sys.stdin", Terminal("\n".join(answers) + "\n"))
    assert main(["new"]) == 0
    out = capsys.readouterr().out
    assert "match 'dynamo':\n   1. amazon-dynamodb  (DynamoDB)\n" in out
    assert "   1. general-guidance  (General Guidance)\n" in out
    assert "Severity [low]: " in out
    document = yaml.safe_load((catalogued / "cases" / "dynamo-throttling.yaml").read_text())
    assert document == {
        "subject": "DynamoDB throttles reads",
        "serviceCode": "amazon-dynamodb",
        "categoryCode": "general-guidance",
        "severityCode": "low",
        "communicationBody": "Reads on table orders are throttled\nbelow the provisioned capacity.",
    }
    assert main(["validate"]) == 0


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--service", "amazon-dynamo"], "--service: unknown service code 'amazon-dynamo'; did you mean "),
        (
            ["--service", "amazon-dynamodb", "--category", "x"],
            "--category: unknown category 'x' for amazon-dynamodb",
        ),
        (
            ["--category", "general-guidance"],
            "--category: a category belongs to a service: give --service too",
        ),
        (["--severity", "severe"], "--severity: "),
        (["--cc", "not-an-address"], "--cc: "),
    ],
)
def test_values_outside_the_catalogue_or_schema_are_refused_and_nothing_is_written(
    catalogued: Path, capsys, flags, message
):
    assert main(["new", "x", "--subject", "S", "--body", "B", *flags]) == 1
    assert capsys.readouterr().err.startswith(f"new: {message}")
    assert not (catalogued / "cases" / "x.yaml").exists()


def test_an_existing_file_is_never_overwritten(catalogued: Path, capsys):
    (catalogued / "cases" / "x.yaml").write_text("subject: mine\n")
    assert main(["new", "x", "--subject", "S", "--body", "B"]) == 1
    assert capsys.readouterr().err == "new: cases/x.yaml exists already: case 'x' has its file\n"
    assert (catalogued / "cases" / "x.yaml").read_text() == "subject: mine\n"
    assert main(["new", "../x", "--subject", "S", "--body", "B"]) == 1
    assert capsys.readouterr().err == "new: NAME '../x' would leave cases/\n"


def test_a_twin_under_the_other_extension_is_refused(catalogued: Path, capsys):
    # twin.yml and twin.yaml would be two files of one case name, which validate refuses
    (catalogued / "cases" / "db").mkdir()
    (catalogued / "cases" / "db" / "twin.yml").write_text("subject: mine\n")
    assert main(["new", "db/twin", "--subject", "S", "--body", "B"]) == 1
    assert capsys.readouterr().err == "new: cases/db/twin.yml exists already: case 'db/twin' has its file\n"
    assert sorted(path.name for path in (catalogued / "cases" / "db").iterdir()) == ["twin.yml"]


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("colon::name", "NAME 'colon::name' holds '::', the delimiter of the engine's resource URNs"),
        (":x", "NAME ':x' starts with ':'"),
        ("rtl\u202eelif", "NAME 'rtl\\u202eelif' holds a character that is not printable"),
    ],
)
def test_a_name_the_engine_cannot_carry_is_refused(catalogued: Path, capsys, name: str, said: str):
    assert main(["new", name, "--subject", "S", "--body", "B"]) == 1
    assert capsys.readouterr().err.startswith(f"new: {said}")
    assert list((catalogued / "cases").iterdir()) == []


def test_without_a_terminal_the_flags_must_say_it_all(
    catalogued: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["new", "--subject", "S"]) == 2
    assert capsys.readouterr().err == "new: give NAME and --body, or run it on a terminal to be asked\n"


def test_the_account_goes_under_the_subject(catalogued: Path, capsys):
    assert main(["new", "s3-lag", "--account", "staging", "--subject", "S3 lag", "--body", "Behind."]) == 0
    text = (catalogued / "cases" / "s3-lag.yaml").read_text()
    assert text.splitlines()[3:] == ["subject: S3 lag", "account: staging", "communicationBody: Behind."]
    assert main(["validate", "cases/s3-lag.yaml"]) == 0
