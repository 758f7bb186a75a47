"""The case JSON Schema: validation with jsonschema, and messages that name the key and the fix."""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from provider.casefiles.shipped import shipped
from provider.casefiles.shown import printable
from provider.casefiles.suggest import closest
from provider.casefiles.yamlmarks import Pointer

SCHEMA_PATH = shipped("schemas/case.schema.json")

# Keywords about the keys of a mapping: each error is its own problem. Every other keyword
# judges one value, and only the best error per value is reported.
_KEY_KEYWORDS = frozenset({"required", "additionalProperties", "not"})

_TYPE_NAMES = {"object": "a mapping", "array": "a list", "string": "a string", "boolean": "true or false"}


@dataclass(frozen=True)
class Issue:
    """One problem in a case document, before it is given a file position."""

    pointer: Pointer
    message: str
    at_key: bool = False  # point at the key itself rather than at its value


@functools.cache
def schema() -> dict[str, Any]:
    """The case schema as written in ``schemas/case.schema.json``."""
    with SCHEMA_PATH.open(encoding="utf-8") as file:
        return json.load(file)


@functools.cache
def _inlined() -> dict[str, Any]:
    """The schema with every local ``$ref`` replaced by its target (the referring keywords win on a clash,
    which the case schema keeps to annotations): validating it is the same and much faster."""
    return _inline(schema(), schema())


def _inline(node: Any, document: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_inline(item, document) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if ref is not None:
        target: Any = document
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        node = {**target, **{key: value for key, value in node.items() if key != "$ref"}}
    return {key: _inline(value, document) for key, value in node.items() if key != "$defs"}


@functools.cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(_inlined(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_issues(document: Any) -> list[Issue]:
    """Every schema violation in ``document``, one issue per mistake."""
    by_value: dict[Pointer, list[ValidationError]] = {}
    issues: list[Issue] = []
    for error in _validator().iter_errors(document):
        if error.validator in _KEY_KEYWORDS:
            issues.extend(_key_issues(error))
        else:
            by_value.setdefault(tuple(error.absolute_path), []).append(error)
    for errors in by_value.values():
        error = best_match(errors)
        issues.append(Issue(tuple(error.absolute_path), _value_message(error)))
    return list(dict.fromkeys(issues))  # jsonschema repeats a "required" error per missing key


def with_defaults(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of a valid ``document`` with the schema's ``default`` values filled in."""
    return _fill_defaults(_inlined(), document)


def _fill_defaults(node: dict[str, Any], value: Any) -> Any:
    if isinstance(value, dict) and "properties" in node:
        properties = node["properties"]
        filled = {key: _fill_defaults(properties[key], item) for key, item in value.items()}
        for key, sub in properties.items():
            if key not in filled and "default" in sub:
                filled[key] = copy.deepcopy(sub["default"])
        return filled
    if isinstance(value, list) and "items" in node:
        return [_fill_defaults(node["items"], item) for item in value]
    return value  # a string: the schema allows no other leaves


def describe(pointer: Pointer) -> str:
    """A readable name for a place in a case: ``communications[1].ccEmailAddresses[0]``."""
    text = ""
    for part in pointer:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "the top level"


def _key_issues(error: ValidationError) -> Iterator[Issue]:
    where = tuple(error.absolute_path)
    inside = f" in {describe(where)}" if where else ""
    allowed = list(error.schema.get("properties", {}))
    unknown = [key for key in error.instance if key not in allowed]
    if error.validator == "required":
        for missing in (key for key in error.validator_value if key not in error.instance):
            # a misspelt key is one mistake: its unknown-key issue already names the missing one
            if not any(closest(str(key), allowed) == [missing] for key in unknown):
                yield Issue((*where, missing), f"missing required key '{missing}'{inside}")
    elif error.validator == "additionalProperties":
        for key in unknown:
            close = closest(str(key), allowed)
            hint = f"did you mean '{close[0]}'?" if close else f"expected one of {join(allowed, 'or')}"
            yield Issue((*where, key), f"unknown key {_quote(key)}{inside} ({hint})", at_key=True)
    elif isinstance(error.instance, dict):  # "not": the schema's only one forbids two keys together
        keys = error.validator_value["required"]
        yield Issue((*where, keys[-1]), f"give only one of {join(keys, 'and')}, not both", at_key=True)


def _value_message(error: ValidationError) -> str:
    where = describe(tuple(error.absolute_path))
    value, limit, node = error.instance, error.validator_value, error.schema
    if "errorMessage" in node and error.validator == "pattern":
        return f"{where} {_quote(value)} {node['errorMessage']}"
    match error.validator:
        case "type":
            quotable = limit == "string" and value is not None and _is_scalar(value)
            hint = "; put it in quotes to keep it as text" if quotable else ""
            return f"{where} must be {_TYPE_NAMES.get(limit, limit)}, not {_kind(value)}{hint}"
        case "enum":
            close = closest(str(value), limit)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            return f"{where} {_quote(value)} is not one of {join(limit, 'or')}{hint}"
        case "minLength":
            return f"{where} must not be empty"
        case "maxLength":
            return f"{where} is {len(value):,} characters, {len(value) - limit:,} over the {limit:,} limit"
        case "uniqueItems":
            twice = next(item for index, item in enumerate(value) if item in value[:index])
            return f"{where} lists {_quote(twice)} twice"
        case "maxItems":
            return f"{where} has {len(value)} entries, {len(value) - limit} over the limit of {limit}"
        case "pattern" | "format" if node.get("format") == "email":
            return f"{where} {_quote(value)} is not a valid email address"
        case "pattern" if node.get("examples"):
            return f"{where} {_quote(value)} does not look like {_quote(node['examples'][0])}"
    return f"{where}: {error.message}"


def join(words: list[str], conjunction: str) -> str:
    """``'a', 'b' or 'c'``: quoted words joined for a message."""
    quoted = [f"'{word}'" for word in words]
    return ", ".join(quoted[:-1]) + f" {conjunction} {quoted[-1]}" if len(quoted) > 1 else quoted[0]


def _quote(value: Any) -> str:
    """A value for a one-line message: a string in quotes, line breaks and invisible characters escaped."""
    if isinstance(value, str):
        return f"'{printable(value)}'"
    return json.dumps(value, default=str)


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, dict | list | str)


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"a boolean ({json.dumps(value)})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return f"a {type(value).__name__} ({value})"
