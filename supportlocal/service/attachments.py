"""AddAttachmentsToSet, DescribeAttachment, GetAttachmentDownloadLink, and the files a message carries.

S4 (the pinned botocore model) and S27 (user guide) document the rules:
- a set holds at most 3 attachments of at most 5 MB each; beyond either, ``AttachmentSetSizeLimitExceeded``
  ("A limit for the size of an attachment set has been exceeded. The limits are three attachments and
  5 MB per attachment.");
- ``AttachmentLimitExceeded`` means too many sets created in a short time, ``DescribeAttachmentLimitExceeded``
  too many DescribeAttachment calls (see ``quotas``);
- a set lives one hour (``AttachmentSetExpired`` afterwards, ``expiryTime`` in the answer);
- DescribeAttachment of a file over 5 MB answers ``InvalidParameterValueException`` (DescribeAttachment
  request doc); GetAttachmentDownloadLink serves files of any size;
- a communication lists all its files in ``attachments`` and only those of 5 MB or less in
  ``attachmentSet`` (Communication doc).
"""

from __future__ import annotations

from typing import Any

from supportlocal.errors import SupportError, invalid_parameter, validation_error
from supportlocal.service import ids, links, uploads
from supportlocal.service.context import Context, Params, Result
from supportlocal.state.clock import iso, iso_offset

SET_LIFETIME = 3600.0
MAX_ATTACHMENTS_PER_SET = 3
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
SIZE_LIMIT_MESSAGE = (
    "A limit for the size of an attachment set has been exceeded. "
    "The limits are three attachments and 5 MB per attachment."
)


def add_attachments_to_set(context: Context, account: str, params: Params) -> Result:
    """AddAttachmentsToSet: into the given live set, or a new one that lives one hour."""
    now = context.clock.now()
    set_id = params.get("attachmentSetId")
    if set_id:
        attachment_set = live_set(context, account, set_id, now)
        existing, expires = len(attachment_set["attachment_ids"]), attachment_set["expires"]
    else:
        context.quotas.check_attachment_set_creation(context.store, account, now)
        set_id, existing, expires = ids.attachment_set_id(), 0, now + SET_LIFETIME
        context.store.insert_attachment_set(set_id, account, now, expires)
    attachments = params["attachments"]
    if existing + len(attachments) > MAX_ATTACHMENTS_PER_SET:
        raise SupportError("AttachmentSetSizeLimitExceeded", SIZE_LIMIT_MESSAGE)
    for attachment in attachments:
        data = attachment.get("data", b"")
        if len(data) > MAX_ATTACHMENT_BYTES:
            raise SupportError("AttachmentSetSizeLimitExceeded", SIZE_LIMIT_MESSAGE)
        if not attachment.get("fileName"):
            raise validation_error("Every attachment needs a fileName.")
        add_file(context, account, set_id, attachment["fileName"], data)
    return {"attachmentSetId": set_id, "expiryTime": iso_offset(expires)}


def describe_attachment(context: Context, account: str, params: Params) -> Result:
    """DescribeAttachment: a file of 5 MB or less, with its bytes (within the quota, see ``quotas``)."""
    context.quotas.admit_describe_attachment(account, context.clock.now())
    attachment = _attachment(context, account, params["attachmentId"])
    if len(attachment["data"]) > MAX_ATTACHMENT_BYTES:
        raise invalid_parameter(
            f"Attachment {params['attachmentId']} is larger than 5 MB; use GetAttachmentDownloadLink."
        )
    return {"attachment": {"fileName": attachment["file_name"], "data": attachment["data"]}}


def get_attachment_download_link(context: Context, account: str, params: Params) -> Result:
    """GetAttachmentDownloadLink: a presigned URL to the file, whatever its size."""
    attachment = _attachment(context, account, params["attachmentId"])
    expires = context.clock.now() + links.LIFETIME
    return {
        "fileName": attachment["file_name"],
        "downloadUrl": {
            "url": context.links.sign(f"files/{params['attachmentId']}", expires),
            "expiryDate": iso(expires),
        },
    }


def download(context: Context, attachment_id: str) -> tuple[str, bytes] | None:
    """The file name and bytes behind a download link, or None."""
    attachment = context.store.attachment_by_id(attachment_id)
    return (attachment["file_name"], attachment["data"]) if attachment else None


def files_for_message(
    context: Context, account: str, set_id: str | None, upload_ids: list[str], now: float
) -> list[str]:
    """The attachment ids a CreateCase or AddCommunicationToCase carries: its set's, then its uploads'."""
    found = live_set(context, account, set_id, now)["attachment_ids"] if set_id else []
    return found + [uploads.ready_file(context, account, upload_id, now) for upload_id in upload_ids]


def live_set(context: Context, account: str, set_id: str, now: float) -> dict[str, Any]:
    """An account's attachment set that has not expired."""
    attachment_set = context.store.attachment_set(set_id, account)
    if attachment_set is None:
        raise SupportError("AttachmentSetIdNotFound", f"Invalid attachment set ID: {set_id}")
    if attachment_set["expires"] <= now:
        raise SupportError("AttachmentSetExpired", f"The attachment set {set_id} has expired.")
    return attachment_set


def add_file(context: Context, account: str, set_id: str, file_name: str, data: bytes) -> str:
    """Store a file in a set and return its attachment id."""
    attachment_id = ids.attachment_id()
    context.store.insert_attachment(attachment_id, set_id, account, file_name, data)
    return attachment_id


def communication(row: dict[str, Any]) -> Result:
    """A stored communication in the Communication shape."""
    details = [{"attachmentId": a["attachment_id"], "fileName": a["file_name"]} for a in row["attachments"]]
    small = [d for d, a in zip(details, row["attachments"], strict=True) if a["size"] <= MAX_ATTACHMENT_BYTES]
    return {
        "caseId": row["case_id"],
        "body": row["body"],
        "submittedBy": row["submitted_by"],
        "timeCreated": iso(row["created"]),
        "attachments": details,
        "attachmentSet": small,
    }


def _attachment(context: Context, account: str, attachment_id: str) -> dict[str, Any]:
    attachment = context.store.attachment(attachment_id, account)
    if attachment is None:
        raise SupportError("AttachmentIdNotFound", f"Invalid attachment ID: {attachment_id}")
    return attachment


OPERATIONS = {
    "AddAttachmentsToSet": add_attachments_to_set,
    "DescribeAttachment": describe_attachment,
    "GetAttachmentDownloadLink": get_attachment_download_link,
}
