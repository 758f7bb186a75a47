"""AddAttachmentsToSet, DescribeAttachment, and attachment sets used by cases and communications."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from botocore.exceptions import ClientError

MB = 1024 * 1024


def code_of(call, **params) -> str:
    with pytest.raises(ClientError) as failure:
        call(**params)
    return failure.value.response["Error"]["Code"]


def files(*names: str) -> list[dict]:
    return [{"fileName": name, "data": name.encode() + b"\x00\xff"} for name in names]


def test_a_set_expires_one_hour_after_creation(server, client):
    answer = client.add_attachments_to_set(attachments=files("a.log"))
    # S22 (AWS CLI example): expiryTime "2020-05-14T17:04:40.790+0000".
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", answer["expiryTime"])
    expiry = datetime.fromisoformat(answer["expiryTime"])
    now = datetime.fromisoformat(server.control.now())
    assert timedelta(minutes=59) < expiry - now <= timedelta(hours=1)
    assert answer["attachmentSetId"]


def test_attachments_reach_the_case_and_their_bytes_come_back(client, new_case):
    first = client.add_attachments_to_set(attachments=files("one.txt"))
    same = client.add_attachments_to_set(
        attachmentSetId=first["attachmentSetId"], attachments=files("two.bin")
    )
    assert same["attachmentSetId"] == first["attachmentSetId"]
    case_id = new_case(attachmentSetId=first["attachmentSetId"])
    [message] = client.describe_communications(caseId=case_id)["communications"]
    assert [a["fileName"] for a in message["attachmentSet"]] == ["one.txt", "two.bin"]
    # S4 (Communication): ``attachments`` lists every file; ``attachmentSet`` those of 5 MB or less.
    assert message["attachments"] == message["attachmentSet"]
    for attachment in message["attachmentSet"]:
        answer = client.describe_attachment(attachmentId=attachment["attachmentId"])["attachment"]
        assert answer == {
            "fileName": attachment["fileName"],
            "data": attachment["fileName"].encode() + b"\x00\xff",
        }
    later = client.add_attachments_to_set(attachments=files("three.png"))
    client.add_communication_to_case(
        caseId=case_id, communicationBody="more", attachmentSetId=later["attachmentSetId"]
    )
    newest = client.describe_communications(caseId=case_id)["communications"][0]
    assert [a["fileName"] for a in newest["attachmentSet"]] == ["three.png"]


# S4 (AttachmentSetSizeLimitExceeded): "A limit for the size of an attachment set has been exceeded. The
# limits are three attachments and 5 MB per attachment." (AttachmentLimitExceeded is about how many sets
# are created in a short time: test_quotas.py.)


def test_a_set_holds_at_most_three_attachments(client):
    full = client.add_attachments_to_set(attachments=files("1", "2", "3"))["attachmentSetId"]
    assert code_of(client.add_attachments_to_set, attachmentSetId=full, attachments=files("4")) == (
        "AttachmentSetSizeLimitExceeded"
    )
    assert (
        code_of(client.add_attachments_to_set, attachments=files("1", "2", "3", "4"))
        == "AttachmentSetSizeLimitExceeded"
    )


def test_an_attachment_is_at_most_five_megabytes(client):
    assert client.add_attachments_to_set(attachments=[{"fileName": "max", "data": b"x" * (5 * MB)}])
    too_big = [{"fileName": "big", "data": b"x" * (5 * MB + 1)}]
    assert code_of(client.add_attachments_to_set, attachments=too_big) == "AttachmentSetSizeLimitExceeded"


def test_an_expired_set_is_refused(server, client, new_case):
    set_id = client.add_attachments_to_set(attachments=files("late.txt"))["attachmentSetId"]
    case_id = new_case()
    server.control.advance_clock(3601)
    assert code_of(client.add_attachments_to_set, attachmentSetId=set_id, attachments=files("x")) == (
        "AttachmentSetExpired"
    )
    assert code_of(
        client.add_communication_to_case, caseId=case_id, communicationBody="b", attachmentSetId=set_id
    ) == ("AttachmentSetExpired")
    assert code_of(client.create_case, subject="s", communicationBody="b", attachmentSetId=set_id) == (
        "AttachmentSetExpired"
    )


def test_unknown_sets_and_attachments_are_not_found(support, client, new_case):
    case_id = new_case()
    unknown = "as-does-not-exist"
    assert code_of(client.add_attachments_to_set, attachmentSetId=unknown, attachments=files("x")) == (
        "AttachmentSetIdNotFound"
    )
    assert code_of(
        client.add_communication_to_case, caseId=case_id, communicationBody="b", attachmentSetId=unknown
    ) == ("AttachmentSetIdNotFound")
    assert code_of(client.create_case, subject="s", communicationBody="b", attachmentSetId=unknown) == (
        "AttachmentSetIdNotFound"
    )
    assert code_of(client.describe_attachment, attachmentId="attachment-nope") == "AttachmentIdNotFound"
    mine = client.add_attachments_to_set(attachments=files("private.txt"))["attachmentSetId"]
    stranger = support("555566667777")
    assert code_of(stranger.add_attachments_to_set, attachmentSetId=mine, attachments=files("x")) == (
        "AttachmentSetIdNotFound"
    )


def test_an_aws_reply_can_carry_attachments(server, client, new_case):
    case_id = new_case()
    server.control.advance_clock(1)
    server.control.reply(case_id, "See the attached report.", attachments=[("report.pdf", b"%PDF-1.7\x00")])
    reply = client.describe_communications(caseId=case_id)["communications"][0]
    [attachment] = reply["attachmentSet"]
    assert attachment["fileName"] == "report.pdf"
    assert client.describe_attachment(attachmentId=attachment["attachmentId"])["attachment"]["data"] == (
        b"%PDF-1.7\x00"
    )
