"""Generated case files for the performance benchmark: a fixed seed, real service and category pairs.

Every file is valid for ``python -m provider validate``: its service and category come from the
repository's catalogue snapshot (``catalogue/aws-support.json``), so supportlocal accepts it as AWS
would. The same ``seed`` and ``count`` always give the same files.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
CATALOGUE = REPO / "catalogue" / "aws-support.json"
SCHEMA_LINE = "# yaml-language-server: $schema=../../schemas/case.schema.json\n"
SEVERITIES = ("low", "low", "normal", "normal", "normal", "high", "urgent")
SYMPTOMS = (
    "requests time out after {n} seconds",
    "the error rate rose to {n} percent",
    "p99 latency went from {n} ms to {m} ms",
    "{n} instances failed their status checks",
    "the console shows a quota of {n} although {m} was approved",
    "we were charged {n} USD twice on the same invoice",
)
SINCE = ("since the deployment at {h}:{mm} UTC", "since yesterday {h}:{mm} UTC", "intermittently this week")
ASKS = (
    "Could you check what changed on your side?",
    "Please confirm whether this is a known issue.",
    "What do you recommend to avoid this?",
    "Could you raise the limit or explain the difference?",
)
FOLLOW_UPS = (
    "It happened again at {h}:{mm} UTC; request id req-{n}.",
    "Attaching the timings from the last hour: the worst was {m} ms.",
    "We rolled back the change; the problem persists.",
)


def service_pairs(catalogue: Path = CATALOGUE) -> list[tuple[str, str]]:
    """Every (serviceCode, categoryCode) pair of the catalogue snapshot, in its order."""
    services = json.loads(catalogue.read_text(encoding="utf-8"))["services"]
    return [(service["code"], category["code"]) for service in services for category in service["categories"]]


def case_documents(count: int, seed: int) -> list[dict[str, Any]]:
    """``count`` case documents (subject, description, service, category, severity, some cc's)."""
    rng = random.Random(seed)
    pairs = service_pairs()
    documents = []
    for n in range(count):
        service, category = rng.choice(pairs)
        numbers = {"n": rng.randint(2, 900), "m": rng.randint(900, 9000), "h": rng.randint(0, 23)}
        numbers["mm"] = f"{rng.randint(0, 59):02d}"
        symptom = rng.choice(SYMPTOMS).format(**numbers)
        body = (
            f"In account workload {n:05d}, {symptom} {rng.choice(SINCE).format(**numbers)}.\n"
            f"Service {service}, category {category}. {rng.choice(ASKS)}"
        )
        document: dict[str, Any] = {
            "subject": f"[{n:05d}] {symptom[:1].upper()}{symptom[1:]}",
            "communicationBody": body,
            "serviceCode": service,
            "categoryCode": category,
            "severityCode": rng.choice(SEVERITIES),
        }
        if rng.random() < 0.5:
            document["ccEmailAddresses"] = [f"team-{n % 37:02d}@example.com"]
        documents.append(document)
    return documents


def case_path(cases: Path, n: int) -> Path:
    """Where case ``n`` lives: 100 files per team folder, as a large repository groups them."""
    return cases / f"team-{n // 100:02d}" / f"case-{n:05d}.yaml"


def write_case(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SCHEMA_LINE + yaml.safe_dump(document, sort_keys=False, width=110), encoding="utf-8")


def write_cases(cases: Path, documents: list[dict[str, Any]]) -> list[Path]:
    """Write the documents under ``cases`` (see :func:`case_path`); returns the paths in order."""
    paths = [case_path(cases, n) for n in range(len(documents))]
    for path, document in zip(paths, documents, strict=True):
        write_case(path, document)
    return paths


def follow_up(n: int, seed: int) -> dict[str, Any]:
    """The follow-up message appended to case ``n`` (deterministic)."""
    rng = random.Random(seed * 1_000_003 + n)
    numbers = {"n": rng.randint(2, 900), "m": rng.randint(900, 9000), "h": rng.randint(0, 23)}
    numbers["mm"] = f"{rng.randint(0, 59):02d}"
    return {"communicationBody": rng.choice(FOLLOW_UPS).format(**numbers)}
