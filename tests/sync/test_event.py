"""AWS Support case events: the recorded EventBridge event of the AWS Support User Guide is read as
AWS documents it, anything else is refused with the reason, and a case is found in the stack holding it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provider.sync.event import EventError, case_update, read_event, stacks_holding

RECORDED = Path(__file__).parent / "events" / "support-case-update-aws-reply.json"


def test_the_recorded_event_of_an_aws_reply():
    event = read_event(str(RECORDED))
    assert (event.account, event.case_id, event.display_id) == (
        "111122223333",
        "case-111122223333-muen-2022-7118885805350839",
        "1234563851",
    )
    assert (event.name, event.origin, event.time) == ("AddCommunicationToCase", "AWS", "2022-02-21T15:51:31Z")
    assert event.describe() == "AddCommunicationToCase by AWS on case 1234563851 (account 111122223333)"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"source": "aws.ec2"},
            "not an AWS Support case event (source 'aws.ec2', detail-type 'Support Case Update'",
        ),
        ({"detail-type": "AWS API Call via CloudTrail"}, "not an AWS Support case event"),
        ({"detail": {"display-id": "1"}}, "the event's detail has no case-id"),
    ],
)
def test_other_documents_are_refused_with_the_reason(tmp_path: Path, change: dict, message: str):
    path = tmp_path / "event.json"
    path.write_text(json.dumps({**json.loads(RECORDED.read_text()), **change}))
    with pytest.raises(EventError, match="^" + str(path) + ": ") as raised:
        read_event(str(path))
    assert message in str(raised.value)


def test_a_file_that_is_no_json_is_named(tmp_path: Path):
    path = tmp_path / "event.json"
    path.write_text("{not json")
    with pytest.raises(EventError, match=f"cannot read the event {path}: "):
        read_event(str(path))


def test_the_stacks_holding_the_case():
    event = read_event(str(RECORDED))
    held = {"prod": ["case-1", event.case_id], "staging": ["case-2"], "audit": [event.case_id]}
    assert stacks_holding(event, held) == ["prod", "audit"]
    assert stacks_holding(event, {"staging": ["case-2"]}) == []


def test_a_case_id_alone_names_its_account():
    update = case_update("case-111122223333-muen-2022-7118885805350839")
    assert update.account == "111122223333"
    assert (
        update.describe()
        == "an update on case case-111122223333-muen-2022-7118885805350839 (account 111122223333)"
    )
    assert case_update("not-a-case").account == ""
