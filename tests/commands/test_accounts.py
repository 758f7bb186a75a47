"""Accounts: the stack config's aliases, errors at the case file's `account:` key, one session per account."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from provider.aws.accounts import (
    Account,
    AccountConfigError,
    Accounts,
    UnknownAccountError,
    account_problems,
    accounts_from_config,
)
from provider.aws.sessions import Sessions
from provider.casefiles.loader import Case
from tests.commands.conftest import Aws
from tests.commands.sts_local import running_sts

TWO = {"prod": {"profile": "prod"}, "staging": {"roleArn": "arn:aws:iam::222233334444:role/support"}}


def test_without_accounts_the_stack_has_one_account_from_profile_and_role():
    accounts = accounts_from_config(None, None, profile="ops", role_arn="arn:aws:iam::111122223333:role/s")
    assert accounts == Accounts((Account("default", "ops", "arn:aws:iam::111122223333:role/s"),), "default")
    assert accounts.get(None).profile == "ops"
    with pytest.raises(UnknownAccountError) as error:
        accounts.get("prod")
    assert str(error.value) == (
        "unknown account 'prod': supportcases:accounts is not set, so the stack has one account, 'default'"
    )


def test_one_configured_account_is_the_default_and_several_need_one_named():
    assert accounts_from_config({"prod": {"profile": "prod"}}).default == "prod"
    several = accounts_from_config(TWO)
    assert several.default is None
    assert several.get("staging") == Account("staging", role_arn="arn:aws:iam::222233334444:role/support")
    with pytest.raises(UnknownAccountError, match="no account named: add `account:` \\(prod, staging\\)"):
        several.get(None)
    assert accounts_from_config(TWO, "staging").get(None).alias == "staging"


def test_an_account_pickles_without_credentials():
    account = Account("prod", "prod", "arn:aws:iam::111122223333:role/s", "ext-1")
    assert (
        pickle.loads(pickle.dumps(accounts_from_config({"prod": {"profile": "p"}}))).get("prod").profile
        == "p"
    )
    assert pickle.loads(pickle.dumps(account)) == account


@pytest.mark.parametrize(
    ("accounts", "default", "message"),
    [
        (TWO, "dev", "supportcases:defaultAccount 'dev' is not in supportcases:accounts (prod, staging)"),
        (None, "prod", "supportcases:defaultAccount is 'prod' but supportcases:accounts is not set"),
        ({"Prod": {}}, None, "supportcases:accounts.Prod: an account alias is 1 to 63 lowercase"),
        (
            {"prod": {"rolearn": "x"}},
            None,
            "supportcases:accounts.prod: unknown key 'rolearn' (an account takes",
        ),
        ({"prod": {"profile": 3}}, None, "supportcases:accounts.prod.profile: expected a non-empty string"),
        ({"prod": {"roleArn": "admin"}}, None, "supportcases:accounts.prod.roleArn: expected a role ARN"),
        ({"prod": {"externalId": "abc"}}, None, "prod.externalId: an external id goes with a roleArn"),
        (
            {"prod": {"roleArn": "arn:aws:iam::111122223333:role/s", "externalId": "a b"}},
            None,
            "prod.externalId: 2 to 1224 letters",
        ),
        ([], None, "supportcases:accounts must map each account alias"),
    ],
)
def test_malformed_config_names_the_key(accounts, default, message):
    with pytest.raises(AccountConfigError) as error:
        accounts_from_config(accounts, default)
    assert message in str(error.value)


def test_profile_and_role_belong_to_each_account_once_accounts_are_configured():
    with pytest.raises(AccountConfigError, match="give each account its own profile or roleArn"):
        accounts_from_config(TWO, profile="ops")


def test_unknown_and_missing_aliases_are_problems_at_the_account_key(repo: Path):
    (repo / "cases" / "typo.yaml").write_text("subject: S\naccount: prdo\ncommunicationBody: B\n")
    (repo / "cases" / "none.yaml").write_text("# no account\nsubject: S\ncommunicationBody: B\n")
    (repo / "cases" / "good.yaml").write_text(
        "subject: S\n  # note\naccount: staging\ncommunicationBody: B\n"
    )
    cases = [
        Case("typo", "cases/typo.yaml", {"subject": "S", "account": "prdo", "communicationBody": "B"}),
        Case("none", "cases/none.yaml", {"subject": "S", "communicationBody": "B"}),
        Case("good", "cases/good.yaml", {"subject": "S", "account": "staging", "communicationBody": "B"}),
    ]
    problems = account_problems(cases, accounts_from_config(TWO), root=repo)
    assert [str(problem) for problem in problems] == [
        "cases/typo.yaml:2:1: unknown account 'prdo': supportcases:accounts has prod, staging; "
        "did you mean 'prod'?",
        "cases/none.yaml:2:1: no account named: add `account:` (prod, staging) or set "
        "supportcases:defaultAccount in the stack config",
    ]
    assert problems[0].pointer == ("account",)
    assert account_problems(cases[1:], accounts_from_config(TWO, "prod"), root=repo) == []


def test_each_profile_reaches_its_own_account(aws: Aws):
    accounts = accounts_from_config({"prod": {"profile": "prod"}, "staging": {"profile": "staging"}})
    sessions = Sessions()
    aws.endpoint.control.reset_calls()
    for alias in ("prod", "staging"):
        client = sessions.client(accounts.get(alias), "us-east-1", "support")
        client.create_case(subject=f"{alias} case", communicationBody="Opened by the test.")
    calls = [(call["operation"], call["account"]) for call in aws.endpoint.control.calls()]
    assert calls == [("CreateCase", aws.ids["prod"]), ("CreateCase", aws.ids["staging"])]
    for alias, account_id in aws.ids.items():
        listed = aws.client(alias).describe_cases()["cases"]
        assert [case["subject"] for case in listed] == [f"{alias} case"]
        assert listed[0]["caseId"].startswith(f"case-{account_id}-")


def test_a_role_is_assumed_once_with_its_external_id_and_its_cases_land_in_its_account(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
):
    role = "arn:aws:iam::444455556666:role/support-cases"
    account = accounts_from_config(
        {"audit": {"profile": "prod", "roleArn": role, "externalId": "ext-42"}}
    ).get(None)
    sessions = Sessions()
    with running_sts() as sts:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", sts.url)
        first = sessions.client(account, "us-east-1", "support")
        assert sts.requests == []  # nothing is assumed before the first call
        first.create_case(subject="Through the role", communicationBody="Opened by the test.")
        second = sessions.client(account, "us-east-1", "support")
        second.describe_cases()
    assert [(r["Action"], r["RoleArn"], r["ExternalId"], r["RoleSessionName"]) for r in sts.requests] == [
        ("AssumeRole", role, "ext-42", "support-cases-as-code")
    ]
    accounts_called = {call["account"] for call in aws.endpoint.control.calls()[-2:]}
    assert accounts_called == {"444455556666"}
    assert second.describe_cases()["cases"][0]["subject"] == "Through the role"


def test_one_session_per_account_and_region_is_reused(aws: Aws):
    sessions = Sessions()
    prod, staging = Account("prod", "prod"), Account("staging", "staging")
    clients = [sessions.client(account, "us-east-1", "support") for account in (prod, prod, staging)]
    credentials = [client._request_signer._credentials for client in clients]
    assert credentials[0] is credentials[1]  # the same session's credentials
    assert credentials[0] is not credentials[2]
    assert len(sessions._sessions) == 2
