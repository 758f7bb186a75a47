"""The AWS JSON 1.1 protocol of AWS Support, driven by botocore's own ``support`` service model.

Requests: ``X-Amz-Target: AWSSupport_20130415.<Operation>`` names the operation; the JSON body is
checked with botocore's ``ParamValidator`` (required members, types) and then against the model's
min/max constraints that the client-side validator leaves to the service (string lengths, list
counts, integer ranges), and parsed with botocore's JSON parser (blobs arrive base64-encoded).
Responses: JSON with blobs base64-encoded; errors carry ``__type`` and ``message``.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import botocore.session
from botocore.model import OperationModel, Shape
from botocore.parsers import create_parser
from botocore.validate import ParamValidator

from supportlocal.errors import SupportError, validation_error

CONTENT_TYPE = "application/x-amz-json-1.1"
MODEL = botocore.session.get_session().get_service_model("support")
TARGET_PREFIX = MODEL.metadata["targetPrefix"] + "."

_VALIDATOR = ParamValidator()
_PARSER = create_parser("json")


def operation_name(target: str | None) -> str:
    """The operation an ``X-Amz-Target`` header names (the raw header when it names none)."""
    target = target or ""
    return target.removeprefix(TARGET_PREFIX) if target.startswith(TARGET_PREFIX) else target


def operation_model(name: str, implemented: frozenset[str]) -> OperationModel:
    """The model of an implemented operation, or UnknownOperationException."""
    if name not in implemented:
        known = name in MODEL.operation_names
        detail = "is not implemented by supportlocal" if known else "is not an AWS Support operation"
        raise SupportError("UnknownOperationException", f"Operation '{name}' {detail}.")
    return MODEL.operation_model(name)


def parse_request(operation: OperationModel, body: bytes) -> dict[str, Any]:
    """Validate a request body against the operation's input shape and return its parameters."""
    try:
        params = json.loads(body or b"{}")
    except ValueError:
        raise SupportError("SerializationException", "The request body is not valid JSON.") from None
    if not isinstance(params, dict):
        raise SupportError("SerializationException", "The request body must be a JSON object.")
    shape = operation.input_shape
    report = _VALIDATOR.validate(params, shape)
    if report.has_errors():
        raise validation_error(report.generate_report())
    problems: list[str] = []
    _check_constraints(params, shape, "", problems)
    if problems:
        count = len(problems)
        raise validation_error(
            f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(problems)
        )
    parsed = _PARSER.parse({"body": body or b"{}", "headers": {}, "status_code": 200}, shape)
    parsed.pop("ResponseMetadata", None)
    return parsed


def _check_constraints(value: Any, shape: Shape, path: str, problems: list[str]) -> None:
    """Collect the model's min/max violations in AWS's wording."""
    kind = shape.type_name
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if kind in ("string", "list"):
        measure, what = len(value), "length" if kind == "string" else "size"
    elif kind in ("integer", "long"):
        measure, what = value, "value"
    else:
        measure, what = None, ""
    if measure is not None:
        shown = value if kind != "list" else f"[{len(value)} items]"
        if low is not None and measure < low:
            problems.append(
                f"Value '{shown}' at '{path}' failed to satisfy constraint: "
                f"Member must have {what} greater than or equal to {low}"
            )
        if high is not None and measure > high:
            problems.append(
                f"Value '{shown}' at '{path}' failed to satisfy constraint: "
                f"Member must have {what} less than or equal to {high}"
            )
    if kind == "structure":
        for name, member in shape.members.items():
            if value.get(name) is not None:
                _check_constraints(value[name], member, f"{path}.{name}" if path else name, problems)
    elif kind == "list":
        for index, item in enumerate(value, start=1):
            _check_constraints(item, shape.member, f"{path}.{index}.member", problems)


def serialize_output(operation: OperationModel, result: dict[str, Any]) -> bytes:
    """An operation's result as the JSON body AWS sends (blobs base64-encoded, None left out)."""
    return json.dumps(_jsonable(result, operation.output_shape), ensure_ascii=False).encode()


def _jsonable(value: Any, shape: Shape) -> Any:
    kind = shape.type_name
    if kind == "structure":
        return {
            name: _jsonable(value[name], member)
            for name, member in shape.members.items()
            if value.get(name) is not None
        }
    if kind == "list":
        return [_jsonable(item, shape.member) for item in value]
    if kind == "blob":
        return base64.b64encode(value).decode()
    return value


def error_body(error: SupportError) -> bytes:
    """The JSON body of an AWS-shaped error."""
    return json.dumps({"__type": error.code, "message": error.message}).encode()
