"""The AWS Support catalogue supportlocal serves, read from the repository's pinned snapshot.

``catalogue/aws-support.json`` (shape in its ``about``): services with their categories, severity
levels and languages, plus provenance that readers ignore. ``python -m supportlocal --catalogue PATH``
serves another snapshot, e.g. one refreshed from a real account.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provider.casefiles.shipped import shipped

# catalogue/aws-support.json in the repository, provider/data/ in the installed distribution.
DEFAULT_PATH = shipped("catalogue/aws-support.json")


@dataclass(frozen=True)
class Catalogue:
    """Services (in DescribeServices shape, keyed by code), severity levels and language codes."""

    services: dict[str, dict[str, Any]]
    severity_levels: tuple[dict[str, str], ...]
    languages: tuple[str, ...]

    def categories(self, service_code: str) -> tuple[str, ...]:
        """The category codes of a known service."""
        return tuple(category["code"] for category in self.services[service_code]["categories"])

    @property
    def severity_codes(self) -> frozenset[str]:
        """The severity level codes."""
        return frozenset(level["code"] for level in self.severity_levels)


def load(path: Path = DEFAULT_PATH) -> Catalogue:
    """Read a snapshot; ValueError naming the file when it is not one."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        services = {
            service["code"]: {
                "code": service["code"],
                "name": service["name"],
                "categories": [{"code": c["code"], "name": c["name"]} for c in service["categories"]],
            }
            for service in document["services"]
        }
        levels = tuple({"code": level["code"], "name": level["name"]} for level in document["severityLevels"])
        languages = tuple(str(code) for code in document["languages"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path}: not an AWS Support catalogue snapshot ({error!r})") from None
    return Catalogue(services=services, severity_levels=levels, languages=languages)
