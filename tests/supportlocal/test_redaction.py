"""AWS's redaction of what the customer sends, through boto3 against supportlocal.

S4 (CreateCase and AddCommunicationToCase documentation): AWS secret keys and private keys are replaced
completely by "[REDACTED_BY_Amazon Web Services]", credit card numbers except their last 4 digits
("[REDACTED_BY_Amazon Web Services]-7016"). The fields are not named: supportlocal redacts the subject
too (an assumption, see supportlocal/service/redaction.py for each pattern and its source).
"""

from __future__ import annotations

import pytest

MARK = "[REDACTED_BY_Amazon Web Services]"


def stored(client, case_id) -> tuple[str, list[str]]:
    case = client.describe_cases(caseIdList=[case_id], includeResolvedCases=True)["cases"][0]
    bodies = [c["body"] for c in client.describe_communications(caseId=case_id)["communications"]]
    return case["subject"], bodies


def test_a_card_number_in_the_subject_is_stored_redacted(client, new_case):
    case_id = new_case(
        subject="Refund for card payment 4111 1111 1111 1111", communicationBody="See subject."
    )
    subject, bodies = stored(client, case_id)
    assert subject == f"Refund for card payment {MARK}-1111"
    assert bodies == ["See subject."]
    # The answer to a search by subject is the redacted one: a client matching on the subject it sent
    # finds nothing.
    assert "4111" not in str(client.describe_cases(includeResolvedCases=True)["cases"])


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("card 4111-1111-1111-1111 was charged twice", f"card {MARK}-1111 was charged twice"),
        ("amex 378282246310005", f"amex {MARK}-0005"),  # 15 digits (S32)
        ("visa 4222222222222", f"visa {MARK}-2222"),  # 13 digits
        ("card 6011 0009 9013 9424 and 5555555555554444", f"card {MARK}-9424 and {MARK}-4444"),
        ("secret=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY.", f"secret={MARK}."),
        (
            "key:\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
            "-----END OPENSSH PRIVATE KEY-----\n",
            f"key:\n{MARK}\n",
        ),
    ],
)
def test_what_aws_documents_is_redacted_in_every_customer_message(client, new_case, sent, kept):
    case_id = new_case(subject="Billing", communicationBody=sent)
    client.add_communication_to_case(caseId=case_id, communicationBody=f"again: {sent}")
    assert stored(client, case_id)[1] == [f"again: {kept}", kept]


@pytest.mark.parametrize(
    "text",
    [
        "access key id AKIAIOSFODNN7EXAMPLE",  # S4 names secret keys only, not access key ids
        "account 123456789012, display id 1700000001",  # 12 and 10 digits: too short for a card
        "order 4111 1111 1111 1112",  # fails the Luhn check
        "sha1 3f786850e387550fdab836ed7e6dc881de23001b",  # 40 characters without upper case
        "password hunter2 and token ghp_0123456789abcdefghij",  # not among what S4 names
        "trailer kept\n\n[ref 0123456789]",
    ],
)
def test_what_aws_does_not_name_is_stored_as_sent(client, new_case, text):
    case_id = new_case(subject=text.splitlines()[0], communicationBody=text)
    assert stored(client, case_id) == (text.splitlines()[0], [text])


def test_a_trailer_after_a_redacted_card_survives(client, new_case):
    """A ten-digit reference in brackets on the last line is never joined to a card number before it."""
    body = "Please refund card 4111 1111 1111 1111.\n\n[ref 0123456789]"
    case_id = new_case(communicationBody=body)
    assert stored(client, case_id)[1] == [f"Please refund card {MARK}-1111.\n\n[ref 0123456789]"]


def test_the_engineer_s_replies_are_not_redacted(server, client, new_case):
    case_id = new_case()
    server.control.reply(case_id, "Your card 4111 1111 1111 1111 is on file.")
    assert stored(client, case_id)[1][0] == "Your card 4111 1111 1111 1111 is on file."
