"""The model's invariant through the real ``pulumi`` CLI: short histories of the model's rules against a
running supportlocal with two accounts (kills through the CLI are bench/crash_harness.py's part).

After every step, from supportlocal's truth (DescribeCases, DescribeCommunications through boto3 and its
call log): each declared file has exactly one case, in its account, holding its description and each
declared message once, in order; a removed file's case is resolved; the declared status holds. Before
every ``up``, ``python -m provider plan --format json`` is read: the writes of that ``up`` in the call
log, case by case and call by call, and the bodies AWS received, are exactly what it planned.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from provider.planning.reference import normalise
from supportlocal.launcher import Endpoint, running_server
from tests.helpers.pulumi_cli import PulumiCommandError, PulumiProject
from tests.helpers.staged_project import staged_project
from tests.model.machine import (
    CARD_SUBJECT,
    CARD_TEXT,
    FAKE_REF_TEXT,
    TEXTS,
    TOKEN,
    CaseFile,
    declared_text,
    text_of,
)

PROFILES = {"prod": "AKIA111111111111", "staging": "AKIA222222222222"}
ACCOUNT_IDS = {"prod": "111111111111", "staging": "222222222222"}
KEYS = tuple(PROFILES.items())
WRITES = ("CreateCase", "AddCommunicationToCase", "ResolveCase", "AddAttachmentsToSet")


class History:
    """One stack driven through the CLI, and what a person declared in it."""

    def __init__(self, tmp: Path, endpoint: Endpoint, name: str, *, trailer: bool) -> None:
        self.endpoint = endpoint
        self.trailer = trailer
        aws = tmp / f"{name}-aws"
        aws.mkdir()
        (aws / "config").write_text("".join(f"[profile {alias}]\nregion = us-east-1\n" for alias in PROFILES))
        (aws / "credentials").write_text(
            "".join(
                f"[{a}]\naws_access_key_id = {k}\naws_secret_access_key = s\n" for a, k in PROFILES.items()
            )
        )
        self.project: PulumiProject = staged_project(tmp / name, endpoint.url, "AKIA999999999999", stack=name)
        self.project.env.update(
            {"AWS_CONFIG_FILE": str(aws / "config"), "AWS_SHARED_CREDENTIALS_FILE": str(aws / "credentials")}
        )
        for alias in PROFILES:
            self.project.run("config", "set", "--path", f"supportcases:accounts.{alias}.profile", alias)
        self.project.run("config", "set", "supportcases:defaultAccount", "prod")
        if not trailer:
            self.project.run("config", "set", "supportcases:referenceTrailer", "false")
        self.files: dict[str, CaseFile] = {}
        self.removed: dict[str, CaseFile] = {}
        self.retired: set[tuple[str, str]] = set()  # (token, account) of cases whose file is gone
        self.counter = 0
        self.log: list[str] = []
        self.before_ids: dict[str, str] = {}  # case name -> caseId after the last up

    # --- the person's side ---------------------------------------------------------------------------

    def step(self, text: str) -> None:
        self.log.append(text)

    def new(self, account: str, subject: str, text: str, messages: list[str]) -> CaseFile:
        self.counter += 1
        token = f"T{self.counter}"
        case = CaseFile(f"c{self.counter}", token, subject, f"Case {token}: {text}", "low", account)
        case.messages = list(messages)
        self.files[case.name] = case
        self.write(case)
        self.step(f"new {case.name} in {account}")
        return case

    def write(self, case: CaseFile) -> None:
        path = self.project.workdir / "cases" / f"{case.name}.yaml"
        path.write_text(yaml.safe_dump(case.document(), sort_keys=False, allow_unicode=True, width=1000))

    def unlink(self, name: str) -> None:
        (self.project.workdir / "cases" / f"{name}.yaml").unlink()

    def rename(self, case: CaseFile, *, alias: bool) -> None:
        old = case.name
        self.unlink(old)
        del self.files[old]
        self.counter += 1
        case.name = f"c{self.counter}"
        case.aliases = [*case.aliases, old] if alias else []
        if not alias:
            self.retired.add((case.token, case.account))
        self.files[case.name] = case
        self.write(case)
        self.step(f"rename {old} -> {case.name} {'with' if alias else 'without'} alias")

    def remove(self, case: CaseFile) -> None:
        self.unlink(case.name)
        del self.files[case.name]
        self.removed[case.name] = case
        self.retired.add((case.token, case.account))
        self.step(f"remove {case.name}")

    def restore(self, name: str) -> CaseFile:
        case = self.removed.pop(name)
        self.files[name] = case
        self.write(case)
        self.step(f"restore {name}")
        return case

    # --- AWS -----------------------------------------------------------------------------------------

    def client(self, account: str) -> Any:
        return boto3.client(
            "support",
            region_name="us-east-1",
            endpoint_url=self.endpoint.url,
            aws_access_key_id=PROFILES[account],
            aws_secret_access_key="s",
        )

    def cases(self) -> list[tuple[str, dict[str, Any], list[dict[str, Any]]]]:
        """(account, case, customer communications oldest first) for every case of this history's tokens."""
        found = []
        tokens = {case.token for case in [*self.files.values(), *self.removed.values()]}
        tokens |= {token for token, _ in self.retired}
        for account in PROFILES:
            client = self.client(account)
            pages = client.get_paginator("describe_cases").paginate(
                includeResolvedCases=True, includeCommunications=False
            )
            for case in [case for page in pages for case in page["cases"]]:
                comms = client.get_paginator("describe_communications").paginate(caseId=case["caseId"])
                said = [c for page in comms for c in page["communications"]]
                said = [c for c in reversed(said) if c["submittedBy"] != "Amazon Web Services"]
                match = TOKEN.match(text_of(said[0]["body"], self.trailer)) if said else None
                if match and match.group(1) in tokens:
                    found.append((account, case, said))
        return found

    def fail(self, what: str) -> None:
        history = "\n".join(f"  {n}. {s}" for n, s in enumerate(self.log, 1))
        pytest.fail(f"{what}\nhistory:\n{history}", pytrace=False)

    def check(self) -> None:
        """AWS holds exactly the declared cases, each declared message once, in order, in its account."""
        held: dict[tuple[str, str], list[tuple[dict[str, Any], list[dict[str, Any]]]]] = {}
        for account, case, said in self.cases():
            match = TOKEN.match(text_of(said[0]["body"], self.trailer))
            assert match is not None
            held.setdefault((match.group(1), account), []).append((case, said))
        for case in self.files.values():
            found = held.get((case.token, case.account), [])
            live = [(c, s) for c, s in found if c["status"] != "resolved"] or found
            if (case.token, case.account) not in self.retired and len(found) != 1:
                self.fail(f"{case.name}: {len(found)} cases at AWS: {[c['caseId'] for c, _ in found]}")
            if not live:
                self.fail(f"{case.name}: no case at AWS in {case.account}")
            aws_case, said = live[0]
            if text_of(said[0]["body"], self.trailer) != declared_text(case.description):
                self.fail(f"{case.name}: description {said[0]['body']!r}")
            wanted = [declared_text(text) for text in case.messages]
            follow = [t for t in (text_of(c["body"], self.trailer) for c in said[1:]) if t in set(wanted)]
            if follow != wanted:
                self.fail(f"{case.name}: AWS holds {follow}, declared {wanted}")
            resolved = aws_case["status"] == "resolved"
            if resolved != (case.status == "resolved"):
                self.fail(f"{case.name}: declared {case.status}, AWS has {aws_case['status']}")
        declared = {(case.token, case.account) for case in self.files.values()}
        for key, found in held.items():
            if key not in declared and any(c["status"] != "resolved" for c, _ in found):
                self.fail(f"{key}: no file declares it, yet AWS has it open")
            if key in declared and key not in self.retired and len(found) > 1:
                self.fail(f"{key}: {len(found)} cases at AWS")

    # --- runs ----------------------------------------------------------------------------------------

    def plan(self) -> dict[str, list[tuple[str, str]]]:
        """``python -m provider plan --format json``: the calls and bodies per case."""
        done = subprocess.run(
            [sys.executable, "-m", "provider", "plan", "--format", "json"],
            cwd=self.project.workdir,
            env=self.project.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if done.returncode not in (0, 2):
            self.fail(f"plan exited {done.returncode}: {done.stderr}")
        document = json.loads(done.stdout)
        return {
            case["name"]: [(a["call"], normalise(a.get("communicationBody", ""))) for a in case["actions"]]
            for case in document["cases"]
            if case["actions"]
        }

    def up(self, *, lost_answers: bool = False) -> None:
        """``pulumi up``; the writes it made are exactly the plan read before it."""
        planned = self.plan()
        before = len(self.endpoint.control.calls())
        bodies = {case["caseId"]: len(said) for _, case, said in self.cases()}
        if lost_answers:
            self.endpoint.control.set_faults(lost_answer_rate=0.5, operations=list(WRITES))
        try:
            self.project.up()
        finally:
            self.endpoint.control.clear_faults()
        self.step("up" + (" with lost answers" if lost_answers else ""))
        names = {}
        for resource in self.project.export_state()["deployment"].get("resources") or []:
            case_id = (resource.get("outputs") or {}).get("caseId")
            if case_id:
                names[case_id] = resource["urn"].rsplit("::", 1)[-1]
        names.update({case_id: name for name, case_id in self.before_ids.items() if case_id not in names})
        done: dict[str, list[tuple[str, str]]] = {}
        received = {case["caseId"]: said for _, case, said in self.cases()}
        seen: dict[str, int] = {}
        for call in self.endpoint.control.calls()[before:]:
            if call["operation"] not in WRITES or call["outcome"] not in ("ok", "lost-answer"):
                continue
            name = names.get(call["caseId"], f"? {call['caseId']}")
            body = ""
            if call["operation"] in ("CreateCase", "AddCommunicationToCase"):
                index = bodies.get(call["caseId"], 0) + seen.get(call["caseId"], 0)
                seen[call["caseId"]] = seen.get(call["caseId"], 0) + 1
                said = received.get(call["caseId"], [])
                body = normalise(said[index]["body"]) if index < len(said) else "<missing>"
            done.setdefault(name, []).append((call["operation"], body))
        redacted = {
            name: [(call, normalise(declared_text(body)) if body else "") for call, body in calls]
            for name, calls in planned.items()
        }
        if done != redacted:
            self.fail(f"planned is not done\n  planned: {redacted}\n  done:    {done}")
        self.before_ids = {v: k for k, v in names.items()}


@pytest.fixture
def endpoint(tmp_path: Path) -> Iterator[Endpoint]:
    with running_server(tmp_path / "supportlocal", quotas=False) as found:
        yield found


def test_history_through_the_cli(tmp_path: Path, endpoint: Endpoint) -> None:
    """New cases in two accounts (a card number, a pasted reference), appends (an equal text, a card,
    a quoted AWS body) under lost answers, whitespace-only edits, four status toggles, renames with and
    without alias, a removal and its restore, and an account move refused with zero calls."""
    h = History(tmp_path, endpoint, "modelcli", trailer=True)
    c1 = h.new("prod", CARD_SUBJECT, "the charge appears twice.", [TEXTS[0]])
    c2 = h.new("staging", "Status checks fail on i-0abc", "quoted: " + FAKE_REF_TEXT, [])
    h.up()
    h.check()

    c1.messages += [TEXTS[0], CARD_TEXT]
    h.write(c1)
    first, said = next((case, said) for _, case, said in h.cases() if case["caseId"] == h.before_ids[c1.name])
    endpoint.control.reply(first["caseId"], "Noted.\n> " + said[-1]["body"])
    c2.messages.append("Quoting: " + said[-1]["body"])
    h.write(c2)
    h.step("append to c1 (an equal text, a card number), AWS quotes it, c2 quotes it")
    h.up(lost_answers=True)
    h.check()

    h.project.refresh()
    c1.description += "\n"
    c1.messages[0] += "\n"
    h.write(c1)
    h.step("refresh; whitespace-only edits of c1's description and message 1")
    if h.plan():
        h.fail(f"a whitespace-only edit is planned: {h.plan()}")
    h.up()
    h.check()

    for status in ("resolved", "open", "resolved", "open"):
        c2.status = status
        h.write(c2)
        h.step(f"status of c2: {status}")
        h.up()
        h.check()

    h.rename(c1, alias=True)
    h.rename(c2, alias=False)
    h.up()
    h.check()

    removed = c1.name
    h.remove(c1)
    h.up()
    h.check()
    h.restore(removed)  # its old case stays resolved beside whatever the plan says (a new case)
    h.up()
    h.check()

    calls = len(endpoint.control.calls())
    c2.account = "prod"
    h.write(c2)
    with pytest.raises(PulumiCommandError) as refused:
        h.project.preview()
    output = refused.value.result.stdout + refused.value.result.stderr
    assert f"cases/{c2.name}.yaml" in output
    assert len(endpoint.control.calls()) == calls


def test_trailer_off_history_through_the_cli(tmp_path: Path, endpoint: Endpoint) -> None:
    """With the trailer off: a card number and an equal text under lost answers, then a reopen."""
    h = History(tmp_path, endpoint, "modeloff", trailer=False)
    c1 = h.new("prod", "Slow EBS volume", "latency above 50 ms.", [TEXTS[1]])
    h.up()
    h.check()
    c1.messages += [TEXTS[2], TEXTS[1]]
    h.write(c1)
    h.step("append to c1 (a new text, then message 1's text again)")
    h.up(lost_answers=True)
    h.check()
    c1.status = "resolved"
    h.write(c1)
    h.step("status of c1: resolved")
    h.up()
    h.check()
