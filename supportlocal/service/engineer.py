"""The AWS side of a case, driven through the control API: the support engineer's replies and moves."""

from __future__ import annotations

from supportlocal.accounts import AWS_SUBMITTER
from supportlocal.service import attachments, ids, lifecycle, options
from supportlocal.service.context import Context


def reply(
    context: Context,
    case_id: str,
    body: str,
    submitted_by: str | None,
    files: list[tuple[str, bytes]],
    status: str | None,
) -> None:
    """A communication from AWS (``submittedBy`` "Amazon Web Services" unless given, S4 Communication doc).

    ``status`` moves the case in the same step (e.g. ``pending-customer-action`` when asking for
    information); without it the status stays.
    """
    now = context.clock.now()
    case = context.case(None, case_id)
    if status is not None:
        lifecycle.set_status(context.store, case, status, now)
    attachment_ids = []
    if files:
        set_id = ids.attachment_set_id()
        context.store.insert_attachment_set(set_id, case["account_id"], now, now + attachments.SET_LIFETIME)
        attachment_ids = [attachments.add_file(context, case["account_id"], set_id, n, d) for n, d in files]
    context.store.insert_communication(case_id, body, submitted_by or AWS_SUBMITTER, now, attachment_ids)


def set_status(context: Context, case_id: str, status: str) -> None:
    """Move a case to any status of the model (S4), e.g. ``work-in-progress`` when an engineer takes it."""
    lifecycle.set_status(context.store, context.case(None, case_id), status, context.clock.now())


def set_severity(context: Context, case_id: str, severity_code: str) -> None:
    """Set a case's severity code."""
    case = context.case(None, case_id)
    options.check_severity(context, severity_code)
    context.store.set_severity(case["case_id"], severity_code)
