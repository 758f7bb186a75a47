"""A case's status: the model's statuses, the engineer's moves, AWS's auto-resolve, the 14-day reopen rule."""

from __future__ import annotations

import re

import botocore.session
import pytest
from botocore.exceptions import ClientError

from supportlocal.client import ControlError

DAY = 86400

# S4: CaseDetails.status in the pinned botocore model, "Valid values".
MODEL_STATUSES = [
    "all-open",
    "customer-action-completed",
    "opened",
    "pending-customer-action",
    "reopened",
    "resolved",
    "unassigned",
    "work-in-progress",
]


def status_of(client, case_id: str) -> str:
    return client.describe_cases(caseIdList=[case_id], includeResolvedCases=True)["cases"][0]["status"]


def test_the_model_documents_these_statuses():
    model = botocore.session.get_session().get_service_model("support")
    documentation = model.shape_for("CaseDetails").members["status"].documentation
    assert re.findall(r"<code>([a-z-]+)</code>", documentation) == MODEL_STATUSES


@pytest.mark.parametrize("status", MODEL_STATUSES)
def test_the_engineer_can_set_every_status_of_the_model(server, client, new_case, status):
    case_id = new_case()
    server.control.set_status(case_id, status)
    assert status_of(client, case_id) == status


def test_a_status_outside_the_model_is_refused(server, new_case):
    with pytest.raises(ControlError) as refused:
        server.control.set_status(new_case(), "closed")
    assert (refused.value.status, refused.value.code) == (400, "ValidationException")
    assert "customer-action-completed" in refused.value.message


def test_a_case_goes_through_the_engineers_moves(server, client, new_case):
    case_id = new_case()
    # S19: "A new case begins in the Unassigned state. When a support agent begins work on a case, the
    # status changes to Work in Progress. The support agent might respond to your case to ask for more
    # information (Pending Customer Action)".
    assert status_of(client, case_id) == "unassigned"
    server.control.set_status(case_id, "work-in-progress")
    assert status_of(client, case_id) == "work-in-progress"
    server.control.reply(case_id, "Could you send the request IDs?", status="pending-customer-action")
    assert status_of(client, case_id) == "pending-customer-action"
    newest = client.describe_communications(caseId=case_id)["communications"][0]
    assert (newest["body"], newest["submittedBy"]) == (
        "Could you send the request IDs?",
        "Amazon Web Services",
    )
    # Assumed from the status's name (public material does not describe the move): the customer's answer
    # completes the action asked for.
    client.add_communication_to_case(caseId=case_id, communicationBody="Request IDs: 1, 2, 3")
    assert status_of(client, case_id) == "customer-action-completed"
    server.control.reply(case_id, "Fixed on our side.", status="resolved")
    assert status_of(client, case_id) == "resolved"


def test_a_reply_without_a_status_leaves_it(server, client, new_case):
    case_id = new_case()
    server.control.set_status(case_id, "work-in-progress")
    server.control.reply(case_id, "Still looking.")
    assert status_of(client, case_id) == "work-in-progress"


def test_aws_resolves_a_case_left_waiting_on_the_customer(server, client, new_case):
    # S19: "If you don't respond to the case within a few days, AWS Support resolves the case
    # automatically." supportlocal's few days: 5 (an assumption), on the service clock.
    waiting, working = new_case(), new_case()
    server.control.reply(waiting, "Please send the logs.", status="pending-customer-action")
    server.control.set_status(working, "work-in-progress")
    server.control.advance_clock(5 * DAY - 60)
    assert status_of(client, waiting) == "pending-customer-action"
    server.control.advance_clock(120)
    assert status_of(client, waiting) == "resolved"
    assert status_of(client, working) == "work-in-progress"
    assert [c["caseId"] for c in client.describe_cases()["cases"]] == [working]


def test_an_answer_in_time_stops_the_auto_resolve(server, client, new_case):
    case_id = new_case()
    server.control.reply(case_id, "Please send the logs.", status="pending-customer-action")
    server.control.advance_clock(4 * DAY)
    client.add_communication_to_case(caseId=case_id, communicationBody="Here they are.")
    server.control.advance_clock(10 * DAY)
    assert status_of(client, case_id) == "customer-action-completed"


def test_a_case_resolved_within_14_days_reopens(server, client, new_case):
    case_id = new_case()
    client.resolve_case(caseId=case_id)
    server.control.advance_clock(14 * DAY - 60)
    client.add_communication_to_case(caseId=case_id, communicationBody="It is back.")
    # S19: "You can reopen your support case up to 14 days from when your issue was resolved".
    assert status_of(client, case_id) == "reopened"


def test_a_case_resolved_more_than_14_days_ago_cannot_be_reopened(server, client, new_case):
    case_id = new_case()
    client.resolve_case(caseId=case_id)
    server.control.advance_clock(10 * DAY)
    # Resolving again does not restart the 14 days.
    assert client.resolve_case(caseId=case_id)["initialCaseStatus"] == "resolved"
    server.control.advance_clock(4 * DAY + 60)
    # S19: "Support cases that have been in the resolved state for more than 14 days can't be reopened."
    # The error AWS answers is not public; supportlocal answers ValidationException.
    with pytest.raises(ClientError) as refused:
        client.add_communication_to_case(caseId=case_id, communicationBody="It is back.")
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "more than 14 days ago" in refused.value.response["Error"]["Message"]
    assert status_of(client, case_id) == "resolved"
    assert len(client.describe_communications(caseId=case_id)["communications"]) == 1


def test_the_14_days_of_an_auto_resolved_case_count_from_its_auto_resolution(server, client, new_case):
    case_id = new_case()
    server.control.reply(case_id, "Please send the logs.", status="pending-customer-action")
    server.control.advance_clock(5 * DAY + 13 * DAY)  # auto-resolved at day 5, 13 days ago
    client.add_communication_to_case(caseId=case_id, communicationBody="Sorry, here they are.")
    assert status_of(client, case_id) == "reopened"
