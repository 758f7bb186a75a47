"""The multipart attachment upload of the pinned botocore model (S4): GetAttachmentUploadLinks,
CompleteAttachmentUpload, DescribeAttachmentUploadStatus, and the PUT of each part.

What S4 documents, and supportlocal does: files of 1 to 157,286,400 bytes (the model's FileSize
range); ``uploadId``, ``partSizeBytes``, ``totalParts``, at most 10 presigned URLs per call with
``nextIndex``, ``uploadRange`` half-open and at most 10 wide; each part PUT to its URL answers an
``ETag``; CompleteAttachmentUpload takes (partIndex, eTag) pairs, one call or several; after the last
part the service processes the file asynchronously (``attachment-not-ready``, then ``attachment-ready``);
a ready ``uploadId`` goes in CreateCase or AddCommunicationToCase ``uploadIds``; unknown ids answer
``UploadIdNotFound``.

What is not public, and supportlocal assumes: the part size (``PART_BYTES``, 5 MiB, S3's smallest
multipart part; AWS allows up to 100 MB); the processing time (``PROCESSING_SECONDS`` of service time,
so a client must poll as the model says); the errors for a wrong eTag, a missing part, a range out of
bounds or a not-yet-ready upload passed to a case (``ValidationException``); ``failed`` never happens.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

from supportlocal.errors import SupportError, validation_error
from supportlocal.service import ids
from supportlocal.service.context import Context, Params, Result
from supportlocal.service.links import LIFETIME
from supportlocal.state.clock import iso

PART_BYTES = 5 * 1024 * 1024
URLS_PER_CALL = 10
PROCESSING_SECONDS = 1.0
READY, NOT_READY = "attachment-ready", "attachment-not-ready"


def get_attachment_upload_links(context: Context, account: str, params: Params) -> Result:
    """GetAttachmentUploadLinks: start an upload (fileName + fileSizeBytes) or get more URLs (uploadId)."""
    now = context.clock.now()
    if params.get("uploadId"):
        upload = _upload(context, account, params["uploadId"])
        if upload["completed"] is not None:
            raise validation_error(f"Upload {upload['upload_id']} is already complete.")
    elif params.get("fileSizeBytes"):
        size = params["fileSizeBytes"]
        part_bytes = min(PART_BYTES, size)
        upload = {
            "upload_id": ids.upload_id(),
            "account_id": account,
            "file_name": params["fileName"],
            "size": size,
            "part_size": part_bytes,
            "total_parts": math.ceil(size / part_bytes),
            "created": now,
        }
        context.store.insert_upload(upload)
    else:
        raise validation_error("fileSizeBytes is required to start an upload (when uploadId isn't provided).")
    total = upload["total_parts"]
    wanted = params.get("uploadRange") or {"startIndex": 1}
    start = wanted["startIndex"]
    end = min(wanted.get("endIndex", start + URLS_PER_CALL), total + 1)
    if start > total or end <= start or end - start > URLS_PER_CALL:
        raise validation_error(
            f"uploadRange [{start}, {wanted.get('endIndex', '')}) must lie within parts 1 to {total} "
            f"and span at most {URLS_PER_CALL} parts."
        )
    expires = now + LIFETIME
    return {
        "uploadId": upload["upload_id"],
        "partSizeBytes": upload["part_size"],
        "totalParts": total,
        "nextIndex": end if end <= total else None,
        "uploadUrls": [
            {
                "url": context.links.sign(f"parts/{upload['upload_id']}/{index}", expires),
                "partIndex": index,
                "expiryDate": iso(expires),
            }
            for index in range(start, end)
        ],
    }


def put_part(context: Context, upload_id: str, part_index: int, data: bytes) -> str:
    """Store a part PUT to its presigned URL and return its ETag (S3's: the quoted MD5 of the bytes)."""
    upload = context.store.upload(upload_id)
    if upload is None or upload["completed"] is not None:
        raise validation_error(f"No upload in progress with id {upload_id}.")
    total, part_bytes = upload["total_parts"], upload["part_size"]
    if not 1 <= part_index <= total:
        raise validation_error(f"Part {part_index} is not a part of upload {upload_id} (1 to {total}).")
    expected = part_bytes if part_index < total else upload["size"] - part_bytes * (total - 1)
    if len(data) != expected:
        raise validation_error(f"Part {part_index} must have {expected} bytes, not {len(data)}.")
    etag = f'"{hashlib.md5(data, usedforsecurity=False).hexdigest()}"'
    context.store.put_part(upload_id, part_index, data, etag)
    return etag


def complete_attachment_upload(context: Context, account: str, params: Params) -> Result:
    """CompleteAttachmentUpload: record reported parts; after the last one the file is processed."""
    now = context.clock.now()
    upload = _upload(context, account, params["uploadId"])
    if upload["completed"] is None:
        for reported in params["completedUploads"]:
            part = upload["parts"].get(reported["partIndex"])
            if part is None or part["etag"].strip('"') != reported["eTag"].strip('"'):
                raise validation_error(
                    f"Part {reported['partIndex']} of upload {upload['upload_id']} was not uploaded with "
                    f"ETag {reported['eTag']}."
                )
        indexes = [reported["partIndex"] for reported in params["completedUploads"]]
        context.store.report_parts(upload["upload_id"], indexes)
        done = {index for index, part in upload["parts"].items() if part["reported"]} | set(indexes)
        if len(done) == upload["total_parts"]:
            data = context.store.assembled_upload(upload["upload_id"])
            attachment_id = ids.attachment_id()
            context.store.insert_attachment(attachment_id, None, account, upload["file_name"], data)
            context.store.finish_upload(upload["upload_id"], now, attachment_id)
        upload = _upload(context, account, params["uploadId"])
    return {"uploadStatus": _status(upload, now)}


def describe_attachment_upload_status(context: Context, account: str, params: Params) -> Result:
    """DescribeAttachmentUploadStatus: status, file name, parts reported out of the total."""
    upload = _upload(context, account, params["uploadId"])
    completed = upload["completed"] is not None
    reported = sum(part["reported"] for part in upload["parts"].values())
    return {
        "uploadStatus": _status(upload, context.clock.now()),
        "fileName": upload["file_name"],
        "uploadProgress": {
            "totalParts": upload["total_parts"],
            "completedPartsCount": upload["total_parts"] if completed else reported,
        },
    }


def ready_file(context: Context, account: str, upload_id: str, now: float) -> str:
    """The attachment id of an account's ready upload, for a case or communication's ``uploadIds``."""
    upload = _upload(context, account, upload_id)
    if _status(upload, now) != READY:
        raise validation_error(f"Upload {upload_id} is not in the attachment-ready state yet.")
    return str(upload["attachment_id"])


def _upload(context: Context, account: str, upload_id: str) -> dict[str, Any]:
    upload = context.store.upload(upload_id, account)
    if upload is None:
        raise SupportError("UploadIdNotFound", f"The specified uploadId couldn't be located: {upload_id}")
    return upload


def _status(upload: dict[str, Any], now: float) -> str:
    completed = upload["completed"]
    return READY if completed is not None and now >= completed + PROCESSING_SECONDS else NOT_READY


OPERATIONS = {
    "GetAttachmentUploadLinks": get_attachment_upload_links,
    "CompleteAttachmentUpload": complete_attachment_upload,
    "DescribeAttachmentUploadStatus": describe_attachment_upload_status,
}
