"""Crash harness: does every declared case and message reach AWS exactly once, whatever happens?

Usage: .venv/bin/python -m bench.crash_harness [--trials 20] [--seed 1] [--mode kill|faults|all]
                                               [--timeout 1800] [--keep DIR]

It drives the real ``pulumi`` CLI against one supportlocal (quotas off), each trial on a fresh copy of
the project with its own stack and its own supportlocal account, seeded and bounded in time.

- ``kill`` trials write case files (new cases, follow-up messages, ``status: resolved``), run
  ``pulumi up`` and SIGKILL its whole process tree just after a randomly chosen Support API call
  (sometimes a little later): during creates in even trials, in odd ones during an update that
  appends messages and resolves a case. Then they recover as docs/guarantees.md says
  (``python -m provider recover``, with ``--refresh`` in half of the trials) and run ``pulumi up``
  to completion.
- ``faults`` trials run the same two steps with supportlocal answering badly, in turn: the answer
  lost after the effect (``lost-answer``), ThrottlingException (``throttle``), HTTP 500 before the
  effect (``error-500``). ``pulumi up`` is run again after each failure, as a pipeline would retry.
  A lost answer is an HTTP 500 in even trials, a dropped connection in odd ones.

Then it reads what AWS holds (DescribeCases, DescribeCommunications; the call log for the kill
point): each declared case must exist exactly once with its declared status, and each declared
message must have arrived exactly once (bodies compared with whitespace normalised and the
``[ref ...]`` trailer line removed). It prints one line per trial and a table per mode, and exits 1
when anything was duplicated, lost, doubled or failed, 2 when the time ran out first.
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import boto3
import yaml

from supportlocal.launcher import Endpoint, running_server
from tests.helpers.process_tree import kill_tree
from tests.helpers.pulumi_cli import PulumiCommandError, PulumiProject
from tests.helpers.staged_project import staged_project

#: The Support API calls that change something at AWS (and page a person).
MUTATIONS = ("AddAttachmentsToSet", "CreateCase", "AddCommunicationToCase", "ResolveCase")
#: The fault modes and the supportlocal fault plan of each (``ControlClient.set_faults`` arguments).
FAULTS: dict[str, dict[str, Any]] = {
    "lost-answer": {"lost_answer_rate": 0.3, "operations": list(MUTATIONS)},
    "throttle": {"throttle_rate": 0.3},
    "error-500": {"error_rate": 0.2},
}
MODES = {"kill": ("kill",), "faults": tuple(FAULTS), "all": ("kill", *FAULTS)}
UP_ATTEMPTS = 8  # `pulumi up` runs per step in the fault modes before giving up
POLL_SECONDS = 0.01
SCHEMA_LINE = "# yaml-language-server: $schema=../schemas/case.schema.json\n"
REF_TRAILER = re.compile(r"\[ref [^\]\s]+\]\s*\Z")
AWS_SENDER = "Amazon Web Services"


def normalise(body: str) -> str:
    """A message body as compared: without its ``[ref ...]`` trailer line, whitespace collapsed."""
    return " ".join(REF_TRAILER.sub("", body.rstrip()).split())


@dataclass
class DeclaredCase:
    """One case file of a trial: what AWS must end up holding for it."""

    number: int
    subject: str
    description: str
    messages: list[str] = field(default_factory=list)
    resolved: bool = False

    @property
    def name(self) -> str:
        return f"c{self.number}"

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "subject": self.subject,
            "serviceCode": "amazon-elastic-compute-cloud-linux",
            "categoryCode": "instance-issue",
            "severityCode": "low",
            "communicationBody": self.description,
        }
        if self.messages:
            doc["communications"] = [{"communicationBody": body} for body in self.messages]
        if self.resolved:
            doc["status"] = "resolved"
        return doc

    def planned(self, before: DeclaredCase | None) -> list[str]:
        """The mutating calls ``up`` makes to go from ``before`` (None: a new file) to this."""
        calls = ["CreateCase"] if before is None else []
        calls += ["AddCommunicationToCase"] * (len(self.messages) - (len(before.messages) if before else 0))
        if self.resolved and not (before and before.resolved):
            calls.append("ResolveCase")
        return calls


@dataclass
class Tally:
    """Findings of one trial (or their sum over a mode)."""

    trials: int = 0
    killed: int = 0
    duplicate_cases: int = 0
    lost_cases: int = 0
    lost_messages: int = 0
    doubled_messages: int = 0
    extra_messages: int = 0
    wrong_status: int = 0
    failed: int = 0

    def add(self, other: Tally) -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))

    def bad(self) -> int:
        """How many things went wrong."""
        return sum(getattr(self, item.name) for item in fields(self) if item.name not in ("trials", "killed"))


@dataclass
class Report:
    """Per mode tallies, every finding in words, and whether the time ran out."""

    tallies: dict[str, Tally]
    findings: list[str] = field(default_factory=list)
    incomplete: bool = False

    def exit_code(self) -> int:
        if any(tally.bad() for tally in self.tallies.values()):
            return 1
        return 2 if self.incomplete else 0

    def table(self) -> str:
        """The tallies as a Markdown table, one row per mode."""
        names = [item.name for item in fields(Tally)]
        lines = ["| mode | " + " | ".join(name.replace("_", " ") for name in names) + " |"]
        lines.append("| --- |" + " ---: |" * len(names))
        for mode, tally in self.tallies.items():
            lines.append(f"| {mode} | " + " | ".join(str(getattr(tally, name)) for name in names) + " |")
        return "\n".join(lines)


class Deadline:
    """The harness's time budget."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()


class OutOfTime(Exception):
    """The time budget ran out during a trial."""


@dataclass
class Trial:
    """One trial: a fresh project, stack and supportlocal account, and what was declared."""

    mode: str
    index: int
    rng: random.Random
    project: PulumiProject
    endpoint: Endpoint
    access_key: str
    deadline: Deadline
    cases: list[DeclaredCase] = field(default_factory=list)
    tally: Tally = field(default_factory=lambda: Tally(trials=1))
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.mode} {self.index}"

    def new_case(self, number: int) -> DeclaredCase:
        tag = f"{self.mode} trial {self.index} case {number}"
        return DeclaredCase(
            number=number,
            subject=f"Status checks failing ({tag})",
            description=f"The instance of {tag} fails its system status check.\n"
            "It recovers on its own after 5 to 10 minutes.\n",
            messages=[self.message(number, m) for m in range(self.rng.randint(0, 2))],
        )

    def message(self, number: int, position: int) -> str:
        return (
            f"Follow-up {position + 1} on case {number} of {self.mode} trial {self.index}:\n"
            f"it happened again at 0{position % 10}:15 UTC.\n"
        )

    def write(self) -> None:
        folder = self.project.workdir / "cases"
        for case in self.cases:
            text = SCHEMA_LINE + yaml.safe_dump(case.document(), sort_keys=False, allow_unicode=True)
            (folder / f"{case.name}.yaml").write_text(text, encoding="utf-8")

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``pulumi ARGS`` within the time left."""
        self.project.timeout = self.time_left()
        try:
            return self.project.run(*args)
        except subprocess.TimeoutExpired:
            raise OutOfTime(f"`pulumi {' '.join(args)}` was still running when the time ran out") from None

    def time_left(self) -> float:
        left = self.deadline.left()
        if left <= 0:
            raise OutOfTime("the time ran out")
        return left


def new_cases(trial: Trial) -> list[DeclaredCase]:
    """Three new case files: at least one with follow-up messages, one open, one ``status: resolved``."""
    cases = [trial.new_case(number) for number in range(3)]
    if not any(case.messages for case in cases):
        cases[0].messages.append(trial.message(0, 0))
    resolved, _stays_open, other = trial.rng.sample(cases, 3)
    resolved.resolved = True
    other.resolved = trial.rng.random() < 0.3
    return cases


def edited_cases(trial: Trial, before: list[DeclaredCase]) -> list[DeclaredCase]:
    """The same files with messages appended to open cases (at least one), sometimes one resolved."""
    after = [replace(case, messages=list(case.messages)) for case in before]
    open_cases = [case for case in after if not case.resolved]
    appended = 0
    for case in open_cases:
        for _ in range(trial.rng.randint(0, 2)):
            case.messages.append(trial.message(case.number, len(case.messages)))
            appended += 1
    if not appended:
        target = trial.rng.choice(open_cases)
        target.messages.append(trial.message(target.number, len(target.messages)))
    if trial.rng.random() < 0.5:
        trial.rng.choice(open_cases).resolved = True
    return after


def planned_calls(after: list[DeclaredCase], before: list[DeclaredCase] | None) -> list[tuple[str, int]]:
    """Each mutating call ``up`` will make, as (operation, its n-th occurrence in the run)."""
    previous = {case.name: case for case in before or []}
    seen: Counter[str] = Counter()
    planned = []
    for case in after:
        for operation in case.planned(previous.get(case.name)):
            seen[operation] += 1
            planned.append((operation, seen[operation]))
    return planned


def up_killed_after(trial: Trial, point: tuple[str, int], delay: float) -> bool:
    """Run ``pulumi up``, SIGKILL its whole process tree ``delay`` s after the ``point``-th call
    (operation, occurrence) reached supportlocal; True when the kill landed before ``up`` ended."""
    trial.endpoint.control.reset_calls()
    operation, occurrence = point
    log = trial.project.workdir.parent / f"up-killed-{trial.index}.log"
    process = trial.project.start("up", "--yes", "--skip-preview", log=log)
    try:
        while process.poll() is None:
            if trial.deadline.left() <= 0:
                raise OutOfTime("the killed `pulumi up` had not reached its kill point when the time ran out")
            done = [call for call in trial.endpoint.control.calls() if call["operation"] == operation]
            if len(done) >= occurrence:
                time.sleep(delay)
                break
            time.sleep(POLL_SECONDS)
    finally:
        if process.poll() is None:
            kill_tree(process.pid)
        process.wait()
    return process.returncode < 0


def recover(trial: Trial, refresh: bool) -> None:
    """The documented recovery: ``python -m provider recover [--refresh]`` in the project directory."""
    command = [sys.executable, "-m", "provider", "recover", "--stack", trial.project.stack]
    done = subprocess.run(
        [*command, *(["--refresh"] if refresh else [])],
        cwd=trial.project.workdir,
        env=trial.project.env,
        capture_output=True,
        text=True,
        timeout=trial.time_left(),
        check=False,
    )
    if done.returncode != 0:
        raise PulumiCommandError(command, done)


def kill_trial(trial: Trial) -> None:
    """Kill ``up`` during creates (even trials) or during an update (odd ones), recover, ``up`` again."""
    creating = trial.index % 2 == 0
    refresh = trial.index % 4 in (1, 2)
    before = None
    cases = new_cases(trial)
    if not creating:
        trial.cases = cases
        trial.write()
        trial.run("up", "--yes", "--skip-preview")
        before, cases = cases, edited_cases(trial, cases)
    trial.cases = cases
    trial.write()
    point = trial.rng.choice(planned_calls(cases, before))
    delay = trial.rng.choice([0.0, 0.0, round(trial.rng.uniform(0.0, 0.5), 2)])
    landed = up_killed_after(trial, point, delay)
    trial.tally.killed += landed
    step = "creates" if creating else "update"
    trial.notes.append(
        f"{step}, killed after {point[0]} #{point[1]} +{delay:.2f}s"
        f"{'' if landed else ' (up had ended)'}, recover{' --refresh' if refresh else ''}"
    )
    recover(trial, refresh)
    trial.run("up", "--yes", "--skip-preview")


def up_until_done(trial: Trial) -> int:
    """``pulumi up`` again after each failure, as a retrying pipeline; returns the runs it took."""
    for attempt in range(1, UP_ATTEMPTS + 1):
        try:
            trial.run("up", "--yes", "--skip-preview")
            return attempt
        except PulumiCommandError as error:
            last = error
    raise RuntimeError(f"`pulumi up` still failed after {UP_ATTEMPTS} runs: {tail(last)}")


def fault_trial(trial: Trial) -> None:
    """Open the cases, then append and resolve, with supportlocal's faults on; ``up`` until done."""
    faults = dict(FAULTS[trial.mode])
    if trial.mode == "lost-answer":  # HTTP 500 after the effect, or the connection dropped
        faults["lost_answer"] = ("500", "drop")[trial.index % 2]
    trial.endpoint.control.set_faults(**faults)
    try:
        trial.cases = new_cases(trial)
        trial.write()
        runs = up_until_done(trial)
        trial.cases = edited_cases(trial, trial.cases)
        trial.write()
        runs = f"{runs} + {up_until_done(trial)}"
    finally:
        trial.endpoint.control.clear_faults()
    trial.notes.append(f"`up` runs to converge: {runs}")


def tail(error: Exception, lines: int = 6) -> str:
    text = str(error).strip().splitlines()
    return " | ".join(line.strip() for line in text[-lines:] if line.strip())


def support_client(trial: Trial) -> Any:
    return boto3.client(
        "support",
        region_name="us-east-1",
        endpoint_url=trial.endpoint.url,
        aws_access_key_id=trial.access_key,
        aws_secret_access_key="harness-secret",
    )


def _listing(client: Any, operation: str, key: str, **params: Any) -> Iterator[dict[str, Any]]:
    for page in client.get_paginator(operation).paginate(**params):
        yield from page.get(key, [])


def check(trial: Trial) -> list[str]:
    """Compare what AWS holds for the trial's account with the case files; count and describe faults."""
    client = support_client(trial)
    tally, findings = trial.tally, []
    listed = list(_listing(client, "describe_cases", "cases", includeResolvedCases=True))
    by_subject: dict[str, list[dict[str, Any]]] = {}
    for case in listed:
        by_subject.setdefault(case["subject"], []).append(case)
    for declared in trial.cases:
        found = by_subject.pop(declared.subject, [])
        if not found:
            tally.lost_cases += 1
            tally.lost_messages += 1 + len(declared.messages)
            findings.append(f"case {declared.name} was never opened")
            continue
        if len(found) > 1:
            tally.duplicate_cases += len(found) - 1
            findings.append(f"case {declared.name} was opened {len(found)} times")
        statuses = {case["status"] for case in found}
        if declared.resolved != (statuses == {"resolved"}):
            tally.wrong_status += 1
            wanted = "resolved" if declared.resolved else "open"
            findings.append(f"case {declared.name} is {'/'.join(sorted(statuses))} at AWS, declared {wanted}")
        bodies: Counter[str] = Counter(
            normalise(item["body"])
            for case in found
            for item in _listing(client, "describe_communications", "communications", caseId=case["caseId"])
            if item.get("submittedBy") != AWS_SENDER
        )
        for number, body in enumerate([declared.description, *declared.messages]):
            count = bodies.pop(normalise(body), 0)
            what = "the description" if number == 0 else f"message {number}"
            if count == 0:
                tally.lost_messages += 1
                findings.append(f"case {declared.name}: {what} never arrived")
            elif count > 1:
                tally.doubled_messages += count - 1
                findings.append(f"case {declared.name}: {what} arrived {count} times")
        if bodies:
            tally.extra_messages += sum(bodies.values())
            findings.append(f"case {declared.name}: undeclared messages {sorted(bodies)}")
    for subject, cases in by_subject.items():
        tally.duplicate_cases += len(cases)
        findings.append(f"{len(cases)} case(s) no file declares: {subject!r}")
    return findings


def run_trial(trial: Trial) -> list[str]:
    """One trial of its mode, then the check; a failure (not a finding about AWS) is counted and said."""
    try:
        kill_trial(trial) if trial.mode == "kill" else fault_trial(trial)
    except (PulumiCommandError, RuntimeError) as error:
        trial.tally.failed += 1
        return [f"failed: {tail(error)}", *check(trial)]
    return check(trial)


@dataclass(frozen=True)
class Settings:
    """What to run: ``trials`` per mode, the ``seed``, the modes, the time budget in seconds."""

    trials: int = 20
    seed: int = 1
    modes: tuple[str, ...] = ("kill",)
    timeout: float = 1800.0
    keep: Path | None = None


@contextmanager
def _workspace(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=False)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="crash-harness-") as folder:
        yield Path(folder)


def run_harness(settings: Settings, say: Callable[[str], None] = print) -> Report:
    """Run every trial of every mode in ``settings``; ``say`` gets one line per trial."""
    deadline = Deadline(settings.timeout)
    report = Report({mode: Tally() for mode in settings.modes})
    with _workspace(settings.keep) as base, running_server(base / "supportlocal", quotas=False) as endpoint:
        for mode_number, mode in enumerate(settings.modes):
            for index in range(settings.trials):
                if deadline.left() <= 0:
                    report.incomplete = True
                    say(f"{mode} {index}: not run, the time ran out")
                    continue
                account = f"{700000000000 + mode_number * 1000 + index:012d}"
                trial = Trial(
                    mode=mode,
                    index=index,
                    rng=random.Random(f"{settings.seed}/{mode}/{index}"),
                    project=staged_project(
                        base / f"{mode}-{index}" / "project", endpoint.url, f"AKIA{account}", stack="trial"
                    ),
                    endpoint=endpoint,
                    access_key=f"AKIA{account}",
                    deadline=deadline,
                )
                try:
                    findings = run_trial(trial)
                except OutOfTime as error:
                    report.incomplete = True
                    say(f"{trial.label}: not finished: {error}")
                    continue
                report.tallies[mode].add(trial.tally)
                report.findings += [f"{trial.label}: {finding}" for finding in findings]
                verdict = "; ".join(findings) if findings else "exactly once"
                say(f"{trial.label}: {'; '.join(trial.notes)}: {verdict}")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.crash_harness", description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=20, help="trials per mode (default 20)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--mode", choices=sorted(MODES), default="kill", help="kill, faults or all")
    parser.add_argument("--timeout", type=float, default=1800.0, help="time budget in seconds (default 1800)")
    parser.add_argument("--keep", type=Path, help="run in this new directory and keep it (logs, states)")
    args = parser.parse_args(argv)
    settings = Settings(args.trials, args.seed, MODES[args.mode], args.timeout, args.keep)
    started = time.monotonic()
    report = run_harness(settings)
    print(f"\ncrash harness: seed {args.seed}, {time.monotonic() - started:.0f} s")
    print(report.table())
    if report.incomplete:
        print("incomplete: the time ran out before every trial had run")
    return report.exit_code()


if __name__ == "__main__":
    sys.exit(main())
