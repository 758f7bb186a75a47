"""DescribeCases and DescribeCommunications filters: afterTime/beforeTime at the shown precision, language.

The API reference (S4, DescribeCases and DescribeCommunications; same text on the live pages) calls
afterTime "the start date" and beforeTime "the end date for a filtered date search" and says nothing
about whether the bounds are inclusive. supportlocal keeps both bounds inclusive at the millisecond
precision every timeCreated is shown with (S22: ``2020-03-23T21:31:47.774Z``), so an item's own
timeCreated passed back as either bound keeps that item (an SDK-conformance run found it dropped).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError


def shifted(shown: str, milliseconds: int) -> str:
    moment = datetime.strptime(shown, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return (moment + timedelta(milliseconds=milliseconds)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def case_ids(client, **filters) -> list[str]:
    return [c["caseId"] for c in client.describe_cases(includeResolvedCases=True, **filters)["cases"]]


def test_a_case_s_own_time_created_keeps_it_in_either_bound(client, new_case):
    case_id = new_case()
    shown = client.describe_cases(caseIdList=[case_id])["cases"][0]["timeCreated"]
    assert case_ids(client, beforeTime=shown) == [case_id]
    assert case_ids(client, afterTime=shown) == [case_id]
    assert case_ids(client, afterTime=shown, beforeTime=shown) == [case_id]
    assert case_ids(client, caseIdList=[case_id], beforeTime=shown) == [case_id]
    # One millisecond either side leaves it out: the bounds are exact at the shown precision.
    assert case_ids(client, beforeTime=shifted(shown, -1)) == []
    assert case_ids(client, afterTime=shifted(shown, 1)) == []


def test_a_communication_s_own_time_created_keeps_it_in_either_bound(server, client, new_case):
    case_id = new_case(communicationBody="first")
    server.control.advance_clock(60)
    client.add_communication_to_case(caseId=case_id, communicationBody="second")
    first, second = reversed(client.describe_communications(caseId=case_id)["communications"])

    def bodies(**filters) -> list[str]:
        answer = client.describe_communications(caseId=case_id, **filters)["communications"]
        return [c["body"] for c in answer]

    assert bodies(beforeTime=first["timeCreated"]) == ["first"]
    assert bodies(afterTime=second["timeCreated"]) == ["second"]
    assert bodies(afterTime=first["timeCreated"], beforeTime=second["timeCreated"]) == ["second", "first"]
    assert bodies(beforeTime=shifted(first["timeCreated"], -1)) == []
    assert bodies(afterTime=shifted(second["timeCreated"], 1)) == []


def test_a_bound_finer_than_a_millisecond_compares_at_the_millisecond(client, new_case):
    case_id = new_case()
    shown = client.describe_cases(caseIdList=[case_id])["cases"][0]["timeCreated"]
    finer = shown.removesuffix("Z") + "999+00:00"  # the same millisecond, 999 microseconds in
    assert case_ids(client, afterTime=finer) == [case_id]
    assert case_ids(client, beforeTime=finer) == [case_id]


def test_the_language_filter_answers_the_cases_handled_in_that_language(client, new_case):
    # S4 (DescribeCasesRequest.language): "The language in which Amazon Web Services Support handles the
    # case".
    english, japanese = new_case(language="en"), new_case(language="ja")
    assert case_ids(client, language="ja") == [japanese]
    assert case_ids(client, language="en") == [english]
    assert case_ids(client, language="ko") == []
    assert case_ids(client) == [japanese, english]  # without it: every language (assumption)
    assert case_ids(client, caseIdList=[japanese], language="en") == []  # a filter like the others
    assert case_ids(client, caseIdList=[japanese, english], language="ja") == [japanese]


def test_a_language_the_service_lacks_is_refused_as_at_create_case(client, new_case):
    new_case()
    with pytest.raises(ClientError) as refused:
        client.describe_cases(language="xx")
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "Invalid language: xx" in refused.value.response["Error"]["Message"]
