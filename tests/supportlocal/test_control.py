"""The control API: faults, call log, case status and severity, clock, and its own errors."""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError

from supportlocal.client import ControlError


def error_of(call, **params) -> tuple[str, int]:
    with pytest.raises(ClientError) as failure:
        call(**params)
    return failure.value.response["Error"]["Code"], failure.value.response["ResponseMetadata"][
        "HTTPStatusCode"
    ]


def test_throttling_at_full_rate(faults, support):
    client = support(attempts=1)
    faults.control.set_faults(throttle_rate=1.0)
    assert error_of(client.describe_severity_levels) == ("ThrottlingException", 400)
    assert faults.control.calls()[-1]["outcome"] == "ThrottlingException"
    faults.control.clear_faults()
    assert client.describe_severity_levels()["severityLevels"]


def test_internal_errors_at_full_rate(faults, support):
    client = support(attempts=1)
    faults.control.set_faults(error_rate=1.0)
    assert error_of(client.describe_cases) == ("InternalServerError", 500)


def test_faults_can_target_operations(faults, support, new_case):
    client = support(attempts=1)
    faults.control.set_faults(throttle_rate=1.0, operations=["CreateCase"])
    assert error_of(client.create_case, subject="s", communicationBody="b") == ("ThrottlingException", 400)
    assert client.describe_cases()["cases"] == []


def test_a_partial_rate_fails_some_calls_only(faults, support):
    client = support(attempts=1)
    faults.control.set_faults(error_rate=0.5)
    outcomes = set()
    for _ in range(60):
        try:
            client.describe_severity_levels()
            outcomes.add("ok")
        except ClientError as error:
            outcomes.add(error.response["Error"]["Code"])
    assert outcomes == {"ok", "InternalServerError"}


def test_added_latency(faults, client):
    faults.control.set_faults(latency_ms=300)
    started = time.monotonic()
    client.describe_severity_levels()
    assert time.monotonic() - started >= 0.3


def test_boto3_retries_show_in_the_call_log(faults, support, account):
    faults.control.reset_calls()
    faults.control.set_faults(throttle_rate=1.0, operations=["DescribeServices"])
    with pytest.raises(ClientError):
        support(attempts=3).describe_services()
    calls = faults.control.calls()
    assert [(c["operation"], c["account"], c["outcome"]) for c in calls] == [
        ("DescribeServices", account, "ThrottlingException")
    ] * 3


def test_the_call_log(server, client, account, new_case):
    server.control.reset_calls()
    case_id = new_case()
    client.describe_communications(caseId=case_id)
    server.control.reply(case_id, "control calls are not Support API calls")
    with pytest.raises(ClientError):
        client.resolve_case(caseId="case-404")
    calls = server.control.calls()
    assert [set(call) for call in calls] == [{"operation", "account", "caseId", "time", "outcome"}] * 3
    assert [(c["operation"], c["account"], c["caseId"], c["outcome"]) for c in calls] == [
        ("CreateCase", account, case_id, "ok"),
        ("DescribeCommunications", account, case_id, "ok"),
        ("ResolveCase", account, "case-404", "CaseIdNotFound"),
    ]
    assert calls[0]["time"] <= calls[2]["time"]
    assert "local-secret-key" not in json.dumps(calls)
    server.control.reset_calls()
    assert server.control.calls() == []


def test_set_status_and_severity(server, client, new_case):
    case_id = new_case(severityCode="low")
    server.control.set_status(case_id, "pending-customer-action")
    server.control.set_severity(case_id, "critical")
    case = client.describe_cases(caseIdList=[case_id])["cases"][0]
    assert (case["status"], case["severityCode"]) == ("pending-customer-action", "critical")
    server.control.set_status(case_id, "resolved")
    assert client.describe_cases(caseIdList=[case_id])["cases"] == []


def test_the_clock_only_moves_forward(server):
    before = server.control.now()
    after = server.control.advance_clock(90)
    assert after > before
    with pytest.raises(ControlError) as refused:
        server.control.advance_clock(-1)
    assert refused.value.status == 400


@pytest.mark.parametrize(
    ("action", "status"),
    [
        (lambda c: c.set_status("case-404", "opened"), 404),
        (lambda c: c.set_severity("case-404", "low"), 404),
        (lambda c: c.reply("case-404", "hello"), 404),
        (lambda c: c.set_plan("123456789012", "gold"), 400),
        (lambda c: c.set_case_limit("123456789012", -1), 400),
        (lambda c: c.set_faults(throttle_rate=2.0), 400),
        (lambda c: c.set_faults(lost_answer_rate=0.5, lost_answer="timeout"), 400),
        (lambda c: c._request("POST", "no-such-action"), 404),
    ],
)
def test_control_errors(server, action, status):
    with pytest.raises(ControlError) as refused:
        action(server.control)
    assert refused.value.status == status


def test_an_unexpected_control_failure_is_answered_and_the_server_keeps_serving(server, new_case):
    case_id = new_case()
    with pytest.raises(ControlError) as failed:  # an attachment that is no object: AttributeError inside
        server.control._request("POST", "reply", {"caseId": case_id, "body": "b", "attachments": ["x"]})
    assert (failed.value.status, failed.value.code) == (500, "InternalServerError")
    assert server.control.now()


def test_bad_status_and_reply_values(server, new_case):
    case_id = new_case()
    for action in (
        lambda: server.control.set_status(case_id, "closed"),
        lambda: server.control.set_severity(case_id, "panic"),
        lambda: server.control.reply(case_id, "x" * 8001),
    ):
        with pytest.raises(ControlError) as refused:
            action()
        assert (refused.value.status, refused.value.code) == (400, "ValidationException")


def test_a_lost_answer_after_the_effect_is_an_http_500(faults, support, account):
    client = support(attempts=1)
    faults.control.reset_calls()
    faults.control.set_faults(lost_answer_rate=1.0, operations=["CreateCase"])
    assert error_of(client.create_case, subject="Lost", communicationBody="b") == ("InternalServerError", 500)
    faults.control.clear_faults()
    [case] = client.describe_cases()["cases"]
    assert case["subject"] == "Lost"  # the effect happened
    [create, _describe] = faults.control.calls()
    assert (create["operation"], create["caseId"], create["outcome"]) == (
        "CreateCase",
        case["caseId"],
        "lost-answer",
    )


def test_a_lost_answer_can_be_a_dropped_connection(faults, support, new_case):
    client = support(attempts=1)
    case_id = new_case(via=client)
    faults.control.reset_calls()
    faults.control.set_faults(lost_answer_rate=1.0, lost_answer="drop", operations=["AddCommunicationToCase"])
    with pytest.raises(ConnectionClosedError):
        client.add_communication_to_case(caseId=case_id, communicationBody="sent once")
    faults.control.clear_faults()
    bodies = [c["body"] for c in client.describe_communications(caseId=case_id)["communications"]]
    assert bodies[0] == "sent once"
    assert faults.control.calls()[0]["outcome"] == "lost-answer"


def test_a_blind_retry_after_a_lost_answer_repeats_the_effect(faults, support):
    faults.control.set_faults(lost_answer_rate=1.0, operations=["CreateCase"])
    with pytest.raises(ClientError):
        support(attempts=3).create_case(subject="Retried", communicationBody="b")
    faults.control.clear_faults()
    assert [c["subject"] for c in support().describe_cases()["cases"]] == ["Retried"] * 3


def test_lost_answers_leave_failed_calls_and_other_operations_alone(faults, support, new_case):
    client = support(attempts=1)
    faults.control.set_faults(lost_answer_rate=1.0, operations=["CreateCase"])
    assert client.describe_severity_levels()["severityLevels"]
    assert error_of(client.create_case, subject="s", communicationBody="b", severityCode="panic")[0] == (
        "ValidationException"
    )
    assert client.describe_cases(includeResolvedCases=True)["cases"] == []
