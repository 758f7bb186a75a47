"""The AWS-shaped error every layer raises; the protocol turns it into `__type`/`message`/status."""

from __future__ import annotations


class SupportError(Exception):
    """An error answered to the client as AWS does: an error code, a message and an HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def case_not_found(case_id: str | None) -> SupportError:
    """The error AWS gives for a case id the caller's account does not have."""
    return SupportError("CaseIdNotFound", f"Invalid case ID: {case_id}")


def validation_error(message: str) -> SupportError:
    """A request that the service model or the service's own rules reject."""
    return SupportError("ValidationException", message)


def invalid_parameter(message: str) -> SupportError:
    """``InvalidParameterValueException``: what AWS answers for a category code the service lacks (S13)."""
    return SupportError("InvalidParameterValueException", message)
