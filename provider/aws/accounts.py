"""Accounts: which credentials each account alias of the stack config stands for, and one boto3 session each.

Stack config ``supportcases:accounts`` maps an alias to where its credentials come from (an AWS profile,
a role to assume with STS and an optional external id); ``supportcases:defaultAccount`` names the alias
used by a case file without an ``account:`` key (with one account configured, it is the default). With no
``supportcases:accounts`` at all, the stack has one account, ``default``, reached with
``supportcases:profile`` / ``supportcases:roleArn`` or the ambient credentials.

An :class:`Account` holds no credentials, only where to get them, so it can be pickled into the stack
state with the provider. Sessions are made on first use, one per account and region, and reused.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provider.casefiles.loader import Case, Problem, find_root
from provider.casefiles.yamlmarks import Position, YamlError, parse

IMPLICIT_ALIAS = "default"  # the one account of a stack without supportcases:accounts
ALIAS_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")  # as the case schema's `account` key
ROLE_SESSION_NAME = "support-cases-as-code"
# The botocore STS model (pinned) says of ExternalId: 2 to 1224 characters of [\w+=,.@:/-].
_EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
# An IAM role ARN: arn:<partition>:iam::<12-digit account>:role/<path and name> (IAM ARN format).
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$")
_ACCOUNT_KEYS = {"profile": "profile", "roleArn": "role_arn", "externalId": "external_id"}


class AccountConfigError(ValueError):
    """The accounts in the stack config are malformed; the message names the config key to fix."""


class UnknownAccountError(LookupError):
    """A case names an account alias the stack config does not have (or names none, with no default)."""


@dataclass(frozen=True)
class Account:
    """Where one account's credentials come from; never the credentials themselves."""

    alias: str
    profile: str | None = None  # an AWS profile (of ~/.aws/config); None: the ambient boto3 chain
    role_arn: str | None = None  # a role assumed with STS from the profile's (or ambient) credentials
    external_id: str | None = None  # the ExternalId the role's trust policy asks for


@dataclass(frozen=True)
class Accounts:
    """Every account of the stack, by alias, and the alias used by a case file that names none."""

    accounts: tuple[Account, ...]
    default: str | None = None
    configured: bool = False  # from supportcases:accounts (else the one implicit account)

    @property
    def aliases(self) -> tuple[str, ...]:
        """The configured aliases, in config order."""
        return tuple(account.alias for account in self.accounts)

    def alias_of(self, spec: Mapping[str, Any]) -> str | None:
        """The alias a case document uses: its ``account`` key, else the default (None when neither)."""
        return spec.get("account") or self.default

    def get(self, alias: str | None) -> Account:
        """The account of ``alias`` (None: the default); :class:`UnknownAccountError` naming the fix."""
        wanted = alias or self.default
        for account in self.accounts:
            if account.alias == wanted:
                return account
        raise UnknownAccountError(self._unknown(alias))

    def _unknown(self, alias: str | None) -> str:
        known = ", ".join(self.aliases)
        if alias is None:
            return (
                f"no account named: add `account:` ({known}) or set supportcases:defaultAccount in the "
                "stack config"
            )
        if not self.configured:
            return (
                f"unknown account '{alias}': supportcases:accounts is not set, so the stack has one "
                f"account, '{IMPLICIT_ALIAS}'"
            )
        close = difflib.get_close_matches(alias, self.aliases, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"unknown account '{alias}': supportcases:accounts has {known}{hint}"


def accounts_from_config(
    accounts: Any = None, default: Any = None, *, profile: str | None = None, role_arn: str | None = None
) -> Accounts:
    """Read ``supportcases:accounts`` and ``supportcases:defaultAccount`` (plain values, as
    ``pulumi.Config.get_object`` and ``get`` return them); without accounts, the one account ``default``
    reached with ``supportcases:profile`` / ``supportcases:roleArn``."""
    if accounts is None:
        if default not in (None, IMPLICIT_ALIAS):
            raise AccountConfigError(
                f"supportcases:defaultAccount is '{default}' but supportcases:accounts is not set"
            )
        return Accounts((Account(IMPLICIT_ALIAS, profile, role_arn),), IMPLICIT_ALIAS)
    if profile or role_arn:
        raise AccountConfigError(
            "supportcases:profile and supportcases:roleArn apply only without supportcases:accounts; "
            "give each account its own profile or roleArn there"
        )
    if not isinstance(accounts, Mapping) or not accounts:
        raise AccountConfigError(
            "supportcases:accounts must map each account alias to {profile, roleArn, externalId}"
        )
    parsed = tuple(_account(alias, entry) for alias, entry in accounts.items())
    aliases = [account.alias for account in parsed]
    if default is None and len(parsed) == 1:
        default = parsed[0].alias
    if default is not None and default not in aliases:
        raise AccountConfigError(
            f"supportcases:defaultAccount '{default}' is not in supportcases:accounts ({', '.join(aliases)})"
        )
    return Accounts(parsed, default, configured=True)


def _account(alias: Any, entry: Any) -> Account:
    where = f"supportcases:accounts.{alias}"
    if not isinstance(alias, str) or not ALIAS_PATTERN.match(alias):
        raise AccountConfigError(
            f"{where}: an account alias is 1 to 63 lowercase letters, digits and '-', starting with a "
            "letter or digit"
        )
    if entry is None:
        entry = {}
    if not isinstance(entry, Mapping):
        raise AccountConfigError(f"{where}: expected a mapping with profile, roleArn or externalId")
    unknown = sorted(set(entry) - set(_ACCOUNT_KEYS))
    if unknown:
        raise AccountConfigError(
            f"{where}: unknown key '{unknown[0]}' (an account takes {', '.join(_ACCOUNT_KEYS)})"
        )
    for key, value in entry.items():
        if not isinstance(value, str) or not value:
            raise AccountConfigError(f"{where}.{key}: expected a non-empty string")
    role_arn, external_id = entry.get("roleArn"), entry.get("externalId")
    if role_arn is not None and not _ROLE_ARN.match(role_arn):
        raise AccountConfigError(f"{where}.roleArn: expected a role ARN, arn:aws:iam::<account>:role/<name>")
    if external_id is not None and role_arn is None:
        raise AccountConfigError(f"{where}.externalId: an external id goes with a roleArn to assume")
    if external_id is not None and not _EXTERNAL_ID.match(external_id):
        raise AccountConfigError(
            f"{where}.externalId: 2 to 1224 letters, digits and the characters _+=,.@:/- (STS AssumeRole)"
        )
    return Account(alias, **{_ACCOUNT_KEYS[key]: value for key, value in entry.items()})


# A caseId names the account it lives in: case-<12-digit account id>-... (the Support API reference's
# examples, e.g. "case-12345678910-2013-c4c1d2bf33c5cf47", show an account number after "case-"; the
# reference does not define the form, so a caseId without one is never refused on these grounds).
_CASE_ACCOUNT = re.compile(r"^case-([0-9]{12})-")
_ROLE_ACCOUNT = re.compile(r"^arn:aws[a-z-]*:iam::([0-9]{12}):role/")


def case_account_mismatch(case_id: str, account: Account) -> str | None:
    """Why ``account`` cannot reach the case ``case_id``, when both name their AWS account and differ."""
    case = _CASE_ACCOUNT.match(case_id)
    role = _ROLE_ACCOUNT.match(account.role_arn or "")
    if case and role and case.group(1) != role.group(1):
        return (
            f"case {case_id} lives in AWS account {case.group(1)}, but account alias '{account.alias}' now "
            f"assumes a role in account {role.group(1)} (supportcases:accounts.{account.alias}.roleArn); "
            "point the alias back at the case's account"
        )
    return None


def account_problems(cases: Sequence[Case], accounts: Accounts, *, root: Path | None = None) -> list[Problem]:
    """A ``path:line:col`` problem for each case file whose account is unknown (at its ``account:`` key)
    or that names none while the stack has no default account (at the start of the file)."""
    root = root or find_root()
    problems = []
    for case in cases:
        alias = case.spec.get("account")
        try:
            accounts.get(alias)
        except UnknownAccountError as error:
            pointer = ("account",) if alias else ()
            where = _position(root / case.source, pointer)
            problems.append(Problem(_shown(root / case.source), where.line, where.col, str(error), pointer))
    return problems


def _position(path: Path, pointer: tuple[str, ...]) -> Position:
    """Where ``pointer`` is written in the case file (its key), read again: a Case keeps no positions."""
    try:
        document = parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YamlError):
        document = None  # changed since it was loaded: the start of the file is the best position left
    return document.position(pointer, key=True) if document else Position(1, 1)


def _shown(path: Path) -> str:
    """The file as the loader shows it: relative to the working directory when inside it."""
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)
