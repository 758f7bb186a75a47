"""The provider's methods against a running supportlocal, asserted through its state and call log."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import provider.stack.resource as resource
from provider.aws.execute import CaseRecord
from provider.aws.support_api import ApiSettings, SupportApiError
from provider.planning.plan import plan
from provider.planning.reference import message_reference, with_trailer, without_trailer
from provider.review.stackplan import stack_plan
from provider.stack.resource import SupportCaseProvider, case_inputs
from provider.stack.types import SUPPORT_CASE_TYPE
from tests.provider.conftest import SECRET_KEY, client, operations, write_case

BASE = {
    "subject": "EC2 instance i-0abc unreachable after reboot",
    "communicationBody": "After a reboot at 09:00 UTC the instance fails status checks.",
    "serviceCode": "amazon-elastic-compute-cloud-linux",
    "categoryCode": "instance-issue",
    "severityCode": "normal",
}


def provider() -> SupportCaseProvider:
    return SupportCaseProvider(ApiSettings(max_attempts=3, calls_per_second=0))


def text(lines: list[str]) -> str:
    """An outbox body as its author wrote it."""
    return without_trailer("\n".join(lines))


def checked(prov: SupportCaseProvider, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
    result = prov.check(olds, news)
    assert result.failures == []
    return result.inputs


def open_case(
    root: Path, name: str = "ec2", prov: SupportCaseProvider | None = None, **extra: Any
) -> tuple[SupportCaseProvider, dict, dict]:
    prov = prov or provider()
    inputs = checked(prov, {}, case_inputs(write_case(root, name, {**BASE, **extra})))
    outs = prov.create(inputs).outs
    return prov, inputs, outs


def bodies(case_id: str) -> list[tuple[str, str]]:
    """(submittedBy, body) of every communication on the case, oldest first."""
    pages = client().get_paginator("describe_communications").paginate(caseId=case_id)
    items = [item for page in pages for item in page["communications"]]
    return [(item["submittedBy"], without_trailer(item["body"])) for item in reversed(items)]


def update(prov, root, old_inputs, outs, name="ec2", **document):
    news = checked(prov, old_inputs, case_inputs(write_case(root, name, {**BASE, **document})))
    diff = prov.diff(outs["caseId"], outs, news)
    assert diff.replaces == []
    return news, diff, (prov.update(outs["caseId"], outs, news).outs if diff.changes else outs)


def test_create_opens_exactly_one_case_and_records_it(support, repo):
    _, inputs, outs = open_case(repo)
    assert inputs["outbox"][0]["call"] == "CreateCase"
    assert inputs["outbox"][0]["subject"] == BASE["subject"]
    assert text(inputs["outbox"][0]["communicationBody"]) == BASE["communicationBody"]
    assert operations(support)["CreateCase"] == 1
    case = client().describe_cases(caseIdList=[outs["caseId"]])["cases"][0]
    assert case["subject"] == BASE["subject"]
    assert case["severityCode"] == "normal"
    assert outs["displayId"] == case["displayId"]
    assert outs["caseStatus"] == case["status"] == "unassigned"  # S19: a new case begins unassigned
    assert outs["sent"]["messages"] == []


def test_create_with_four_attachments_and_messages(support, repo):
    logs = repo / "cases" / "logs"
    logs.mkdir()
    for index in range(4):
        (logs / f"part{index}.log").write_text(f"log {index}\n")
    files = [f"logs/part{index}.log" for index in range(4)]
    comms = [{"communicationBody": "Console screenshot attached later."}]
    _, _, outs = open_case(repo, attachments=files, communications=comms)
    calls = operations(support)
    assert calls["CreateCase"] == 1
    assert calls["AddAttachmentsToSet"] == 2
    assert calls["AddCommunicationToCase"] == 2
    said = bodies(outs["caseId"])
    assert said[1][1] == "Attachments 4 of 4 for the case description: logs/part3.log"
    assert said[2][1] == "Console screenshot attached later."
    set_id = client().describe_communications(caseId=outs["caseId"])["communications"][-1]["attachmentSet"]
    names = sorted(a["fileName"] for a in set_id)
    assert names == ["part0.log", "part1.log", "part2.log"]
    data = client().describe_attachment(attachmentId=set_id[0]["attachmentId"])["attachment"]["data"]
    assert data.startswith(b"log ")


def test_appended_message_sends_exactly_one_communication(support, repo):
    prov, inputs, outs = open_case(repo)
    support.control.reset_calls()
    comms = [
        {"communicationBody": "Any update? We still see the failure.", "ccEmailAddresses": ["a@example.com"]}
    ]
    news, diff, outs = update(prov, repo, inputs, outs, communications=comms)
    assert diff.changes is True
    [entry] = news["outbox"]
    assert text(entry.pop("communicationBody")) == "Any update? We still see the failure."
    assert entry == {
        "call": "AddCommunicationToCase",
        "why": "message 1 of communications",
        "ccEmailAddresses": ["a@example.com"],
    }
    assert operations(support)["AddCommunicationToCase"] == 1
    assert bodies(outs["caseId"])[-1][1] == "Any update? We still see the failure."
    assert len(outs["sentAt"]) == 1 and outs["sentAt"][0].startswith("20")
    # Nothing more to say afterwards, and the inputs stay as stored (no state write for the engine).
    assert prov.diff(outs["caseId"], outs, news).changes is False
    again = checked(prov, news, case_inputs(write_case(repo, "ec2", {**BASE, "communications": comms})))
    assert again["outbox"] == news["outbox"]


def test_severity_edit_sends_one_change_message(support, repo):
    prov, inputs, outs = open_case(repo)
    support.control.reset_calls()
    _, _, outs = update(prov, repo, inputs, outs, severityCode="high")
    assert operations(support)["AddCommunicationToCase"] == 1
    assert "Requested severity change: normal -> high" in bodies(outs["caseId"])[-1][1]


def test_refresh_brings_aws_replies_and_sends_nothing_next(support, repo):
    prov, inputs, outs = open_case(repo)
    support.control.reply(outs["caseId"], "Please share the system log of the instance.")
    support.control.set_status(outs["caseId"], "pending-customer-action")
    support.control.reset_calls()
    read = prov.read(outs["caseId"], outs)
    assert read.outs["caseStatus"] == "pending-customer-action"
    assert [r["body"] for r in read.outs["replies"]] == ["Please share the system log of the instance."]
    assert read.outs["sent"] == outs["sent"]
    assert operations(support) == {"DescribeCases": 1}  # the 5 newest messages come with the case
    assert prov.diff(outs["caseId"], read.outs, inputs).changes is False


def test_resolve_and_reopen(support, repo):
    prov, inputs, outs = open_case(repo)
    inputs, _, outs = update(prov, repo, inputs, outs, status="resolved")
    assert outs["caseStatus"] == "resolved"
    support.control.reset_calls()
    _, _, outs = update(prov, repo, inputs, outs, status="open")
    assert operations(support)["AddCommunicationToCase"] == 1
    assert outs["caseStatus"] == "reopened"


def test_delete_resolves_and_deletes_nothing(support, repo):
    prov, _, outs = open_case(repo)
    prov.delete(outs["caseId"], outs)
    case = client().describe_cases(caseIdList=[outs["caseId"]], includeResolvedCases=True)["cases"][0]
    assert case["status"] == "resolved"
    assert operations(support)["ResolveCase"] == 1


def test_edit_of_a_sent_message_fails_check_with_its_number(support, repo):
    prov, inputs, _ = open_case(repo, communications=[{"communicationBody": "first"}])
    news = case_inputs(write_case(repo, "ec2", {**BASE, "communications": [{"communicationBody": "FIRST"}]}))
    failures = prov.check(inputs, news).failures
    assert [(f.property, f.reason) for f in failures] == [
        (
            "communications[0].communicationBody",
            "cases/ec2.yaml: message 1 of communications was already sent to AWS; its communicationBody "
            "cannot be edited (sent mail cannot be unsent)",
        )
    ]


def test_check_reports_schema_problems_on_the_property(support, repo):
    case = write_case(repo, "ec2", BASE)
    news = case_inputs(case)
    news["spec"] = {**news["spec"], "severityCode": "apocalyptic"}
    failures = provider().check({}, news).failures
    assert [f.property for f in failures] == ["severityCode"]
    assert failures[0].reason.startswith("cases/ec2.yaml: ")
    assert operations(support) == {}


def test_adopting_an_existing_case_sends_nothing(support, repo):
    existing = client().create_case(subject="Opened in the console", communicationBody="Opened by hand.")
    support.control.reset_calls()
    _, _, outs = open_case(repo, caseId=existing["caseId"], communications=[{"communicationBody": "x"}])
    calls = operations(support)
    assert calls["CreateCase"] == 0 and calls["AddCommunicationToCase"] == 0
    assert outs["caseId"] == existing["caseId"]
    assert outs["adopted"] is True
    assert len(outs["sent"]["messages"]) == 1
    assert outs["sentAt"] == ["before adoption"]


def test_adopting_an_unknown_case_fails_clearly(support, repo):
    with pytest.raises(SupportApiError, match="no AWS Support case with displayId 999 is visible"):
        open_case(repo, displayId="999")


def test_crash_after_create_case_never_opens_a_second_case(support, repo):
    support.control.set_faults(error_rate=1.0, operations=["AddCommunicationToCase"])
    with pytest.raises(SupportApiError, match="answer was lost"):
        open_case(repo, communications=[{"communicationBody": "follow-up"}])
    support.control.clear_faults()
    _, _, outs = open_case(repo, communications=[{"communicationBody": "follow-up"}])
    assert operations(support)["CreateCase"] == 1
    assert [body for _, body in bodies(outs["caseId"])] == [BASE["communicationBody"], "follow-up"]


def test_message_sent_by_an_interrupted_run_is_not_sent_again(support, repo):
    prov, inputs, outs = open_case(repo)
    # An earlier `up` sent the first of two new messages and died before the state was written.
    sent = with_trailer("two", message_reference("two", 1))
    client().add_communication_to_case(caseId=outs["caseId"], communicationBody=sent)
    comms = [{"communicationBody": "two"}, {"communicationBody": "three"}]
    _, _, outs = update(prov, repo, inputs, outs, communications=comms)
    assert [body for _, body in bodies(outs["caseId"])] == [BASE["communicationBody"], "two", "three"]


def test_throttling_is_retried(support, repo):
    support.control.set_faults(throttle_rate=0.3, operations=["CreateCase", "DescribeCases"])
    _, _, outs = open_case(repo, prov=SupportCaseProvider(ApiSettings(max_attempts=12, calls_per_second=0)))
    case = client().describe_cases(caseIdList=[outs["caseId"]])["cases"][0]
    assert outs["caseStatus"] == case["status"]
    creates = [c for c in support.control.calls() if c["operation"] == "CreateCase"]
    assert [c["outcome"] for c in creates].count("ok") == 1


def test_subscription_required_is_explained(support, repo):
    support.control.set_plan("111111111111", "basic")
    with pytest.raises(SupportApiError, match="Business, Enterprise On-Ramp or Enterprise support plan"):
        open_case(repo)


def test_credentials_never_reach_outputs_or_errors(support, repo):
    _, inputs, outs = open_case(repo)
    assert SECRET_KEY not in json.dumps([inputs, outs])
    support.control.set_plan("111111111111", "basic")
    with pytest.raises(SupportApiError) as error:
        open_case(repo, subject="second")
    assert SECRET_KEY not in str(error.value)


def test_case_creation_limit_is_explained(support, repo):
    support.control.set_case_limit("111111111111", 0)
    with pytest.raises(SupportApiError, match=r"CaseCreationLimitExceeded.*case creation limit"):
        open_case(repo)


def test_expired_attachment_set_is_uploaded_once_more(support, repo):
    prov, inputs, outs = open_case(repo)
    (repo / "cases" / "trace.txt").write_text("trace")
    executor = prov._executor({"source": "cases/ec2.yaml", "spec": {}})
    stale = client().add_attachments_to_set(attachments=[{"fileName": "trace.txt", "data": b"trace"}])
    executor._uploads[("trace.txt",)] = stale["attachmentSetId"]
    support.control.advance_clock(3601)
    support.control.reset_calls()
    news = checked(
        prov,
        inputs,
        case_inputs(
            write_case(
                repo,
                "ec2",
                {**BASE, "communications": [{"communicationBody": "trace", "attachments": ["trace.txt"]}]},
            )
        ),
    )
    record = CaseRecord.from_outputs(outs)
    executor.run(plan(record.sent, news["spec"], key=news["key"]), record)
    outcomes = [
        (c["operation"], c["outcome"]) for c in support.control.calls() if c["operation"] != "DescribeCases"
    ]
    assert outcomes == [
        ("AddCommunicationToCase", "AttachmentSetExpired"),
        ("AddAttachmentsToSet", "ok"),
        ("AddCommunicationToCase", "ok"),
    ]


# --- exactly once: lost answers, refresh between crash and retry, resolved by anyone -----------------


@pytest.mark.parametrize("mode", ["500", "drop"])
def test_create_whose_answer_was_lost_opens_one_case(support, repo, mode):
    support.control.set_faults(lost_answer_rate=1.0, lost_answer=mode, operations=["CreateCase"])
    _, _, outs = open_case(repo, communications=[{"communicationBody": "follow-up"}])
    creates = [c["outcome"] for c in support.control.calls() if c["operation"] == "CreateCase"]
    assert len(creates) == 1  # looked at AWS instead of sending it again
    assert [body for _, body in bodies(outs["caseId"])] == [BASE["communicationBody"], "follow-up"]


@pytest.mark.parametrize("mode", ["500", "drop"])
def test_message_whose_answer_was_lost_arrives_once(support, repo, mode):
    prov, inputs, outs = open_case(repo)
    support.control.set_faults(lost_answer_rate=1.0, lost_answer=mode, operations=["AddCommunicationToCase"])
    _, _, outs = update(prov, repo, inputs, outs, communications=[{"communicationBody": "only once"}])
    assert [body for _, body in bodies(outs["caseId"])] == [BASE["communicationBody"], "only once"]


def test_resolve_whose_answer_was_lost_is_not_sent_again(support, repo):
    prov, inputs, outs = open_case(repo)
    support.control.set_faults(lost_answer_rate=1.0, operations=["ResolveCase"])
    _, _, outs = update(prov, repo, inputs, outs, status="resolved")
    assert operations(support)["ResolveCase"] == 1
    assert outs["caseStatus"] == "resolved"


def test_refresh_between_crash_and_retry_does_not_send_twice(support, repo):
    prov, inputs, outs = open_case(repo)
    comms = [{"communicationBody": "two"}, {"communicationBody": "three"}]
    news = checked(prov, inputs, case_inputs(write_case(repo, "ec2", {**BASE, "communications": comms})))
    # A killed `up` sent "two" (as the plan words it) and died before the state was written ...
    first = plan(CaseRecord.from_outputs(outs).sent, news["spec"], key=news["key"])[0]
    client().add_communication_to_case(caseId=outs["caseId"], communicationBody=first.body)
    support.control.reply(outs["caseId"], "We are looking into it.")
    # ... then `pulumi refresh` ran, and then `pulumi up` again.
    outs = prov.read(outs["caseId"], outs).outs
    prov.update(outs["caseId"], outs, news)
    assert [body for _, body in bodies(outs["caseId"])] == [
        BASE["communicationBody"],
        "two",
        "We are looking into it.",
        "three",
    ]


def test_a_reopen_an_interrupted_run_undid_is_planned_again(support, repo):
    """Model finding F14: a killed update said a message to a resolved case (which reopened it) and
    resolved it again; the file then declares `status: open`. The message is not said twice, and the case
    is recorded as resolved, so the next plan reopens it."""
    prov, inputs, outs = open_case(repo, status="resolved")
    message = {"communicationBody": "Any update? We still see the failure."}
    news = checked(prov, inputs, case_inputs(write_case(repo, "ec2", {**BASE, "communications": [message]})))
    said = plan(CaseRecord.from_outputs(outs).sent, {**news["spec"], "status": "resolved"}, key=news["key"])
    client().add_communication_to_case(caseId=outs["caseId"], communicationBody=said[0].body)  # killed run
    client().resolve_case(caseId=outs["caseId"])  # ... and its resolve, then the kill
    support.control.reset_calls()
    outs = prov.update(outs["caseId"], outs, news).outs  # status: open now
    assert "AddCommunicationToCase" not in operations(support)
    assert outs["sent"]["status"] == "resolved"
    planned = plan(CaseRecord.from_outputs(outs).sent, news["spec"], key=news["key"])
    assert [action.op for action in planned] == ["send"]  # the reopen, shown by the next plan
    outs = prov.update(outs["caseId"], outs, news).outs
    case = client().describe_cases(caseIdList=[outs["caseId"]], includeResolvedCases=True)["cases"][0]
    assert case["status"] != "resolved" and operations(support)["AddCommunicationToCase"] == 1
    assert not prov.diff(outs["caseId"], outs, news).changes


def test_the_preview_shows_the_reopen_the_record_plans(support, repo, monkeypatch):
    """Model finding F16: after F14's record (resolved, while the stored inputs declare `status: open` and
    the message said), check planned from the stored inputs, found nothing to say and showed the last
    run's outbox (the message) while diff, up and `python -m provider plan` reopen. A new provider
    process plans the preview from the record in the state, as they do."""
    key = "proj/dev/ec2"
    prov = provider()
    inputs = checked(prov, {}, case_inputs(write_case(repo, "ec2", {**BASE, "status": "resolved"}), key))
    outs = prov.create(inputs).outs
    message = {"communicationBody": "Any update? We still see the failure."}
    case = write_case(repo, "ec2", {**BASE, "communications": [message]})
    news = checked(prov, inputs, case_inputs(case, key))
    said = plan(CaseRecord.from_outputs(outs).sent, {**news["spec"], "status": "resolved"}, key=key)
    client().add_communication_to_case(caseId=outs["caseId"], communicationBody=said[0].body)  # killed run
    client().resolve_case(caseId=outs["caseId"])
    outs = prov.update(outs["caseId"], outs, news).outs  # records: resolved
    urn = f"urn:pulumi:dev::proj::{SUPPORT_CASE_TYPE}::ec2"
    state = {
        "deployment": {
            "resources": [{"urn": urn, "type": SUPPORT_CASE_TYPE, "inputs": news, "outputs": outs}]
        }
    }
    monkeypatch.setattr(resource, "_STATE_VIEWS", {})  # the next run's provider process
    monkeypatch.setattr(resource, "export_state", lambda *_args, **_kwargs: state)
    support.control.reset_calls()
    shown = checked(provider(), news, case_inputs(case, key))["outbox"]
    [planned] = stack_plan([case], state, ApiSettings(), "proj/dev", repo)["cases"]
    assert [text(entry["communicationBody"]) for entry in shown] == [
        without_trailer(action["communicationBody"]) for action in planned["actions"]
    ]
    assert text(shown[0]["communicationBody"]).startswith("Reopening this case")
    assert operations(support) == {}  # the preview reads the state, never AWS


def killed_create(inputs, until: int, *, trailer: bool = True) -> str:
    """What a killed `up` said for a new case before it died: the first ``until`` planned actions."""
    case_id = ""
    for action in plan(None, inputs["spec"], key=inputs["key"] if trailer else None)[:until]:
        if action.op == "create":
            case_id = client().create_case(**action.create)["caseId"]
        elif action.op == "send":
            client().add_communication_to_case(caseId=case_id, communicationBody=action.body)
        elif action.op == "resolve":
            client().resolve_case(caseId=case_id)
    return case_id


def test_recover_records_a_case_a_killed_run_opened_and_resolved(support, repo):
    case = write_case(repo, "ec2", {**BASE, "status": "resolved"})
    inputs = checked(provider(), {}, case_inputs(case))
    case_id = killed_create(inputs, until=2)  # opened and resolved, and died before the state was written
    support.control.reset_calls()
    outs = provider().interrupted(inputs)  # recover, in a new provider process
    assert outs["caseId"] == case_id
    assert outs["caseStatus"] == "resolved"
    assert set(operations(support)) <= {"DescribeCases", "DescribeCommunications"}
    assert not provider().diff(case_id, outs, inputs).changes  # nothing more to say


def test_recover_records_the_messages_a_killed_create_sent(support, repo):
    comms = [{"communicationBody": "two"}, {"communicationBody": "three"}]
    inputs = checked(provider(), {}, case_inputs(write_case(repo, "ec2", {**BASE, "communications": comms})))
    case_id = killed_create(inputs, until=2)  # the case and "two", then the kill
    outs = provider().interrupted(inputs)
    assert outs["caseId"] == case_id
    assert [message["communicationBody"] for message in outs["sent"]["messages"]] == ["two"]
    # What recover stores as last applied is what was said: preview plans "three" alone, as plan and up.
    recorded = {**inputs, "spec": outs["spec"], "outbox": outs["outbox"]}
    outbox = provider().check(recorded, inputs).inputs["outbox"]
    assert [(entry["call"], text(entry["communicationBody"])) for entry in outbox] == [
        ("AddCommunicationToCase", "three")
    ]
    support.control.reset_calls()
    outs = provider().update(case_id, outs, inputs).outs  # the next `up`
    assert operations(support)["AddCommunicationToCase"] == 1
    assert [body for _, body in bodies(case_id)] == [BASE["communicationBody"], "two", "three"]


def test_trailer_off_recover_takes_the_killed_runs_case_and_messages_aws_redacted(support, repo):
    """Model findings F11 and F12: with the trailer off, a description or message AWS holds redacted
    stopped recover for good, or was recorded as unsent (and planned again)."""

    def off() -> SupportCaseProvider:
        return SupportCaseProvider(ApiSettings(max_attempts=3, calls_per_second=0, reference_trailer=False))

    card = "Please refund card 4242 4242 4242 4242, charged twice on 1 March."
    comms = [{"communicationBody": f"Again: {card}"}, {"communicationBody": "Any news?"}]
    spec = {**BASE, "communicationBody": card, "communications": comms}
    inputs = checked(off(), {}, case_inputs(write_case(repo, "billing", spec)))
    case_id = killed_create(inputs, until=2, trailer=False)
    assert "4242 4242 4242 4242" not in json.dumps(bodies(case_id))  # AWS holds both redacted
    outs = off().interrupted(inputs)
    assert outs["caseId"] == case_id
    assert [m["communicationBody"] for m in outs["sent"]["messages"]] == [comms[0]["communicationBody"]]


def test_recover_never_takes_an_earlier_life_of_the_file_for_the_killed_runs_case(support, repo):
    """Model finding F13: a restored file's create killed before its CreateCase; recover took the case
    the file's earlier life opened (resolved when the file was removed), though the run opened none."""
    case = write_case(repo, "ec2", BASE)
    earlier = killed_create(checked(provider(), {}, case_inputs(case)), until=1)
    client().resolve_case(caseId=earlier)  # the file removed: its case resolved
    support.control.age_case(earlier, 2 * 86400)  # two days ago
    restored = checked(provider(), {}, case_inputs(case))  # restored: this run is killed before CreateCase
    assert provider().interrupted(restored) is None
    assert set(operations(support)) - {"DescribeCases", "DescribeCommunications"} == {
        "CreateCase",
        "ResolveCase",
    }  # the earlier life's only


def test_recover_finds_nothing_where_a_killed_create_never_reached_aws(support, repo):
    inputs = checked(provider(), {}, case_inputs(write_case(repo, "ec2", BASE)))
    assert provider().interrupted(inputs) is None


def test_a_create_never_takes_a_resolved_case_over(support, repo):
    """A resolved case with this file's reference is an earlier life of the file (removed, then
    restored): the plan says CreateCase, and a new case is opened (model finding F8)."""
    case = write_case(repo, "ec2", {**BASE, "status": "resolved"})
    inputs = checked(provider(), {}, case_inputs(case))
    earlier = killed_create(inputs, until=2)
    outs = provider().create(inputs).outs
    assert outs["caseId"] != earlier
    assert operations(support)["CreateCase"] == 2


# --- AWS's quotas -------------------------------------------------------------------------------------


def test_calls_are_paced_under_the_per_second_quota(support, repo):
    support.control.set_quotas(calls_per_second=5.0, cases_per_hour=None)
    prov = SupportCaseProvider(ApiSettings(max_attempts=1))  # 5 calls per second, and no retries
    comms = [{"communicationBody": f"message {index}"} for index in range(8)]
    open_case(repo, prov=prov, communications=comms)
    outcomes = {c["outcome"] for c in support.control.calls()}
    assert outcomes == {"ok"}


def test_the_eleventh_case_of_the_hour_is_not_opened(support, repo):
    for index in range(10):
        client().create_case(subject=f"earlier {index}", communicationBody="opened in the console")
    support.control.reset_calls()
    with pytest.raises(SupportApiError, match=r"10 cases were created .* last hour .* run again after"):
        open_case(repo)
    assert operations(support)["CreateCase"] == 0


def test_two_files_with_the_same_text_are_two_cases_even_after_a_crash(support, repo):
    # A killed run opened the case of cases/two.yaml; the retry opens cases/one.yaml and finds two's.
    prov = provider()
    inputs = checked(prov, {}, case_inputs(write_case(repo, "two", BASE), "test/dev/two"))
    [create] = plan(None, inputs["spec"], key=inputs["key"])
    opened = client().create_case(**create.create)["caseId"]
    _, _, first = open_case(repo, "one", prov)
    second = prov.create(inputs).outs
    assert second["caseId"] == opened != first["caseId"]
    assert operations(support)["CreateCase"] == 2


def test_parallel_creates_share_the_hourly_quota_without_a_race(support, repo):
    support.control.set_quotas(calls_per_second=None, cases_per_hour=10)
    for index in range(8):
        client().create_case(subject=f"earlier {index}", communicationBody="opened in the console")
    prov = provider()
    inputs = [
        checked(prov, {}, case_inputs(write_case(repo, f"c{i}", {**BASE, "subject": f"c{i}"})))
        for i in range(4)
    ]

    def create(props: dict[str, Any]) -> str:
        try:
            return prov.create(props).outs["caseId"]
        except SupportApiError as error:
            return error.code

    with ThreadPoolExecutor(4) as pool:  # the engine calls the provider from 4 threads
        outcomes = list(pool.map(create, inputs))
    assert sorted(outcome.startswith("case-") for outcome in outcomes) == [False, False, True, True]
    assert outcomes.count("HourlyCaseQuota") == 2
    refused = [c for c in support.control.calls() if c["outcome"] == "CaseCreationLimitExceeded"]
    assert refused == []  # nothing reached AWS over its quota


def test_an_attachment_swapped_for_a_link_out_of_the_repository_is_not_uploaded(support, repo, tmp_path):
    (repo / "cases" / "trace.txt").write_text("trace")
    prov = provider()
    inputs = checked(prov, {}, case_inputs(write_case(repo, "ec2", {**BASE, "attachments": ["trace.txt"]})))
    secret = tmp_path / "secret.txt"
    secret.write_text("not for AWS")
    (repo / "cases" / "trace.txt").unlink()
    (repo / "cases" / "trace.txt").symlink_to(secret)  # after validation, before the upload
    with pytest.raises(SupportApiError, match=r"cases/ec2.yaml: .*trace\.txt"):
        prov.create(inputs)
    assert set(operations(support)) == {"DescribeCases"}  # looked for an earlier attempt; nothing sent


MONTH = 31 * 24 * 3600


def test_a_case_aws_no_longer_returns_is_reported_never_reopened_as_a_second_case(support, repo):
    prov, _, outs = open_case(repo)
    support.control.age_case(outs["caseId"], 25 * MONTH)  # past AWS's retention (24 months)
    outs = {**outs, "timeCreated": "2024-01-01T00:00:00.000Z"}  # as the record keeps it (aged with it)
    support.control.reset_calls()
    refreshed = prov.read(outs["caseId"], outs).outs  # refresh goes on, and says it
    assert refreshed["caseStatus"] == "unreachable"
    news = checked(
        prov,
        outs,
        case_inputs(write_case(repo, "ec2", {**BASE, "communications": [{"communicationBody": "Hi"}]})),
    )
    with pytest.raises(SupportApiError, match="AWS keeps cases for 12 to 24 months"):
        prov.update(outs["caseId"], refreshed, news)
    prov.delete(outs["caseId"], refreshed)  # the file removed: nothing to resolve, and no failure
    assert set(operations(support)) <= {"DescribeCases", "DescribeCommunications"}


def test_a_message_to_a_case_resolved_more_than_14_days_ago_fails_clearly_and_once(support, repo):
    prov, inputs, outs = open_case(repo)
    resolved = checked(prov, inputs, case_inputs(write_case(repo, "ec2", {**BASE, "status": "resolved"})))
    outs = prov.update(outs["caseId"], outs, resolved).outs
    support.control.age_case(outs["caseId"], 15 * 24 * 3600)
    reopened = {**BASE, "status": "open", "communications": [{"communicationBody": "It is back."}]}
    news = checked(prov, resolved, case_inputs(write_case(repo, "ec2", reopened)))
    support.control.reset_calls()
    with pytest.raises(SupportApiError, match="14 days"):
        prov.update(outs["caseId"], outs, news)
    assert operations(support)["AddCommunicationToCase"] == 1
    assert operations(support)["CreateCase"] == 0


def test_an_account_without_a_business_plan_is_named_in_the_error(tmp_path, repo, monkeypatch):
    from supportlocal.launcher import running_server

    with running_server(tmp_path / "basic", quotas=False, plans={"999999999999": "basic"}) as endpoint:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SUPPORT", endpoint.url)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIA999999999999")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        with pytest.raises(SupportApiError) as error:
            open_case(repo)
    message = str(error.value)
    assert "in account 'default'" in message and "SubscriptionRequiredException" in message
    assert "Business" in message and SECRET_KEY not in message


def test_trailer_off_a_text_aws_holds_redacted_from_before_the_run_is_refused_not_guessed(support, repo):
    prov = SupportCaseProvider(ApiSettings(max_attempts=3, calls_per_second=0, reference_trailer=False))
    prov, inputs, outs = open_case(repo, prov=prov)
    # An interrupted run's send, as AWS keeps it: the card number redacted (S4).
    support.control.reply(
        outs["caseId"],
        "Please refund card [REDACTED_BY_Amazon Web Services]-1111.",
        submitted_by="ops@example.com",
    )
    message = {"communicationBody": "Please refund card 4111 1111 1111 1111."}
    news = checked(prov, inputs, case_inputs(write_case(repo, "ec2", {**BASE, "communications": [message]})))
    support.control.reset_calls()
    with pytest.raises(SupportApiError, match="cannot tell whether it was sent"):
        prov.update(outs["caseId"], outs, news)
    assert operations(support)["AddCommunicationToCase"] == 0
