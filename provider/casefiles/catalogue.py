"""The repository's AWS Support catalogue (``catalogue/aws-support.json``) and the checks against it.

The snapshot holds what DescribeServices and DescribeSeverityLevels answer (S4: "Always use the
service codes and categories that the DescribeServices operation returns"), with provenance: each
service says in ``verified`` whether public material (or a refresh from a real account) confirmed its
code and its category list. Its shape is ``schemas/catalogue.schema.json``; readers ignore other keys.
A repository without one (a team's own, written by ``supportcases init``) is checked against the snapshot
this distribution ships; ``catalogue refresh`` writes the repository's own, which then wins.

Checks: a ``serviceCode`` the snapshot lacks, a ``categoryCode`` not among the service's categories and
a ``severityCode`` it does not offer are each an issue with the nearest real codes. A category list
marked not verified is checked all the same (supportlocal serves that list and refuses the rest); the
message says the list is assumed and how to pin the account's real one.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from provider.casefiles.schema import Issue, describe, join
from provider.casefiles.shipped import shipped
from provider.casefiles.suggest import closest, nearest_codes

CATALOGUE_FILE = "catalogue/aws-support.json"  # under the repository root
# A repository without a catalogue of its own is checked against the snapshot this release ships.
SHIPPED = shipped(CATALOGUE_FILE)
SHIPPED_SHOWN = "the catalogue shipped with support-cases-as-code"
SCHEMA_PATH = shipped("schemas/catalogue.schema.json")
REFRESH = "python -m provider catalogue refresh"


class CatalogueError(Exception):
    """The catalogue file cannot be used; ``line`` and ``col`` locate a JSON syntax error (0: unknown)."""

    def __init__(self, message: str, line: int = 0, col: int = 0) -> None:
        super().__init__(message)
        self.message, self.line, self.col = message, line, col


@dataclass(frozen=True)
class Service:
    """One DescribeServices entry: its categories, and whether that list is verified."""

    code: str
    name: str
    categories: tuple[str, ...]
    categories_verified: bool


@dataclass(frozen=True)
class Catalogue:
    """The services by code and the severity level codes, read from ``shown`` (the file as written)."""

    shown: str
    services: Mapping[str, Service]
    severities: tuple[str, ...]

    def issues(self, spec: Mapping[str, Any], skip: set[tuple[str | int, ...]]) -> list[Issue]:
        """The catalogue's objections to ``spec``, leaving alone the keys in ``skip`` (the schema's)."""
        written = {
            key: value
            for key in ("serviceCode", "categoryCode", "severityCode")
            if isinstance(value := spec.get(key), str) and (key,) not in skip
        }
        issues = []
        service = self.services.get(written.get("serviceCode", ""))
        if "serviceCode" in written and service is None:
            issues.append(Issue(("serviceCode",), self._unknown_service(written["serviceCode"])))
        category = written.get("categoryCode")
        if service and category is not None and category not in service.categories:
            issues.append(Issue(("categoryCode",), self._foreign_category(category, service)))
        severity = written.get("severityCode")
        if severity is not None and severity not in self.severities:
            # S4 (SeverityLevel): "The available values depend on the support plan for the account".
            offered = join(list(self.severities), "and")
            message = f"severityCode '{severity}' is not offered in {self.shown} (it offers {offered}"
            issues.append(Issue(("severityCode",), f"{message}; the levels depend on the support plan)"))
        return issues

    def _unknown_service(self, code: str) -> str:
        near = nearest_codes(code, {service.code: service.name for service in self.services.values()})
        hint = f"did you mean {join(near, 'or')}?" if near else f"if AWS added it since, run `{REFRESH}`"
        return f"serviceCode '{code}' is not a service code in {self.shown} ({hint})"

    def _foreign_category(self, code: str, service: Service) -> str:
        near = closest(code, service.categories, n=3)
        if near:
            hint = f"did you mean {join(near, 'or')}?"
        elif service.categories:
            hint = f"its categories: {join(list(service.categories), 'and')}"
        else:
            hint = "it lists no categories"
        message = f"categoryCode '{code}' is not a category of '{service.code}' in {self.shown} ({hint})"
        if not service.categories_verified:
            message += f"; that list is assumed, not verified: `{REFRESH}` pins your account's real one"
        return message


def find_catalogue(root: Path) -> Catalogue:
    """The catalogue of the repository at ``root``: its own ``catalogue/aws-support.json`` (which
    ``catalogue refresh`` writes), else the snapshot this distribution ships.

    Raises CatalogueError when the file exists but is not a catalogue.
    """
    path, shown = catalogue_file(root)
    try:
        stat = path.stat()
    except OSError as error:
        raise CatalogueError(f"cannot read the catalogue: {error.strerror}") from None
    return _read(path, shown, stat.st_mtime_ns, stat.st_size)


def catalogue_file(root: Path) -> tuple[Path, str]:
    """The catalogue file the case files of the repository at ``root`` are checked against, and how
    messages name it: the repository's own when it has one, else the shipped snapshot."""
    own = root / CATALOGUE_FILE
    return (own, CATALOGUE_FILE) if os.path.lexists(own) else (SHIPPED, SHIPPED_SHOWN)


@functools.lru_cache(maxsize=8)
def _read(path: Path, shown: str, _mtime: int, _size: int) -> Catalogue:
    """The catalogue in ``path``, named ``shown`` in messages; the modification time and size make a
    changed file be read again."""
    try:
        document = json.loads(path.read_bytes())
    except json.JSONDecodeError as error:
        raise CatalogueError(f"not valid JSON: {error.msg}", error.lineno, error.colno) from None
    except (OSError, UnicodeDecodeError) as error:
        raise CatalogueError(f"cannot read the catalogue: {error}") from None
    problem = best_match(_validator().iter_errors(document))
    if problem is not None:
        where = describe(tuple(problem.absolute_path))
        raise CatalogueError(f"not an AWS Support catalogue: {where}: {problem.message}")
    services = {
        entry["code"]: Service(
            code=entry["code"],
            name=entry["name"],
            categories=tuple(category["code"] for category in entry["categories"]),
            categories_verified=entry.get("verified", {}).get("categories", True),
        )
        for entry in document["services"]
    }
    severities = tuple(level["code"] for level in document["severityLevels"])
    return Catalogue(shown, services, severities)


@functools.cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
