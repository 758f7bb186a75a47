"""Which files a case may attach: never VCS internals, Pulumi's state or a credential; in a git work
tree only files git tracks; only under the allowed folders; never a private key whatever its name."""

from __future__ import annotations

import subprocess

import pytest

from provider.casefiles.attachable import DENIED_FILES, DENIED_FOLDERS
from provider.casefiles.attachments import AttachmentError, attachment_file
from tests.casefiles.repo import VALID, Repo

F = "cases/case.yaml"
KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"


def git(repo: Repo, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo.root), *args], check=True, capture_output=True)


@pytest.fixture
def work_tree(repo: Repo) -> Repo:
    """The repository made a real git work tree (its placeholder .git replaced)."""
    (repo.root / ".git").rmdir()
    git(repo, "init", "-q")
    return repo


def test_the_ci_token_in_git_config_is_never_attached(work_tree: Repo) -> None:
    # actions/checkout keeps the token in .git/config; resolved, the path is inside the repository
    work_tree.write("cases/evidence.log", "fine")
    git(work_tree, "add", "cases/evidence.log")
    assert work_tree.check(VALID + "attachments: [evidence.log, ../.git/config]\n") == [
        f"{F}:3:29: attachment '../.git/config' is inside .git/, git's own store (actions/checkout writes "
        "the CI token into .git/config): it is never attached"
    ]
    with pytest.raises(AttachmentError, match=r"is inside \.git/"):
        attachment_file(work_tree.root, F, "../.git/config")


def test_a_symlink_to_git_config_is_never_attached(work_tree: Repo) -> None:
    (work_tree.root / "cases" / "config.txt").symlink_to("../.git/config")
    git(work_tree, "add", "cases/config.txt")
    [problem] = work_tree.check(VALID + "attachments: [config.txt]\n")
    assert problem.startswith(f"{F}:3:15: attachment 'config.txt' is inside .git/")


def test_in_a_work_tree_only_tracked_files_are_attached(work_tree: Repo) -> None:
    work_tree.write("cases/new.log", "not added yet")
    assert work_tree.check(VALID + "attachments: [new.log]\n") == [
        f"{F}:3:15: attachment 'new.log' is not a file git tracks: commit it first (a file git does not "
        "track is never attached)"
    ]
    git(work_tree, "add", "cases/new.log")
    assert work_tree.problems() == []


def test_in_a_work_tree_any_tracked_folder_will_do(work_tree: Repo) -> None:
    work_tree.write("logs/app.log", "tracked")
    git(work_tree, "add", "logs/app.log")
    assert work_tree.check(VALID + "attachments: [../logs/app.log]\n") == []


def test_a_tracked_pulumi_credentials_file_is_never_attached(work_tree: Repo) -> None:
    work_tree.write(".pulumi/credentials.json", '{"accessTokens": {"https://api.pulumi.com": "pul-1"}}')
    work_tree.write("cases/Pulumi.prod.yaml", "config: {}\n")
    git(work_tree, "add", "-f", ".pulumi/credentials.json", "cases/Pulumi.prod.yaml")
    assert work_tree.check(VALID + "attachments: [../.pulumi/credentials.json, Pulumi.prod.yaml]\n") == [
        f"{F}:3:15: attachment '../.pulumi/credentials.json' is inside .pulumi/, Pulumi's state and "
        "credentials (.pulumi/credentials.json holds access tokens): it is never attached",
        f"{F}:3:44: attachment 'Pulumi.prod.yaml' is named like a Pulumi stack's configuration (its secrets "
        "and the passphrase salt): it is never attached",
    ]


@pytest.mark.parametrize("folder", sorted(DENIED_FOLDERS))
def test_every_denied_folder(repo: Repo, folder: str) -> None:
    repo.write(f"cases/{folder}/file.txt", "x")
    [problem] = repo.check(VALID + f"attachments: ['{folder}/file.txt']\n")
    assert f"is inside {folder}/, {DENIED_FOLDERS[folder]}: it is never attached" in problem


@pytest.mark.parametrize("pattern", sorted(DENIED_FILES))
def test_every_denied_file_name(repo: Repo, pattern: str) -> None:
    name = pattern.replace("*", "x")
    repo.write(f"cases/{name}", "x")
    [problem] = repo.check(VALID + f"attachments: ['{name}']\n")
    assert f"is named like {DENIED_FILES[pattern]}: it is never attached" in problem


@pytest.mark.parametrize("name", ["ID_RSA", "Server.PEM", ".Git/config", ".NETRC"])
def test_names_are_compared_in_lower_case(repo: Repo, name: str) -> None:
    repo.write(f"cases/{name}", "x")
    [problem] = repo.check(VALID + f"attachments: ['{name}']\n")
    assert problem.endswith("it is never attached")


def test_a_private_key_under_any_name_is_never_attached(repo: Repo) -> None:
    repo.write("cases/notes.txt", "see below\n" + KEY)
    assert repo.check(VALID + "attachments: [notes.txt]\n") == [
        f"{F}:3:15: attachment 'notes.txt' holds a private key (a 'PRIVATE KEY' block or a PuTTY key file): "
        "it is never attached"
    ]


def test_a_public_key_is_fine(repo: Repo) -> None:
    repo.write("cases/id_ed25519.pub", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI x@y\n")
    assert repo.check(VALID + "attachments: [id_ed25519.pub]\n") == []


def test_outside_a_work_tree_the_default_folder_is_cases(repo: Repo) -> None:
    repo.write("notes/run.log", "x")
    assert repo.check(VALID + "attachments: [../notes/run.log]\n") == [
        f"{F}:3:15: attachment '../notes/run.log' is outside the folders attachments may come from "
        "(cases/: the default attachmentFolders)"
    ]


def test_the_configured_folders(repo: Repo) -> None:
    repo.write("notes/run.log", "x")
    repo.write("cases/here.log", "x")
    repo.allow("notes")
    assert repo.check(VALID + "attachments: [../notes/run.log, here.log]\n") == [
        f"{F}:3:33: attachment 'here.log' is outside the folders attachments may come from "
        "(notes/: supportcases.yaml attachmentFolders)"
    ]


def test_the_configured_folders_hold_in_a_work_tree_too(work_tree: Repo) -> None:
    work_tree.write("notes/run.log", "x")
    git(work_tree, "add", "notes/run.log")
    work_tree.allow("evidence")
    (work_tree.root / "evidence").mkdir()
    [problem] = work_tree.check(VALID + "attachments: [../notes/run.log]\n")
    assert problem.endswith(
        "is outside the folders attachments may come from (evidence/: supportcases.yaml attachmentFolders)"
    )


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        (
            "attachmentFolders: [missing]\n",
            "attachmentFolders: 'missing' is not a folder inside the repository",
        ),
        ("attachmentFolders: [..]\n", "attachmentFolders: '..' is not a folder inside the repository"),
        ("attachmentFolders: [.git]\n", "attachmentFolders: '.git' is inside .git/"),
        ("attachmentFolders: cases\n", "attachmentFolders must be a list of folders of the repository"),
    ],
)
def test_a_broken_setting_is_said_once(repo: Repo, settings: str, said: str) -> None:
    repo.write("supportcases.yaml", settings)
    repo.write("cases/a.log", "x")
    repo.write("cases/a.yaml", VALID + "attachments: [a.log]\n")
    repo.write("cases/b.yaml", VALID + "attachments: [a.log]\n")
    problems = repo.problems()
    assert len(problems) == 1 and problems[0].startswith(f"supportcases.yaml: {said}")


def test_a_setting_that_is_not_yaml_is_located(repo: Repo) -> None:
    repo.write("supportcases.yaml", "attachmentFolders: [cases\n")
    repo.write("cases/a.log", "x")
    [problem] = repo.check(VALID + "attachments: [a.log]\n")
    assert problem.startswith("supportcases.yaml:2:1: is not valid YAML")


def test_an_attachment_path_is_printed_escaped(repo: Repo) -> None:
    [problem] = repo.check(VALID + 'attachments: ["rtl\\u202egol.txt"]\n')
    assert problem == f"{F}:3:15: attachment 'rtl\\u202egol.txt' does not exist"
