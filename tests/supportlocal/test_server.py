"""The process: listening line, signals, port choice, start-up errors, restart persistence, concurrency."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import boto3
import pytest

from supportlocal.launcher import PROJECT_ROOT, running_server

LINE = re.compile(r"^supportlocal listening on http://127\.0\.0\.1:(\d+)$")


def start(data: Path, port: int = 0) -> tuple[subprocess.Popen[str], str]:
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT))
    process = subprocess.Popen(
        [sys.executable, "-m", "supportlocal", "--port", str(port), "--data", str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    return process, process.stdout.readline().rstrip("\n")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_prints_one_listening_line_and_exits_cleanly_on_signal(tmp_path, signum):
    process, line = start(tmp_path)
    match = LINE.match(line)
    assert match and int(match.group(1)) > 0
    with socket.create_connection(("127.0.0.1", int(match.group(1))), timeout=5):
        pass
    process.send_signal(signum)
    stdout, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert stdout == ""  # exactly one line was printed


def test_serves_on_the_requested_port(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with running_server(tmp_path, port=port) as endpoint:
        assert endpoint.url == f"http://127.0.0.1:{port}"
        assert endpoint.control.calls() == []
    assert endpoint.process.returncode == 0


def test_launcher_reports_a_failed_start_with_the_process_output(tmp_path):
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("x")

    def start_on_a_file() -> None:
        with running_server(not_a_directory, timeout=15):
            pass

    with pytest.raises(RuntimeError, match="did not start") as failure:
        start_on_a_file()
    assert "Error" in str(failure.value)  # the traceback the process printed


def test_data_of_an_older_schema_is_refused_not_misread(tmp_path):
    with sqlite3.connect(tmp_path / "supportlocal.sqlite3") as old:
        old.execute("CREATE TABLE cases (case_id TEXT PRIMARY KEY)")
    with (
        pytest.raises(RuntimeError, match="written by another supportlocal version") as failure,
        running_server(tmp_path, timeout=15),
    ):
        pass
    assert f"remove {tmp_path}" in str(failure.value)


def client_for(url: str, account: str = "222233334444"):
    return boto3.client(
        "support",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id=f"AKIA{account}",
        aws_secret_access_key="secret",
    )


def test_restart_with_the_same_data_keeps_everything(tmp_path):
    with running_server(tmp_path, quotas=False) as first:
        client = client_for(first.url)
        kept = client.create_case(subject="Kept", communicationBody="first", severityCode="urgent")["caseId"]
        done = client.create_case(subject="Done", communicationBody="bye")["caseId"]
        attachment_set = client.add_attachments_to_set(
            attachments=[{"fileName": "log.bin", "data": b"\x00\xffdata"}]
        )
        client.add_communication_to_case(
            caseId=kept, communicationBody="second", attachmentSetId=attachment_set["attachmentSetId"]
        )
        first.control.reply(kept, "We are looking into it.")
        first.control.set_status(kept, "pending-customer-action")
        client.resolve_case(caseId=done)
        first.control.set_plan("999988887777", "basic")
        advanced_to = first.control.advance_clock(86400)
        before = client.describe_cases(includeResolvedCases=True)["cases"]
        communications = client.describe_communications(caseId=kept)["communications"]
        calls = first.control.calls()

    with running_server(tmp_path, quotas=False) as second:
        client = client_for(second.url)
        assert client.describe_cases(includeResolvedCases=True)["cases"] == before
        assert client.describe_communications(caseId=kept)["communications"] == communications
        attachment_id = communications[1]["attachmentSet"][0]["attachmentId"]
        assert client.describe_attachment(attachmentId=attachment_id)["attachment"]["data"] == b"\x00\xffdata"
        assert second.control.now() >= advanced_to
        with pytest.raises(client.exceptions.ClientError) as refused:
            client_for(second.url, "999988887777").describe_severity_levels()
        assert refused.value.response["Error"]["Code"] == "SubscriptionRequiredException"
        newer = client.create_case(subject="After restart", communicationBody="hello")["caseId"]
        cases = {c["caseId"]: c for c in client.describe_cases(includeResolvedCases=True)["cases"]}
        assert int(cases[newer]["displayId"]) > max(int(c["displayId"]) for c in before)
        assert second.control.calls()[: len(calls)] == calls


def test_eight_parallel_clients_neither_lose_nor_double_writes(tmp_path):
    with running_server(tmp_path, quotas=False) as endpoint:
        shared = client_for(endpoint.url).create_case(subject="Shared", communicationBody="start")["caseId"]
        errors: list[BaseException] = []

        def work() -> None:
            try:
                client = boto3.session.Session().client(
                    "support",
                    region_name="us-east-1",
                    endpoint_url=endpoint.url,
                    aws_access_key_id="AKIA222233334444",
                    aws_secret_access_key="secret",
                )
                for index in range(6):
                    client.create_case(subject=f"Parallel {index}", communicationBody="body")
                    client.add_communication_to_case(caseId=shared, communicationBody=f"note {index}")
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        client = client_for(endpoint.url)
        cases = [
            c
            for page in client.get_paginator("describe_cases").paginate(includeCommunications=False)
            for c in page["cases"]
        ]
        assert len(cases) == 1 + 8 * 6
        assert len({c["caseId"] for c in cases}) == len(cases)
        assert len({c["displayId"] for c in cases}) == len(cases)
        notes = [
            c
            for page in client.get_paginator("describe_communications").paginate(caseId=shared)
            for c in page["communications"]
        ]
        assert len(notes) == 1 + 8 * 6
        assert sum(1 for call in endpoint.control.calls() if call["operation"] == "CreateCase") == 1 + 8 * 6
