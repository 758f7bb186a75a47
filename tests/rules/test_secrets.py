"""Secret scanning: every secret of the corpus is refused, in a body and in an attachment, at its
line:col and never shown; every look-alike passes (tests/rules/corpus.py)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from provider.casefiles.loader import load_cases
from provider.rules.check import rule_problems
from provider.rules.secrets import find_secrets
from tests.casefiles.repo import Repo
from tests.rules.corpus import LOOKALIKES, SECRETS, Sample

ROOT = Path(__file__).resolve().parents[2]
RULES = "secrets: {}\n"


def body_case(sample: Sample) -> str:
    """A case whose first follow-up message holds the sample; its text starts on line 6."""
    indented = "".join(f"      {line}\n" for line in sample.line.splitlines())
    return (
        "subject: A question about our deployment\n"
        "communicationBody: Please see the next message.\n"
        "communications:\n"
        "  - communicationBody: |\n"
        "      Here is what we see:\n"
        f"{indented}"
    )


def attachment_case(sample: Sample) -> str:
    return (
        f"subject: Logs for {sample.name}\n"
        "communicationBody: The log of the failing run is attached.\n"
        f"attachments: [evidence/{sample.name}.log]\n"
    )


def secret_position(sample: Sample, first_line: int, indent: int) -> tuple[int, int]:
    """The line and column of the sample's secret when its text starts at ``first_line``, indented."""
    before = sample.line[: sample.line.index(sample.secret)]
    line = first_line + before.count("\n")
    col = len(before) - (before.rfind("\n") + 1) + 1 + indent
    return line, col


def install(repo: Repo, samples: list[Sample]) -> None:
    repo.write("rules.yaml", RULES)
    for sample in samples:
        repo.write(f"cases/body/{sample.name}.yaml", body_case(sample))
        repo.write(f"cases/attached/{sample.name}.yaml", attachment_case(sample))
        repo.write(f"cases/attached/evidence/{sample.name}.log", f"run started\n{sample.line}\nrun ended\n")


def test_the_corpus_has_30_secrets_and_30_lookalikes_of_different_kinds() -> None:
    assert len({sample.name for sample in SECRETS}) == len(SECRETS) >= 30
    assert len({sample.name for sample in LOOKALIKES}) == len(LOOKALIKES) >= 30


def test_every_secret_is_refused_in_a_body_and_in_an_attachment_at_its_line_and_col(repo: Repo) -> None:
    install(repo, SECRETS)
    cases, loader_problems = load_cases(["cases"], root=repo.root)
    problems = loader_problems + rule_problems(cases, root=repo.root)
    by_file: dict[str, list[str]] = {}
    for problem in problems:
        by_file.setdefault(problem.file, []).append(str(problem))
    missed = []
    for sample in SECRETS:
        line, col = secret_position(sample, 6, 6)
        body = f"cases/body/{sample.name}.yaml"
        if not any(text.startswith(f"{body}:{line}:{col}: a secret in") for text in by_file.get(body, [])):
            missed.append((body, by_file.get(body)))
        log = f"cases/attached/evidence/{sample.name}.log"
        line, col = secret_position(sample, 2, 0)
        attached = f"cases/attached/{sample.name}.yaml"
        said = by_file.get(log, []) + by_file.get(attached, [])  # a private key file: the loader refuses it
        if not any(text.startswith((f"{log}:{line}:{col}: a secret in", f"{attached}:")) for text in said):
            missed.append((log, said))
    assert missed == []
    assert len(problems) >= 2 * len(SECRETS)


def test_no_refusal_shows_a_secret(repo: Repo) -> None:
    install(repo, SECRETS)
    result = subprocess.run(
        [sys.executable, "-m", "provider", "validate"],
        cwd=repo.root,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1, result.stderr
    output = result.stdout + result.stderr
    assert re.search(rf"^{2 * len(SECRETS)} problems in {2 * len(SECRETS)} of", output, re.M), output[-400:]
    shown = [sample.name for sample in SECRETS if sample.secret in output]
    assert shown == []
    assert "[aws access key: 20 characters hidden]" in output


def test_every_lookalike_passes_in_a_body_and_in_an_attachment(repo: Repo) -> None:
    install(repo, LOOKALIKES)
    cases, loader_problems = load_cases(["cases"], root=repo.root)
    assert loader_problems == []
    assert [str(problem) for problem in rule_problems(cases, root=repo.root)] == []
    assert len(cases) == 2 * len(LOOKALIKES)


def test_the_detector_alone_measures_no_false_negative_and_no_false_positive() -> None:
    """The figures docs/rules.md reports: detect-secrets on each line alone, as a body and as a log."""
    kinds = ("case.yaml", "run.log")
    negatives = [(s.name, kind) for s in SECRETS for kind in kinds if not find_secrets(s.line, kind)]
    positives = [(s.name, kind) for s in LOOKALIKES for kind in kinds if find_secrets(s.line, kind)]
    assert (negatives, positives) == ([], [])


def test_an_allowed_pattern_passes_and_the_rest_is_still_refused(repo: Repo) -> None:
    repo.write("rules.yaml", "secrets:\n  allow: ['AKIAIOSFODNN7EXAMPLE']\n")
    repo.write(
        "cases/docs.yaml", "subject: The docs' example key AKIAIOSFODNN7EXAMPLE\ncommunicationBody: hi\n"
    )
    repo.write("cases/real.yaml", "subject: Our key AKIAZ7VRSQ4XJ2LMPQ5T\ncommunicationBody: hi\n")
    cases, _ = load_cases(["cases"], root=repo.root)
    said = [str(problem) for problem in rule_problems(cases, root=repo.root)]
    assert [line.split(": a secret")[0] for line in said] == ["cases/real.yaml:1:18"]


def test_scan_false_turns_the_rule_off_and_no_rules_file_means_no_rules(repo: Repo) -> None:
    repo.write("cases/real.yaml", "subject: Our key AKIAZ7VRSQ4XJ2LMPQ5T\ncommunicationBody: hi\n")
    cases, _ = load_cases(["cases"], root=repo.root)
    assert rule_problems(cases, root=repo.root) == []
    repo.write("rules.yaml", "secrets: {scan: false}\n")
    assert rule_problems(cases, root=repo.root) == []
    repo.write("rules.yaml", "secrets: {scan: true}\n")
    assert len(rule_problems(cases, root=repo.root)) == 1


def test_a_large_attachment_is_scanned_once_and_its_secret_found_deep_inside(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    repo.write("rules.yaml", RULES)
    lines = [f"2026-11-24T03:12:{i % 60:02d}Z INFO request {i} served in 12 ms" for i in range(3000)]
    lines[2500] = "2026-11-24T03:13:00Z DEBUG aws_access_key_id = AKIAZ7VRSQ4XJ2LMPQ5T"
    repo.write("cases/evidence/big.log", "\n".join(lines) + "\n")
    repo.write(
        "cases/big.yaml", "subject: Slow\ncommunicationBody: See the log.\nattachments: [evidence/big.log]\n"
    )
    cases, _ = load_cases(["cases"], root=repo.root)
    first = [str(problem) for problem in rule_problems(cases, root=repo.root)]
    assert [line.split(": a secret")[0] for line in first] == ["cases/evidence/big.log:2501:48"]
    [entry] = (tmp_path / "cache" / "support-cases-as-code" / "secrets").iterdir()
    assert "AKIAZ7VRSQ4XJ2LMPQ5T" not in entry.read_text()
    started = time.perf_counter()
    assert [str(problem) for problem in rule_problems(cases, root=repo.root)] == first
    assert time.perf_counter() - started < 0.5  # from the cache: the scan itself takes over a second
