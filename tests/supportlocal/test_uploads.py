"""The multipart attachment upload of the pinned botocore model (S4): GetAttachmentUploadLinks, the part
PUTs, CompleteAttachmentUpload, DescribeAttachmentUploadStatus, uploadIds on cases, Communication.attachments
and GetAttachmentDownloadLink."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

MB = 1024 * 1024
PART = 5 * MB  # supportlocal's part size (not public; an assumption)


def code_of(call, **params) -> str:
    with pytest.raises(ClientError) as failure:
        call(**params)
    return failure.value.response["Error"]["Code"]


def put(url: str, data: bytes) -> str:
    request = urllib.request.Request(url, data=data, method="PUT")
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers["ETag"]


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def upload(server, client, name: str, data: bytes) -> str:
    """Run the documented workflow to the end; returns the ready uploadId."""
    links = client.get_attachment_upload_links(fileName=name, fileSizeBytes=len(data))
    size = links["partSizeBytes"]
    done = [
        {"partIndex": u["partIndex"], "eTag": put(u["url"], data[(u["partIndex"] - 1) * size :][:size])}
        for u in links["uploadUrls"]
    ]
    client.complete_attachment_upload(uploadId=links["uploadId"], completedUploads=done)
    server.control.advance_clock(1)  # the asynchronous processing (S4) takes 1 s of service time here
    return links["uploadId"]


def test_a_file_larger_than_5_mb_reaches_a_case(server, client, new_case):
    data = bytes(range(256)) * (6 * MB // 256) + b"tail"
    links = client.get_attachment_upload_links(fileName="capture.pcap", fileSizeBytes=len(data))
    # S4: parts 1 to n-1 are partSizeBytes, the last may be smaller; one presigned URL per part.
    assert (links["partSizeBytes"], links["totalParts"]) == (PART, 2)
    assert [u["partIndex"] for u in links["uploadUrls"]] == [1, 2]
    assert "nextIndex" not in links
    upload_id = links["uploadId"]
    etags = [put(links["uploadUrls"][0]["url"], data[:PART]), put(links["uploadUrls"][1]["url"], data[PART:])]
    status = client.describe_attachment_upload_status(uploadId=upload_id)
    assert (status["uploadStatus"], status["fileName"], status["uploadProgress"]) == (
        "attachment-not-ready",
        "capture.pcap",
        {"totalParts": 2, "completedPartsCount": 0},
    )
    # S4: one part per call or several in one.
    first = client.complete_attachment_upload(
        uploadId=upload_id, completedUploads=[{"partIndex": 1, "eTag": etags[0]}]
    )
    assert first["uploadStatus"] == "attachment-not-ready"
    assert client.describe_attachment_upload_status(uploadId=upload_id)["uploadProgress"] == {
        "totalParts": 2,
        "completedPartsCount": 1,
    }
    last = client.complete_attachment_upload(
        uploadId=upload_id, completedUploads=[{"partIndex": 2, "eTag": etags[1]}]
    )
    # S4: "the service processes the upload asynchronously. The attachment-ready status might not be
    # reflected immediately": a case refuses the upload until it is ready.
    assert last["uploadStatus"] == "attachment-not-ready"
    assert code_of(client.create_case, subject="s", communicationBody="b", uploadIds=[upload_id]) == (
        "ValidationException"
    )
    server.control.advance_clock(1)
    assert client.describe_attachment_upload_status(uploadId=upload_id)["uploadStatus"] == "attachment-ready"

    small = client.add_attachments_to_set(attachments=[{"fileName": "notes.txt", "data": b"notes"}])
    case_id = new_case(uploadIds=[upload_id], attachmentSetId=small["attachmentSetId"])
    [message] = client.describe_communications(caseId=case_id)["communications"]
    # S4 (Communication): attachments lists every file, attachmentSet only those of 5 MB or less.
    assert [a["fileName"] for a in message["attachments"]] == ["notes.txt", "capture.pcap"]
    assert [a["fileName"] for a in message["attachmentSet"]] == ["notes.txt"]
    big_id = message["attachments"][1]["attachmentId"]
    # S4 (DescribeAttachment): larger than 5 MB answers InvalidParameterValueException.
    assert code_of(client.describe_attachment, attachmentId=big_id) == "InvalidParameterValueException"
    link = client.get_attachment_download_link(attachmentId=big_id)
    assert link["fileName"] == "capture.pcap"
    assert link["downloadUrl"]["expiryDate"] > server.control.now()
    assert get(link["downloadUrl"]["url"]) == data


def test_a_communication_can_carry_uploads(server, client, new_case):
    case_id = new_case()
    upload_id = upload(server, client, "trace.json", b'{"trace": 1}')
    client.add_communication_to_case(caseId=case_id, communicationBody="The trace.", uploadIds=[upload_id])
    newest = client.describe_communications(caseId=case_id)["communications"][0]
    [attachment] = newest["attachments"]
    assert newest["attachmentSet"] == [attachment]
    assert client.describe_attachment(attachmentId=attachment["attachmentId"])["attachment"] == {
        "fileName": "trace.json",
        "data": b'{"trace": 1}',
    }
    # S4 (GetAttachmentDownloadLink): "works for an attachment of any size, including attachments added
    # through AddAttachmentsToSet".
    url = client.get_attachment_download_link(attachmentId=attachment["attachmentId"])["downloadUrl"]["url"]
    assert get(url) == b'{"trace": 1}'


def test_upload_links_come_ten_at_a_time(client):
    links = client.get_attachment_upload_links(fileName="dump.bin", fileSizeBytes=60 * MB)
    # S4: "A maximum of 10 upload URLs are returned per call"; nextIndex is where the next batch starts.
    assert (links["totalParts"], len(links["uploadUrls"]), links["nextIndex"]) == (12, 10, 11)
    rest = client.get_attachment_upload_links(
        fileName="dump.bin", uploadId=links["uploadId"], uploadRange={"startIndex": links["nextIndex"]}
    )
    assert [u["partIndex"] for u in rest["uploadUrls"]] == [11, 12]
    assert "nextIndex" not in rest
    # S4: the range is half-open and "must not exceed 10".
    some = client.get_attachment_upload_links(
        fileName="dump.bin", uploadId=links["uploadId"], uploadRange={"startIndex": 3, "endIndex": 5}
    )
    assert ([u["partIndex"] for u in some["uploadUrls"]], some["nextIndex"]) == ([3, 4], 5)
    for bad in ({"startIndex": 1, "endIndex": 12}, {"startIndex": 13}):
        assert (
            code_of(
                client.get_attachment_upload_links,
                fileName="dump.bin",
                uploadId=links["uploadId"],
                uploadRange=bad,
            )
            == "ValidationException"
        )


def test_the_model_bounds_the_file_size(client):
    # S4: fileSizeBytes from 1 to 157,286,400 (about 150 MB).
    assert code_of(client.get_attachment_upload_links, fileName="x", fileSizeBytes=157286401) == (
        "ValidationException"
    )
    assert client.get_attachment_upload_links(fileName="x", fileSizeBytes=157286400)["totalParts"] == 30
    assert code_of(client.get_attachment_upload_links, fileName="x") == "ValidationException"


def test_unknown_and_foreign_uploads_are_not_found(server, support, client, new_case):
    mine = upload(server, client, "mine.txt", b"mine")
    stranger = support("666677778888")
    for call, params in [
        (stranger.describe_attachment_upload_status, {"uploadId": mine}),
        (stranger.complete_attachment_upload, {"uploadId": mine, "completedUploads": []}),
        (stranger.get_attachment_upload_links, {"fileName": "x", "uploadId": mine}),
        (client.describe_attachment_upload_status, {"uploadId": "upload-nope"}),
    ]:
        # S4: UploadIdNotFound, "The specified uploadId couldn't be located."
        assert code_of(call, **params) == "UploadIdNotFound"
    assert code_of(stranger.create_case, subject="s", communicationBody="b", uploadIds=[mine]) == (
        "UploadIdNotFound"
    )
    assert (
        code_of(client.get_attachment_download_link, attachmentId="attachment-nope") == "AttachmentIdNotFound"
    )


def test_a_wrong_etag_is_refused(client):
    links = client.get_attachment_upload_links(fileName="a.txt", fileSizeBytes=3)
    put(links["uploadUrls"][0]["url"], b"abc")
    assert (
        code_of(
            client.complete_attachment_upload,
            uploadId=links["uploadId"],
            completedUploads=[{"partIndex": 1, "eTag": '"0123"'}],
        )
        == "ValidationException"
    )


def test_presigned_urls_must_be_signed_and_fresh(server, client):
    links = client.get_attachment_upload_links(fileName="a.txt", fileSizeBytes=3)
    url = links["uploadUrls"][0]["url"]
    for bad in (url.replace("signature=", "signature=0"), url.split("?")[0]):
        with pytest.raises(urllib.error.HTTPError) as refused:
            put(bad, b"abc")
        assert refused.value.code == 403
    with pytest.raises(urllib.error.HTTPError) as wrong_size:
        put(url, b"abcd")
    assert wrong_size.value.code == 400
    server.control.advance_clock(3601)
    with pytest.raises(urllib.error.HTTPError) as expired:
        put(url, b"abc")
    assert expired.value.code == 403
