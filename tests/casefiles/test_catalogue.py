"""serviceCode, categoryCode and severityCode are checked against the repository's catalogue snapshot."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from provider.casefiles.catalogue import Catalogue, find_catalogue
from provider.casefiles.loader import check_spec
from provider.casefiles.suggest import nearest_codes
from tests.casefiles.repo import VALID, Repo

F = "cases/case.yaml"
PROJECT = Path(__file__).resolve().parents[2]
REFRESH = "`python -m provider catalogue refresh`"


def catalogue(services: list[dict[str, Any]], levels: tuple[str, ...] = ("low", "normal", "high")) -> str:
    return json.dumps(
        {
            "about": "test",
            "services": services,
            "severityLevels": [{"code": code, "name": code.title()} for code in levels],
            "somethingNew": "readers ignore unknown keys",
        }
    )


def service(code: str, *categories: str, verified: bool | None = True) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "code": code,
        "name": code.replace("-", " ").title(),
        "categories": [{"code": category, "name": category.title()} for category in categories],
    }
    if verified is not None:
        entry["verified"] = {"code": True, "categories": verified}
    return entry


SERVICES = [
    service("amazon-dynamodb", "general-guidance", "performance", "other"),
    service("amazon-elastic-compute-cloud-linux", "instance-issue", "general-guidance", verified=None),
    service("service-eks", "general-guidance", "other", verified=False),
    service("elastic-load-balancing", "general-guidance"),
    service("empty", verified=True),
]


@pytest.fixture
def catalogued(repo: Repo) -> Repo:
    repo.write("catalogue/aws-support.json", catalogue(SERVICES))
    return repo


def codes(service_code: str, category: str | None = None, severity: str | None = None) -> str:
    text = VALID + f"serviceCode: {service_code}\n"
    text += f"categoryCode: {category}\n" if category else ""
    return text + (f"severityCode: {severity}\n" if severity else "")


def test_known_codes_pass(catalogued: Repo) -> None:
    assert catalogued.check(codes("amazon-dynamodb", "performance", "high")) == []


@pytest.mark.parametrize(
    ("written", "message"),
    [
        pytest.param(
            "amazon-dynamdb",
            "serviceCode 'amazon-dynamdb' is not a service code in catalogue/aws-support.json"
            " (did you mean 'amazon-dynamodb'?)",
            id="misspelt",
        ),
        pytest.param(
            "amazon-elastic-kubernetes-service",
            "serviceCode 'amazon-elastic-kubernetes-service' is not a service code in"
            " catalogue/aws-support.json (did you mean 'service-eks'?)",
            id="spelt-out-where-aws-abbreviates",
        ),
        pytest.param(
            "elb",
            "serviceCode 'elb' is not a service code in catalogue/aws-support.json"
            " (did you mean 'elastic-load-balancing'?)",
            id="initials",
        ),
        pytest.param(
            "quantum-teleporter",
            "serviceCode 'quantum-teleporter' is not a service code in catalogue/aws-support.json"
            f" (if AWS added it since, run {REFRESH})",
            id="nothing-near",
        ),
    ],
)
def test_unknown_service_names_the_nearest_real_codes(catalogued: Repo, written: str, message: str) -> None:
    assert catalogued.check(codes(written, "general-guidance")) == [f"{F}:3:14: {message}"]


def test_a_category_of_another_service(catalogued: Repo) -> None:
    assert catalogued.check(codes("amazon-dynamodb", "instance-issue")) == [
        f"{F}:4:15: categoryCode 'instance-issue' is not a category of 'amazon-dynamodb' in "
        "catalogue/aws-support.json (its categories: 'general-guidance', 'performance' and 'other')"
    ]


def test_a_misspelt_category(catalogued: Repo) -> None:
    assert catalogued.check(codes("amazon-elastic-compute-cloud-linux", "instance-isue")) == [
        f"{F}:4:15: categoryCode 'instance-isue' is not a category of 'amazon-elastic-compute-cloud-linux'"
        " in catalogue/aws-support.json (did you mean 'instance-issue'?)"
    ]


def test_an_assumed_category_list_is_checked_and_says_so(catalogued: Repo) -> None:
    assert catalogued.check(codes("service-eks", "performance")) == [
        f"{F}:4:15: categoryCode 'performance' is not a category of 'service-eks' in"
        " catalogue/aws-support.json (its categories: 'general-guidance' and 'other'); that list is assumed,"
        f" not verified: {REFRESH} pins your account's real one"
    ]


def test_a_service_without_categories(catalogued: Repo) -> None:
    assert catalogued.check(codes("empty", "other")) == [
        f"{F}:4:15: categoryCode 'other' is not a category of 'empty' in catalogue/aws-support.json"
        " (it lists no categories)"
    ]


def test_category_of_an_unknown_service_is_not_judged(catalogued: Repo) -> None:
    problems = catalogued.check(codes("nope", "anything"))
    assert [problem.split(": ", 1)[1].split(" ")[0] for problem in problems] == ["serviceCode"]


def test_a_severity_the_plan_does_not_offer(catalogued: Repo) -> None:
    assert catalogued.check(codes("amazon-dynamodb", "other", "critical")) == [
        f"{F}:5:15: severityCode 'critical' is not offered in catalogue/aws-support.json (it offers 'low',"
        " 'normal' and 'high'; the levels depend on the support plan)"
    ]


def test_a_value_the_schema_refuses_is_one_problem(catalogued: Repo) -> None:
    assert catalogued.check(codes("service-limit-increase", "other", "hgih")) == [
        f"{F}:3:14: serviceCode 'service-limit-increase' cannot be sent: the Support API does not take"
        " service limit increases; request them with Service Quotas (RequestServiceQuotaIncrease)",
        f"{F}:5:15: severityCode 'hgih' is not one of 'low', 'normal', 'high', 'urgent' or 'critical'"
        " (did you mean 'high'?)",
    ]


def test_check_spec_checks_the_catalogue_too(catalogued: Repo) -> None:
    spec = {"subject": "s", "communicationBody": "b", "serviceCode": "amazon-dynamodb", "categoryCode": "x"}
    assert [problem.pointer for problem in check_spec(spec, source=F, root=catalogued.root)] == [
        ("categoryCode",)
    ]


def test_without_a_catalogue_of_its_own_the_shipped_one_checks(repo: Repo) -> None:
    # A team's repository (`supportcases init`) has no catalogue/: the distribution's snapshot applies.
    assert repo.check(codes("amazon-dynamodb", "general-guidance")) == []
    assert repo.check(codes("anything-at-all")) == [
        f"{F}:3:14: serviceCode 'anything-at-all' is not a service code in the catalogue shipped with"
        f" support-cases-as-code (if AWS added it since, run {REFRESH})"
    ]
    repo.write("catalogue/aws-support.json", catalogue([service("anything-at-all")]))
    assert repo.problems() == []  # the repository's own, once written, wins


def test_a_broken_catalogue_is_a_located_problem(repo: Repo) -> None:
    text = '{"services": [\n  {"code": "x",}\n]}\n'
    repo.write("catalogue/aws-support.json", text)
    repo.write(F, codes("x"))
    with pytest.raises(json.JSONDecodeError) as error:  # its wording and column vary with the Python version
        json.loads(text)
    assert error.value.lineno == 2
    assert repo.problems() == [
        f"catalogue/aws-support.json:2:{error.value.colno}: not valid JSON: {error.value.msg}"
    ]


def test_a_catalogue_of_the_wrong_shape(repo: Repo) -> None:
    repo.write("catalogue/aws-support.json", catalogue([{"code": "x", "name": "X", "categories": "other"}]))
    assert repo.check(codes("x")) == [
        "catalogue/aws-support.json: not an AWS Support catalogue: services[0].categories:"
        " 'other' is not of type 'array'"
    ]


def test_a_changed_catalogue_is_read_again(catalogued: Repo) -> None:
    first = find_catalogue(catalogued.root)
    assert first is not None and "new-service" not in first.services
    path = catalogued.write("catalogue/aws-support.json", catalogue([*SERVICES, service("new-service")]))
    os.utime(path, ns=(1, 1))  # a different modification time, whatever the clock's resolution
    second = find_catalogue(catalogued.root)
    assert second is not None and "new-service" in second.services


@pytest.fixture(scope="module")
def snapshot() -> Catalogue:
    """The repository's own catalogue/aws-support.json."""
    found = find_catalogue(PROJECT)
    assert found is not None
    return found


class TestTheRepositorySnapshot:
    """The pinned catalogue/aws-support.json itself."""

    def test_it_is_a_catalogue_without_service_limit_increase(self, snapshot: Catalogue) -> None:
        assert len(snapshot.services) > 250
        assert "service-limit-increase" not in snapshot.services
        assert snapshot.severities == ("low", "normal", "high", "urgent", "critical")  # S3

    @pytest.mark.parametrize(
        ("service_code", "category_code"),
        [
            ("account-management", "billing"),  # S9: aws-deployment-framework, Control Tower AFT
            ("customer-account", "other-account-issues"),  # S8: openshift aws-account-operator
            ("support-api", "other"),  # S11: a CloudTrail record of a real CreateCase
            ("amazon-virtual-private-cloud", "vpn-solutions"),  # S6: a captured DescribeServices element
            ("amazon-elastic-compute-cloud-linux", "instance-issue"),  # S16, S17
            ("general-info", "using-aws"),  # S1: the AWS CLI describe-services example
        ],
    )
    def test_pairs_production_tools_send_are_accepted(
        self, snapshot: Catalogue, service_code: str, category_code: str
    ) -> None:
        spec = {"serviceCode": service_code, "categoryCode": category_code, "severityCode": "low"}
        assert snapshot.issues(spec, set()) == []

    def test_eks_is_spelt_as_aws_spells_it(self, snapshot: Catalogue) -> None:
        [issue] = snapshot.issues({"serviceCode": "amazon-elastic-kubernetes-service"}, set())
        assert "did you mean 'service-eks'" in issue.message  # S5: AWS lists service-eks


def test_nearest_codes_weigh_rare_words_and_initials() -> None:
    names = {
        "amazon-relational-database-service-mysql": "Relational Database Service MySQL",
        "amazon-relational-database-service-postgresql": "Relational Database Service PostgreSQL",
        "aws-identity-and-access-management": "Identity and Access Management",
        "amazon-simple-queue-service": "Simple Queue Service",
        "amazon-mq": "MQ",
    }
    assert nearest_codes("iam", names) == ["aws-identity-and-access-management"]
    assert nearest_codes("sqs", names) == ["amazon-simple-queue-service"]
    assert nearest_codes("amazon-rds-postgresql", names)[0] == "amazon-relational-database-service-postgresql"
    assert nearest_codes("amazon-s3", names) == []  # "amazon-" alone makes nothing near
