"""Which files a case may attach: never a credential, the version control's store or Pulumi's state;
in a git work tree only files git tracks; and only under the folders the repository allows.

The rules, in order (docs/case-files.md, "Attachments"):

1. ``DENIED_FOLDERS`` anywhere in the path, ``DENIED_FILES`` as the file's name (compared in lower
   case: a case-insensitive file system reads ``.GIT/config`` as ``.git/config``), as written and as
   resolved: each with the reason it is refused.
2. When the repository is a git work tree, the file (as resolved) is one git tracks (``git ls-files``):
   a reviewer saw it in a commit, and a file git ignores (a local ``.env``, a downloaded key) is not.
3. ``attachmentFolders`` in ``supportcases.yaml`` at the repository root, when that file lists them:
   the file lies under one of them. Outside a git work tree, without the setting, the one folder is
   ``cases``.
4. Its first ``SCANNED_BYTES`` hold no private key (a PEM ``PRIVATE KEY`` block, a PuTTY key file),
   whatever the file is named.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

SETTINGS_FILE = "supportcases.yaml"
DEFAULT_FOLDERS = ("cases",)  # outside a git work tree, without attachmentFolders
SCANNED_BYTES = 64 * 1024  # a private key file is a few KB; a key pasted deep into a large log is not sought

# A folder anywhere in the path (lower case) -> why nothing under it is attached.
DENIED_FOLDERS = {
    ".git": "git's own store (actions/checkout writes the CI token into .git/config)",
    ".hg": "Mercurial's own store (its hgrc can hold credentials)",
    ".svn": "Subversion's own store (it caches credentials)",
    ".bzr": "Bazaar's own store",
    ".pulumi": "Pulumi's state and credentials (.pulumi/credentials.json holds access tokens)",
    ".aws": "the AWS CLI's credentials and configuration",
    ".ssh": "SSH keys",
    ".gnupg": "GnuPG keys",
    ".docker": "Docker's registry credentials (config.json)",
    ".kube": "Kubernetes cluster credentials",
    ".terraform.d": "Terraform's credentials (credentials.tfrc.json)",
}
# A file name pattern (fnmatch, lower case) -> why a file so named is not attached.
DENIED_FILES = {
    "pulumi.*.yaml": "a Pulumi stack's configuration (its secrets and the passphrase salt)",
    "pulumi.*.yml": "a Pulumi stack's configuration (its secrets and the passphrase salt)",
    "credentials": "a credentials file (the AWS CLI's .aws/credentials, among others)",
    "credentials.json": "a credentials file (Pulumi's .pulumi/credentials.json, cloud service accounts)",
    "credentials.tfrc.json": "Terraform's API tokens",
    ".netrc": "passwords for hosts (curl, git and pip read it)",
    "_netrc": "passwords for hosts (curl, git and pip read it)",
    ".git-credentials": "git's stored credentials",
    ".npmrc": "npm's registry tokens",
    ".yarnrc.yml": "Yarn's registry tokens",
    ".pypirc": "PyPI upload credentials",
    ".boto": "boto's AWS keys",
    ".s3cfg": "s3cmd's AWS keys",
    ".pgpass": "PostgreSQL passwords",
    ".my.cnf": "MySQL passwords",
    ".htpasswd": "password hashes",
    ".terraformrc": "Terraform's API tokens",
    "terraform.rc": "Terraform's API tokens",
    ".env": "environment secrets (a dotenv file)",
    ".env.*": "environment secrets (a dotenv file)",
    "id_rsa": "an SSH private key",
    "id_dsa": "an SSH private key",
    "id_ecdsa": "an SSH private key",
    "id_ed25519": "an SSH private key",
    "id_ecdsa_sk": "an SSH private key",
    "id_ed25519_sk": "an SSH private key",
    "*.pem": "a PEM file (private keys and certificates)",
    "*.key": "a private key",
    "*.p12": "a PKCS #12 key store",
    "*.pfx": "a PKCS #12 key store",
    "*.jks": "a Java key store",
    "*.keystore": "a key store",
    "*.ppk": "a PuTTY private key",
}
_KEY_MARKERS = (b"PRIVATE KEY-----", b"PuTTY-User-Key-File-")


class PolicyError(ValueError):
    """``supportcases.yaml`` is broken, or git cannot say which files it tracks."""

    def __init__(self, file: str, message: str, line: int = 0, col: int = 0) -> None:
        super().__init__(f"{file}: {message}")
        self.file, self.message, self.line, self.col = file, message, line, col


@dataclass(frozen=True)
class Policy:
    """What a repository lets its case files attach (beyond the deny lists, which always hold)."""

    root: Path  # resolved
    folders: tuple[PurePosixPath, ...]  # () for anywhere in the repository
    tracked: frozenset[str] | None  # the resolved paths git tracks; None outside a git work tree

    @classmethod
    def of(cls, root: Path) -> Policy:
        """The policy of the repository ``root``; raises PolicyError."""
        root = root.resolve()
        top = _git_top(root)
        written = _folders(root)
        folders = written if written is not None else (() if top else DEFAULT_FOLDERS)
        return cls(root, tuple(PurePosixPath(folder) for folder in folders), _tracked(top) if top else None)

    def problem(self, path: Path) -> str | None:
        """Why the resolved file ``path`` (inside the root) may not be attached under rules 2 and 3."""
        inside = PurePosixPath(path.relative_to(self.root).as_posix())
        if self.tracked is not None and str(path) not in self.tracked:
            return "is not a file git tracks: commit it first (a file git does not track is never attached)"
        if self.folders and not any(inside.is_relative_to(folder) for folder in self.folders):
            allowed = ", ".join(f"{folder}/" for folder in self.folders)
            where = SETTINGS_FILE if (self.root / SETTINGS_FILE).exists() else "the default"
            return f"is outside the folders attachments may come from ({allowed}: {where} attachmentFolders)"
        return None


def denied(relative: PurePosixPath) -> str | None:
    """Why the path ``relative`` (to the repository) is never attached, by rule 1, or None."""
    parts = [part.lower() for part in relative.parts]
    for part in parts:
        if part in DENIED_FOLDERS:
            return f"is inside {part}/, {DENIED_FOLDERS[part]}"
    name = parts[-1] if parts else ""
    for pattern, why in DENIED_FILES.items():
        if fnmatch.fnmatchcase(name, pattern):
            return f"is named like {why}"
    return None


def private_key(path: Path) -> str | None:
    """What rule 4 says of the file ``path``, or None."""
    with path.open("rb") as handle:
        head = handle.read(SCANNED_BYTES)
    if any(marker in head for marker in _KEY_MARKERS):
        return "holds a private key (a 'PRIVATE KEY' block or a PuTTY key file)"
    return None


def policy(root: Path) -> Policy:
    """The policy of ``root``, read again when the settings file or git's index has changed."""
    return _policy(root.resolve(), _stamp(root / SETTINGS_FILE), _stamp(_index_of(_git_top(root.resolve()))))


@functools.lru_cache(maxsize=8)
def _policy(root: Path, _settings: tuple[int, int] | None, _index: tuple[int, int] | None) -> Policy:
    return Policy.of(root)


def _stamp(path: Path | None) -> tuple[int, int] | None:
    try:
        status = os.stat(path) if path else None
    except OSError:
        return None
    return (status.st_mtime_ns, status.st_size) if status else None


def _folders(root: Path) -> list[str] | None:
    """``attachmentFolders`` of ``supportcases.yaml``, each checked to be a folder of the repository."""
    file = root / SETTINGS_FILE
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyError(SETTINGS_FILE, f"cannot be read: {error}") from None
    try:
        settings: Any = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        raise PolicyError(SETTINGS_FILE, f"is not valid YAML: {error}", line, col) from None
    folders = settings.get("attachmentFolders") if isinstance(settings, dict) else None
    if folders is None:
        return None
    if not isinstance(folders, list) or not all(isinstance(folder, str) and folder for folder in folders):
        raise PolicyError(SETTINGS_FILE, "attachmentFolders must be a list of folders of the repository")
    for folder in folders:
        resolved = (root / folder).resolve()
        if PurePosixPath(folder).is_absolute() or not resolved.is_relative_to(root) or not resolved.is_dir():
            raise PolicyError(
                SETTINGS_FILE, f"attachmentFolders: '{folder}' is not a folder inside the repository"
            )
        reason = denied(PurePosixPath(resolved.relative_to(root).as_posix()))
        if reason:
            raise PolicyError(SETTINGS_FILE, f"attachmentFolders: '{folder}' {reason}")
    return [resolved.relative_to(root).as_posix() for resolved in ((root / f).resolve() for f in folders)]


def _git_top(root: Path) -> Path | None:
    """The top of the git work tree ``root`` is in (the nearest folder with a ``.git``), or None."""
    for folder in (root, *root.parents):
        marker = folder / ".git"
        if (marker / "HEAD").is_file() or (marker.is_file() and _gitdir(marker) is not None):
            return folder
    return None


def _gitdir(marker: Path) -> Path | None:
    """The git directory a ``.git`` file (a linked work tree, a submodule) points to."""
    try:
        text = marker.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not text.startswith("gitdir:"):
        return None
    return (marker.parent / text.removeprefix("gitdir:").strip()).resolve()


def _index_of(top: Path | None) -> Path | None:
    if top is None:
        return None
    marker = top / ".git"
    gitdir = marker if marker.is_dir() else _gitdir(marker)
    return gitdir / "index" if gitdir else None


def _tracked(top: Path) -> frozenset[str]:
    """The files git tracks in the work tree ``top``, as resolved absolute paths."""
    git = shutil.which("git")
    if git is None:
        message = "the repository is a git work tree, but git is not on the PATH to say which files it tracks"
        raise PolicyError(".git", f"{message}; attachments cannot be checked")
    listed = subprocess.run(
        [git, "-C", str(top), "ls-files", "-z", "--cached"], capture_output=True, check=False
    )
    if listed.returncode != 0:
        error = listed.stderr.decode("utf-8", "replace").strip()
        raise PolicyError(".git", f"`git ls-files` failed: {error}; attachments cannot be checked")
    names = listed.stdout.decode("utf-8", "surrogateescape").split("\0")
    return frozenset(str(top / name) for name in names if name)
