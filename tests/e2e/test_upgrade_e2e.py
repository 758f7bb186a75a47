"""A stack written by the previous release, previewed, refreshed, updated and destroyed by this one.

The previous release is built from its commit in this repository's history (docs/adopting.md, upgrading).
Between the two runs the stack config moves the account to another AWS profile and the old profile is
deleted: every operation, the refresh and delete of cases the new code never wrote included, must use
the configuration as it is now, and supportlocal's call log must show nothing sent twice.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from collections import Counter
from pathlib import Path

import yaml

from supportlocal.launcher import running_server
from tests.helpers.pulumi_cli import ROOT, PulumiProject, copy_project
from tests.helpers.staged_project import PROJECT_FILES

PREVIOUS_RELEASE = "968a6cd1a19831629feb561f513def1ef3054647"  # 0.1.0 (CHANGELOG.md)
KEY = "AKIA666666666666"
WRITES = {"CreateCase", "AddCommunicationToCase", "ResolveCase"}
KEPT = {
    "subject": "NAT gateway drops connections",
    "communicationBody": "nat-0abc drops long-lived connections after 350 s.",
    "communications": [{"communicationBody": "Flow logs show RST from the gateway."}],
}
REMOVED = {"subject": "ACM certificate stuck pending", "communicationBody": "The DNS record is in place."}


def previous_release(dest: Path) -> Path:
    """The previous release's files, from git history."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", PREVIOUS_RELEASE], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def profiles(directory: Path, names: list[str]) -> dict[str, str]:
    """AWS config and credentials files giving each profile the same account's key."""
    directory.mkdir(exist_ok=True)
    (directory / "config").write_text("".join(f"[profile {n}]\nregion = us-east-1\n" for n in names))
    (directory / "credentials").write_text(
        "".join(f"[{n}]\naws_access_key_id = {KEY}\naws_secret_access_key = s\n" for n in names)
    )
    return {
        "AWS_CONFIG_FILE": str(directory / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(directory / "credentials"),
    }


def writes(calls: list[dict]) -> Counter[str]:
    return Counter(
        call["operation"] for call in calls if call["operation"] in WRITES and call["outcome"] == "ok"
    )


def test_state_of_the_previous_release_works_with_this_one(tmp_path: Path) -> None:
    old = previous_release(tmp_path / "previous")
    stage = tmp_path / "stage"
    stage.mkdir()
    for name in PROJECT_FILES:
        source = old / name
        if source.is_dir():
            shutil.copytree(source, stage / name)
        elif source.exists():
            shutil.copy(source, stage / name)
    workdir = copy_project(stage, tmp_path / "project")
    (workdir / "cases").mkdir()
    for name, document in (("kept", KEPT), ("removed", REMOVED)):
        (workdir / "cases" / f"{name}.yaml").write_text(yaml.safe_dump(document, sort_keys=False))

    with running_server(tmp_path / "supportlocal", quotas=False) as endpoint:
        env = {"AWS_ENDPOINT_URL_SUPPORT": endpoint.url, **profiles(tmp_path / "aws", ["before"])}
        project = PulumiProject(workdir, stack="upgrade", env_overrides=env)
        for variable in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            project.env.pop(variable, None)
        project.init()
        project.config_set("supportcases:profile", "before")
        project.up()  # the previous release opens both cases and sends the message
        assert writes(endpoint.control.calls()) == Counter({"CreateCase": 2, "AddCommunicationToCase": 1})

        # This release replaces the program and the provider; the account moves to another profile and
        # the old one is gone (a rotated role, a renamed profile).
        for name in PROJECT_FILES:
            if name == "Pulumi.yaml":
                continue
            shutil.rmtree(workdir / name, ignore_errors=True)
            (workdir / name).unlink(missing_ok=True)
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, workdir / name, ignore=shutil.ignore_patterns("__pycache__"))
            elif source.exists():
                shutil.copy(source, workdir / name)
        project.env.update(profiles(tmp_path / "aws", ["after"]))
        project.config_set("supportcases:profile", "after")
        endpoint.control.reset_calls()

        # With every case's provider as the previous release pickled it. The program runs (as the docs
        # say to refresh), so the engine configures the provider with the stack config as it is now;
        # without it, a refresh reuses the configuration recorded by the last `up`.
        project.refresh("--run-program")
        project.preview("--expect-no-changes")
        assert writes(endpoint.control.calls()) == Counter()

        kept = {**KEPT, "communications": [*KEPT["communications"], {"communicationBody": "Any news?"}]}
        (workdir / "cases" / "kept.yaml").write_text(yaml.safe_dump(kept, sort_keys=False))
        (workdir / "cases" / "removed.yaml").unlink()  # deleted with the previous release's pickle
        project.up()
        assert writes(endpoint.control.calls()) == Counter({"AddCommunicationToCase": 1, "ResolveCase": 1})

        project.destroy()
        assert writes(endpoint.control.calls()) == Counter({"AddCommunicationToCase": 1, "ResolveCase": 2})
        assert {call["account"] for call in endpoint.control.calls()} == {KEY[4:]}
