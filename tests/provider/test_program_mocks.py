"""The Pulumi program under Pulumi's own mocks: one SupportCase per file, and broken files stop it."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import dill
import pulumi
import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config as DynamicConfig

from provider.aws.support_api import ApiSettings, SupportApiError
from provider.casefiles.loader import load_cases
from provider.stack.program import CaseFileError, declare_cases, same_case_twice
from provider.stack.resource import SupportCaseProvider, _provider_from
from tests.provider.conftest import write_case


class Mocks(pulumi.runtime.Mocks):
    """Records every declared resource; gives each a caseId so outputs resolve."""

    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(args)
        outs = {**args.inputs, "caseId": f"case-{args.name}", "displayId": "1", "caseStatus": "opened"}
        return f"id-{args.name}", outs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


def run_program(root: Path) -> tuple[Mocks, dict[str, Any]]:
    mocks = Mocks()
    pulumi.runtime.set_mocks(mocks, preview=False)
    exported: dict[str, Any] = {}

    @pulumi.runtime.test
    def program() -> pulumi.Output[Any]:
        resources = declare_cases(str(root / "cases"), ApiSettings())
        return pulumi.Output.all(
            **{name: pulumi.Output.all(r.caseId, r.displayId, r.caseStatus) for name, r in resources.items()}
        ).apply(exported.update)

    program()
    return mocks, exported


BASE = {"subject": "S3 403 on presigned URLs", "communicationBody": "Since 08:00 UTC presigned GETs fail."}


def test_one_resource_per_case_file_named_by_its_path(repo):
    write_case(repo, "prod/s3", BASE)
    write_case(repo, "billing", {**BASE, "subject": "Refund", "issueType": "customer-service"})
    mocks, exported = run_program(repo)
    assert sorted(r.name for r in mocks.resources) == ["billing", "prod/s3"]
    s3 = next(r for r in mocks.resources if r.name == "prod/s3")
    assert s3.inputs["source"] == "cases/prod/s3.yaml"
    assert s3.inputs["spec"]["subject"] == "S3 403 on presigned URLs"
    assert s3.inputs["spec"]["language"] == "en"
    assert exported["prod/s3"] == ["case-prod/s3", "1", "opened"]


def test_a_broken_file_stops_the_program_before_any_resource(repo):
    write_case(repo, "good", BASE)
    (repo / "cases" / "bad.yaml").write_text("subject: x\ncommunicationBody: y\nseverityCode: apocalyptic\n")
    with pytest.raises(CaseFileError, match="1 problem"):
        run_program(repo)


def test_two_files_that_would_open_the_same_case_are_refused(repo):
    write_case(repo, "one", BASE)
    write_case(repo, "two", BASE)
    cases, _ = load_cases([repo / "cases"], root=repo)
    problems = same_case_twice(cases)
    assert [str(p) for p in problems] == [
        "cases/two.yaml: same subject and communicationBody as cases/one.yaml; make them differ"
    ]


def test_hundreds_of_cases_declare_without_a_recursion_error(repo):
    # The SDK's provider serializer nests one pickler frame per resource declared before (RecursionError
    # past about 238 cases); the provider pickles as one bytes value to stay clear of it.
    for index in range(400):
        path = repo / "cases" / f"c{index}.yaml"
        path.write_text(f"subject: Case {index}\ncommunicationBody: Body {index}.\n")
    mocks, exported = run_program(repo)
    assert len(mocks.resources) == 400
    assert exported["c399"][0] == "case-c399"


def test_the_pickled_provider_holds_no_settings_and_names_only_the_stable_entry_point():
    pickled = dill.dumps(
        SupportCaseProvider(ApiSettings(calls_per_second=2.5, cases_per_hour=3)), recurse=True
    )
    assert b"provider.entry" in pickled and b"support_case_provider" in pickled
    for internal in (b"provider.stack", b"provider.aws", b"ApiSettings", b"2.5"):
        assert internal not in pickled
    provider = dill.loads(pickled)
    with pytest.raises(SupportApiError, match="before the engine configured it"):
        _ = provider.settings
    config = {
        "supportcases:callsPerSecond": "2.5",
        "supportcases:accounts": '{"prod": {"roleArn": "arn:aws:iam::111122223333:role/support"}}',
        "supportcases:casesPerHour": "3",
    }
    provider.configure(ConfigureRequest(DynamicConfig(config, "support-cases")))
    assert (provider.settings.calls_per_second, provider.settings.cases_per_hour) == (2.5, 3)
    assert provider.settings.accounts.get("prod").role_arn == "arn:aws:iam::111122223333:role/support"


def test_states_of_the_previous_release_load_their_provider_and_ignore_its_settings():
    old = dill.dumps(_provider_from(pickle.dumps(ApiSettings(calls_per_second=9))))
    provider = dill.loads(old)
    provider.configure(ConfigureRequest(DynamicConfig({}, "support-cases")))
    assert provider.settings == ApiSettings()


def test_stack_config_values_read_alike_from_pulumi_and_from_json():
    settings = ApiSettings.from_config(
        {"callsPerSecond": "2.5", "casesPerHour": 4, "referenceTrailer": "false", "maxAttempts": "3"}
    )
    assert (settings.calls_per_second, settings.cases_per_hour, settings.max_attempts) == (2.5, 4, 3)
    assert settings.reference_trailer is False
    assert ApiSettings.from_config({"referenceTrailer": True}).reference_trailer is True
    with pytest.raises(SupportApiError, match="referenceTrailer must be true or false"):
        ApiSettings.from_config({"referenceTrailer": "yes"})
