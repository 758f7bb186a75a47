"""`python -m provider status`: every case, those waiting on us first, and an exit code to alert on."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from provider.aws.execute import CaseRecord
from provider.commands.cli import main
from provider.conversation.notices import notices
from provider.conversation.stackstate import StackCase
from provider.conversation.status import ago, rows, table
from provider.conversation.thread import StatusChange
from provider.conversation.transcripts import Seen
from provider.planning.plan import Sent
from tests.commands.conftest import STACK_ARGS, TWO_ACCOUNTS, write_stack

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def case(name: str, status: str, *, account: str = "", replies: tuple[str, ...] = (), severity: str = "low"):
    spec = {"subject": name, "communicationBody": "b", **({"account": account} if account else {})}
    record = CaseRecord(
        f"case-1-2026-{name}",
        Sent.declared(spec),
        display_id=str(1000 + ord(name[0]) - ord("a") + 1),  # alpha 1001, bravo 1002, ...
        status=status,
        severity=severity,
        replies=tuple({"body": "r", "timeCreated": moment} for moment in replies),
    )
    return name, record, spec


CASES = [
    case("alpha", "resolved"),
    case("bravo", "work-in-progress", replies=("2026-11-27T09:00:00.000Z",)),
    case(
        "charlie",
        "pending-customer-action",
        account="staging",
        replies=("2026-11-20T08:00:00.000Z", "2026-11-28T06:30:00.000Z"),
        severity="high",
    ),
    case("delta", "opened"),
    case("echo", "pending-customer-action", replies=("2026-11-28T08:59:30.000Z",)),
]


def test_cases_waiting_on_us_come_first_then_open_then_resolved():
    found = rows([StackCase(n, f"cases/{n}.yaml", s.get("account", "prod"), r, s) for n, r, s in CASES], NOW)
    assert [(row.case, row.waitingOnUs) for row in found] == [
        ("charlie", True),
        ("echo", True),
        ("bravo", False),
        ("delta", False),
        ("alpha", False),
    ]
    assert table(found).splitlines() == [
        "case     displayId  account  status                   severity  last reply from AWS       ago",
        "charlie  1003       staging  pending-customer-action  high      2026-11-28T06:30:00.000Z  2h ago",
        "echo     1005       prod     pending-customer-action  low       2026-11-28T08:59:30.000Z  30s ago",
        "bravo    1002       prod     work-in-progress         low       2026-11-27T09:00:00.000Z  1d ago",
        "delta    1004       prod     opened                   low       -                         -",
        "alpha    1001       prod     resolved                 low       -                         -",
        "5 case(s); 2 waiting on us (pending-customer-action)",
    ]


def test_ago():
    assert [ago(s) for s in (None, 0, 59, 60, 3599, 3600, 86399, 86400 * 3)] == [
        "-",
        "0s ago",
        "59s ago",
        "1m ago",
        "59m ago",
        "1h ago",
        "23h ago",
        "3d ago",
    ]


def test_exit_3_when_a_case_waits_on_us_and_0_otherwise(repo: Path, capsys):
    write_stack(repo, {name: (record, spec) for name, record, spec in CASES}, TWO_ACCOUNTS)
    assert main(["status", *STACK_ARGS]) == 3
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in out[1:-1]] == ["charlie", "echo", "bravo", "delta", "alpha"]
    assert out[-1] == "5 case(s); 2 waiting on us (pending-customer-action)"
    calm = [c for c in CASES if c[1].status != "pending-customer-action"]
    write_stack(repo, {name: (record, spec) for name, record, spec in calm}, TWO_ACCOUNTS)
    assert main(["status", *STACK_ARGS]) == 0


def test_json_format(repo: Path, capsys):
    write_stack(repo, {name: (record, spec) for name, record, spec in CASES[2:3]}, TWO_ACCOUNTS)
    assert main(["status", *STACK_ARGS, "--format", "json"]) == 3
    [row] = json.loads(capsys.readouterr().out)
    assert row == {
        "case": "charlie",
        "displayId": "1003",
        "account": "staging",
        "status": "pending-customer-action",
        "severity": "high",
        "lastReply": "2026-11-28T06:30:00.000Z",
        "lastReplyAgeSeconds": row["lastReplyAgeSeconds"],
        "waitingOnUs": True,
    }
    assert row["lastReplyAgeSeconds"] > 0


def test_a_case_without_account_is_the_default_account(repo: Path, capsys):
    write_stack(repo, {name: (record, spec) for name, record, spec in CASES[:1]}, TWO_ACCOUNTS)
    assert main(["status", *STACK_ARGS, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["account"] == "prod"


def test_a_bad_config_is_a_usage_error(repo: Path, capsys):
    write_stack(repo, {}, {"accounts": {"prod": {"rolearn": "x"}}})
    assert main(["status", *STACK_ARGS]) == 2
    assert capsys.readouterr().err.startswith(
        "status: cannot read the stack config: supportcases:accounts.prod: unknown key 'rolearn'"
    )


def test_a_sensitive_case_exported_with_show_secrets_is_read(repo: Path, capsys):
    """`pulumi stack export --show-secrets` keeps a secret output wrapped, its JSON in `plaintext`."""
    name, record, spec = case("foxtrot", "pending-customer-action", replies=("2026-11-28T08:00:00.000Z",))
    write_stack(repo, {name: (record, {**spec, "sensitive": True})}, TWO_ACCOUNTS)
    state = json.loads((repo / "state.json").read_text())
    outputs = state["deployment"]["resources"][1]["outputs"]
    for key in ("spec", "sent", "replies"):
        outputs[key] = {
            "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
            "plaintext": json.dumps(outputs[key]),
        }
    (repo / "state.json").write_text(json.dumps(state))
    assert main(["status", *STACK_ARGS, "--format", "json"]) == 3
    [row] = json.loads(capsys.readouterr().out)
    assert (row["case"], row["lastReply"]) == ("foxtrot", "2026-11-28T08:00:00.000Z")


def stack_case(name: str, status: str, *, replies=(), created="2026-11-01T08:00:00.000Z", last="", spec=None):
    _, record, default = case(name, status, replies=replies)
    record = replace(record, time_created=created, last_seen=last or (replies[-1] if replies else created))
    return StackCase(name, f"cases/{name}.yaml", "prod", record, spec or default)


def test_notices_say_plainly_what_must_not_be_missed(tmp_path: Path):
    cases = [
        stack_case("asked", "pending-customer-action", replies=("2026-11-28T06:30:00.000Z",)),
        stack_case("soon", "pending-customer-action", replies=("2026-11-25T06:00:00.000Z",)),
        stack_case("overdue", "pending-customer-action", replies=("2026-11-20T09:00:00.000Z",)),
        stack_case("closed-by-aws", "resolved", last="2026-11-27T10:00:00.000Z"),
        stack_case("long-closed", "resolved", last="2026-11-01T10:00:00.000Z"),
        stack_case(
            "ours", "resolved", last="2026-11-01T10:00:00.000Z", spec={"subject": "s", "status": "resolved"}
        ),
        stack_case("old", "work-in-progress", created="2024-12-10T09:00:00.000Z"),
        stack_case("older", "work-in-progress", created="2024-11-01T09:00:00.000Z"),
        stack_case("fresh", "work-in-progress"),
    ]
    found = notices(cases, NOW, tmp_path)
    assert [n.case for n in found] == [  # the most urgent first
        "overdue",
        "soon",
        "asked",
        "closed-by-aws",
        "old",
        "older",
        "long-closed",
    ]
    said = {(n.case, n.kind): n.text for n in found}
    assert said == {
        ("asked", "waiting"): "AWS waits on us since its reply of 2026-11-28 06:30 UTC (2h ago); answer in "
        "`communications:`",
        (
            "soon",
            "auto-resolve",
        ): "AWS waits on us since its reply of 2026-11-25 06:00 UTC (3d ago): about to be "
        "auto-resolved, around 2026-11-30 06:00 UTC (AWS resolves an unanswered case 'within a few days'; 5 "
        "days assumed)",
        (
            "overdue",
            "auto-resolve",
        ): "AWS waits on us since its reply of 2026-11-20 09:00 UTC (8d ago): past the "
        "5 days after which AWS is assumed to auto-resolve an unanswered case; answer now, or it is resolved",
        (
            "closed-by-aws",
            "resolved",
        ): "AWS resolved it while the case file holds it open: a new message reopens "
        "it until 2026-12-11 10:00 UTC; or set `status: resolved`",
        ("long-closed", "not-reopenable"): "AWS resolved it and it can no longer be reopened: inactive since "
        "2026-11-01 10:00 UTC, more than 14 days; a new message would be refused, open a new case instead",
        (
            "old",
            "expiring",
        ): "AWS stops returning it after 2026-12-10 09:00 UTC, 24 months after it was opened",
        (
            "older",
            "unreachable",
        ): "AWS no longer returns it: created 2024-11-01 09:00 UTC, more than 24 months ago "
        "(the Support API keeps case data that long)",
    }


def test_a_resolution_seen_by_transcripts_dates_the_14_days(tmp_path: Path):
    resolved = stack_case("late", "resolved", last="2026-11-01T10:00:00.000Z")
    thread = tmp_path / "cases" / "late.thread.md"
    thread.parent.mkdir()
    seen = Seen("resolved", (StatusChange("2026-11-20T12:00:00Z", "work-in-progress", "resolved"),))
    thread.write_text(f"<!-- generated -->\n{seen.line()}\n")
    [notice] = notices([resolved], NOW, tmp_path)
    assert (notice.kind, notice.text.split(":")[0]) == (
        "resolved",
        "AWS resolved it while the case file holds it open",
    )
    assert "until 2026-12-04 12:00 UTC" in notice.text


def test_markdown_has_the_notices_then_the_table(repo: Path, capsys):
    write_stack(repo, {name: (record, spec) for name, record, spec in CASES[1:3]}, TWO_ACCOUNTS)
    assert main(["status", *STACK_ARGS, "--format", "markdown"]) == 3
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == ["**Notices**", ""]
    assert out[2].startswith("- ⚠️ `charlie`: AWS waits on us since its reply of 2026-11-28 06:30 UTC (")
    assert out[4:6] == [
        "| case | displayId | account | status | severity | last reply from AWS | ago |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    assert out[6].startswith(
        "| `charlie` | 1003 | staging | pending-customer-action | high | 2026-11-28T06:30:00.000Z |"
    )
    assert out[-1] == "2 case(s); 1 waiting on us (pending-customer-action)"


def test_the_table_keeps_its_lines_and_the_notices_go_to_standard_error(repo: Path, capsys):
    write_stack(repo, {name: (record, spec) for name, record, spec in CASES[2:3]}, TWO_ACCOUNTS)
    assert main(["status", *STACK_ARGS]) == 3
    captured = capsys.readouterr()
    assert captured.out.splitlines()[-1] == "1 case(s); 1 waiting on us (pending-customer-action)"
    assert captured.err.startswith("notice: charlie: AWS waits on us since its reply of 2026-11-28 06:30 UTC")
