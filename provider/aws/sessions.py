"""One boto3 session per account, made on first use and reused; an assumed role is refreshed before it
expires. Kept apart from :mod:`provider.aws.accounts` so reading the stack config imports no boto3."""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import (
    AssumeRoleCredentialFetcher,
    CredentialProvider,
    CredentialResolver,
    DeferredRefreshableCredentials,
)
from botocore.exceptions import NoCredentialsError

from provider.aws.accounts import ROLE_SESSION_NAME, Account


class _AssumedRole(CredentialProvider):
    """botocore credentials for a role, assumed on first use and again before they expire."""

    METHOD = "assume-role"

    def __init__(self, fetcher: AssumeRoleCredentialFetcher) -> None:
        super().__init__()
        self._fetcher = fetcher

    def load(self) -> DeferredRefreshableCredentials:
        return DeferredRefreshableCredentials(self._fetcher.fetch_credentials, self.METHOD)


@dataclass
class Sessions:
    """One boto3 session per account and region, made on first use and reused (thread-safe).

    boto3 sessions are not thread-safe, so clients are made under the same lock; the clients themselves
    may then be used from any thread.
    """

    _sessions: dict[tuple[Account, str], boto3.Session] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, account: Account, region: str, service: str, config: Config | None = None) -> Any:
        """A botocore client for ``service`` in ``region`` with the account's credentials."""
        with self._lock:
            session = self._sessions.get((account, region))
            if session is None:
                session = self._sessions[(account, region)] = _session(account, region)
            return session.client(service, region_name=region, config=config)


def _session(account: Account, region: str) -> boto3.Session:
    base = boto3.Session(profile_name=account.profile)
    if not account.role_arn:
        return base
    source_credentials = base.get_credentials()
    if source_credentials is None:
        raise NoCredentialsError()
    extra_args = {"RoleSessionName": ROLE_SESSION_NAME}
    if account.external_id:
        extra_args["ExternalId"] = account.external_id
    fetcher = AssumeRoleCredentialFetcher(
        client_creator=functools.partial(base.client, region_name=region),
        source_credentials=source_credentials,
        role_arn=account.role_arn,
        extra_args=extra_args,
    )
    assumed = botocore.session.Session()
    assumed.register_component("credential_provider", CredentialResolver([_AssumedRole(fetcher)]))
    return boto3.Session(botocore_session=assumed)
