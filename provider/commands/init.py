"""``supportcases init [DIR]``: write a team's own repository of support cases.

The repository holds only what is the team's: the Pulumi project and its two-line program, a pinned
requirement on this distribution, ``cases/``, the committed stack configuration, CODEOWNERS, the GitHub
and GitLab pipelines and the pre-commit configuration. The files come from ``provider/templates/``, with
``@@{name}`` placeholders; nothing that exists is overwritten.
"""

from __future__ import annotations

import argparse
import re
import string
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from provider import __version__

DISTRIBUTION = "support-cases-as-code"
EXIT_OK, EXIT_USAGE = 0, 2
# The Pulumi CLI the pipelines install: tools/engine.sh's PULUMI_VERSION (tests/distribution checks both).
PULUMI_VERSION = "3.274.1"
PYTHON_VERSION = "3.12"  # the pipelines' Python; the distribution supports 3.11 to 3.13

# template in provider/templates/ -> the file it becomes, relative to DIR (placeholders allowed)
TEMPLATES = (
    ("Pulumi.yaml", "Pulumi.yaml"),
    ("main.py", "__main__.py"),
    ("requirements.txt", "requirements.txt"),
    ("stack.yaml", "Pulumi.@@{stack}.yaml"),
    ("cases-README.md", "cases/README.md"),
    ("CODEOWNERS", "CODEOWNERS"),
    ("gitignore", ".gitignore"),
    ("pre-commit-config.yaml", ".pre-commit-config.yaml"),
    ("github-workflow.yml", ".github/workflows/support-cases.yml"),
    ("gitlab-ci.yml", ".gitlab-ci.yml"),
)

_NAME = re.compile(r"\A[A-Za-z0-9_.-]+\Z")  # Pulumi project and stack names


class _Template(string.Template):
    """``@@{name}``: no clash with shell ``$VAR`` or GitHub's ``${{ }}`` in the pipeline files."""

    delimiter = "@@"


def add_init_command(subcommands: Any) -> None:
    """Add ``init`` to the command line."""
    parser = subcommands.add_parser(
        "init",
        help="write a team's own repository: Pulumi project, program, pinned requirement, cases/, "
        "stack config, CODEOWNERS, GitHub and GitLab pipelines, pre-commit",
        description="Write into DIR (default: the current directory) the files of a repository that "
        f"keeps support cases and depends on {DISTRIBUTION} {__version__}. Refuses to overwrite a file. "
        "Exit 0 when written, 2 on usage errors.",
    )
    parser.add_argument("directory", nargs="?", default=".", metavar="DIR")
    parser.add_argument(
        "--source",
        required=True,
        metavar="GIT_URL",
        help=f"where the team gets {DISTRIBUTION} (a git URL): the pre-commit hook's repository, and the "
        f"requirement {DISTRIBUTION} @ git+GIT_URL@v{__version__} unless --requirement is given",
    )
    parser.add_argument(
        "--requirement",
        metavar="SPEC",
        help=f"the line of requirements.txt instead, e.g. {DISTRIBUTION}=={__version__} from a package index",
    )
    parser.add_argument("--project", default="support-cases", help="the Pulumi project name")
    parser.add_argument("--stack", default="prod", help="the stack the pipelines plan and apply")
    parser.add_argument(
        "--owner",
        default="@your-org/support-cases",
        help="CODEOWNERS owner of the case files (a GitHub team or GitLab group)",
    )
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    for flag, value in (("--project", args.project), ("--stack", args.stack)):
        if not _NAME.match(value):
            print(f"init: {flag} '{value}' may hold only letters, digits, '_', '.' and '-'", file=sys.stderr)
            return EXIT_USAGE
    values = {
        "project": args.project,
        "stack": args.stack,
        "owner": args.owner,
        "source": args.source,
        "version": __version__,
        "requirement": args.requirement or f"{DISTRIBUTION} @ git+{args.source}@v{__version__}",
        "pulumi_version": PULUMI_VERSION,
        "python_version": PYTHON_VERSION,
    }
    root = Path(args.directory)
    files = {root / _Template(target).substitute(values): template for template, target in TEMPLATES}
    taken = [str(path) for path in files if path.exists()]
    if taken:
        print(f"init: would overwrite {', '.join(taken)}; nothing written", file=sys.stderr)
        return EXIT_USAGE
    templates = resources.files("provider") / "templates"
    for path, template in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        text = templates.joinpath(template).read_text("utf-8")
        path.write_text(_Template(text).substitute(values), "utf-8")
        print(f"wrote {path}")
    print(_next_steps(args))
    return EXIT_OK


def _next_steps(args: argparse.Namespace) -> str:
    return f"""
Next (docs/adopting.md of {DISTRIBUTION}):
  1. python3 -m venv .venv && .venv/bin/pip install -r requirements.txt
  2. with the team's backend and passphrase (pulumi login <backend>; export PULUMI_CONFIG_PASSPHRASE=...):
     pulumi stack init {args.stack} --secrets-provider passphrase   (writes its encryptionsalt)
  3. the owner in CODEOWNERS ({args.owner}), the accounts in Pulumi.{args.stack}.yaml; commit it all
  4. pre-commit install"""
