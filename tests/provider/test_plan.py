"""The planning core: every transition, attachment splitting, reopen, and properties over random cases."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from provider.planning.changes import render_change_message
from provider.planning.plan import (
    MAX_BODY,
    Action,
    Sent,
    adoption_edits,
    describe_plan,
    plan,
    retire,
    split_body,
    unsendable_edits,
)
from provider.planning.reference import trailing_reference


def spec(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "subject": "RDS failover took 20 minutes",
        "communicationBody": "Our Multi-AZ failover on db-prod took 20 minutes.",
        "serviceCode": "amazon-relational-database-service",
        "categoryCode": "performance",
        "severityCode": "normal",
        "issueType": "technical",
        "language": "en",
        "ccEmailAddresses": [],
        "attachments": [],
        "communications": [],
        "status": "open",
    }
    base.update(overrides)
    return base


def message(body: str, cc: list[str] | None = None, attachments: list[str] | None = None) -> dict[str, Any]:
    return {"communicationBody": body, "ccEmailAddresses": cc or [], "attachments": attachments or []}


def after(actions: list[Action]) -> Sent:
    return actions[-1].then


def ops(actions: list[Action]) -> list[str]:
    return [action.op for action in actions]


# --- create -------------------------------------------------------------------------------------------


def test_create_opens_one_case_with_every_set_field():
    actions = plan(None, spec(ccEmailAddresses=["ops@example.com"]))
    assert ops(actions) == ["create"]
    create = actions[0]
    assert create.create == {
        "subject": "RDS failover took 20 minutes",
        "communicationBody": "Our Multi-AZ failover on db-prod took 20 minutes.",
        "serviceCode": "amazon-relational-database-service",
        "categoryCode": "performance",
        "severityCode": "normal",
        "issueType": "technical",
        "language": "en",
        "ccEmailAddresses": ["ops@example.com"],
    }
    assert create.cc == ("ops@example.com",)
    assert create.then.messages == ()
    assert create.then.status == "open"


def test_create_leaves_unset_optional_fields_out():
    actions = plan(None, spec(serviceCode=None, categoryCode=None, severityCode=None))
    assert set(actions[0].create) == {"subject", "communicationBody", "issueType", "language"}


def test_create_with_four_attachments_sends_the_fourth_in_a_follow_up():
    files = ["a.log", "b.log", "c.log", "d.log"]
    actions = plan(None, spec(attachments=files))
    assert ops(actions) == ["create", "send"]
    assert actions[0].attachments == ("a.log", "b.log", "c.log")
    assert actions[1].attachments == ("d.log",)
    assert actions[1].body == "Attachments 4 of 4 for the case description: d.log"


def test_create_with_seven_attachments_splits_three_per_set():
    files = [f"f{i}.txt" for i in range(7)]
    actions = plan(None, spec(attachments=files))
    assert [a.attachments for a in actions] == [
        ("f0.txt", "f1.txt", "f2.txt"),
        ("f3.txt", "f4.txt", "f5.txt"),
        ("f6.txt",),
    ]
    assert "Attachments 4-6 of 7" in actions[1].body


def test_create_sends_listed_communications_in_order_after_the_case():
    comms = [message("first"), message("second", cc=["a@example.com"], attachments=["x.txt"])]
    actions = plan(None, spec(communications=comms))
    assert ops(actions) == ["create", "send", "send"]
    assert [a.body for a in actions[1:]] == ["first", "second"]
    assert actions[2].cc == ("a@example.com",)
    assert actions[2].attachments == ("x.txt",)
    assert [len(a.then.messages) for a in actions] == [0, 1, 2]


def test_create_of_a_resolved_case_opens_then_resolves():
    actions = plan(None, spec(status="resolved"))
    assert ops(actions) == ["create", "resolve"]
    assert after(actions).status == "resolved"


def test_adopt_by_case_id_sends_nothing_and_records_everything_as_said():
    comms = [message("earlier message")]
    actions = plan(None, spec(caseId="case-123456789012-2026-0123456789abcdef", communications=comms))
    assert ops(actions) == ["adopt"]
    assert actions[0].case_ref == {"caseId": "case-123456789012-2026-0123456789abcdef"}
    assert after(actions) == Sent.declared(spec(communications=comms))
    assert plan(after(actions), spec(communications=comms)) == []


def test_adopt_by_display_id():
    actions = plan(None, spec(displayId="1234567890"))
    assert actions[0].case_ref == {"displayId": "1234567890"}


# --- update -------------------------------------------------------------------------------------------


def test_unchanged_case_plans_nothing():
    current = spec(communications=[message("one")])
    assert plan(Sent.declared(current), current) == []


def test_appended_messages_send_one_communication_each_in_order():
    old = spec(communications=[message("one")])
    new = spec(communications=[message("one"), message("two"), message("three", cc=["b@example.com"])])
    actions = plan(Sent.declared(old), new)
    assert ops(actions) == ["send", "send"]
    assert [a.body for a in actions] == ["two", "three"]
    assert actions[1].cc == ("b@example.com",)
    assert after(actions) == Sent.declared(new)


def test_message_with_five_attachments_is_followed_by_the_remaining_two():
    old = spec()
    new = spec(communications=[message("logs", attachments=["1", "2", "3", "4", "5"])])
    actions = plan(Sent.declared(old), new)
    assert [a.attachments for a in actions] == [("1", "2", "3"), ("4", "5")]
    assert actions[1].body == "Attachments 4-5 of 5 for message 1 of communications: 4, 5"


def test_severity_edit_sends_one_change_message():
    actions = plan(Sent.declared(spec()), spec(severityCode="high"))
    assert ops(actions) == ["send"]
    assert "Requested severity change: normal -> high" in actions[0].body
    assert after(actions).fields["severityCode"] == "high"


def test_change_message_carries_the_new_cc_list():
    actions = plan(Sent.declared(spec()), spec(ccEmailAddresses=["new@example.com"], subject="Failover slow"))
    assert ops(actions) == ["send"]
    assert actions[0].cc == ("new@example.com",)
    assert "CC list change: added new@example.com." in actions[0].body
    assert "Subject change: 'RDS failover took 20 minutes' -> 'Failover slow'" in actions[0].body


def test_every_stated_field_edit_is_named():
    new = spec(
        serviceCode="amazon-elastic-compute-cloud-linux",
        categoryCode="other",
        issueType="customer-service",
        language="ja",
        communicationBody="A new description.",
    )
    body = plan(Sent.declared(spec()), new)[0].body
    for words in (
        "Requested service change: amazon-relational-database-service -> amazon-elastic-compute-cloud-linux",
        "Requested category change: performance -> other",
        "Requested issue type change: technical -> customer-service",
        "Requested language change: en -> ja",
        "Updated description:\n\nA new description.",
    ):
        assert words in body


def test_unsetting_a_field_is_stated():
    body = plan(Sent.declared(spec()), spec(severityCode=None))[0].body
    assert "Requested severity change: normal -> (not set)" in body


def test_reordering_cc_addresses_says_nothing():
    old = spec(ccEmailAddresses=["a@example.com", "b@example.com"])
    new = spec(ccEmailAddresses=["b@example.com", "a@example.com"])
    assert plan(Sent.declared(old), new) == []


def test_field_edit_and_new_message_go_in_that_order():
    new = spec(severityCode="urgent", communications=[message("production is down now")])
    actions = plan(Sent.declared(spec()), new)
    assert "severity change" in actions[0].body
    assert actions[1].body == "production is down now"
    assert after(actions) == Sent.declared(new)


def test_attachment_added_to_the_case_goes_out_in_a_message():
    old = spec(attachments=["a.log"])
    actions = plan(Sent.declared(old), spec(attachments=["a.log", "b.log"]))
    assert ops(actions) == ["send"]
    assert actions[0].attachments == ("b.log",)
    assert actions[0].body == "Attachments 2 of 2 for the case description: b.log"


def test_long_description_edit_is_split_under_the_body_limit():
    new = spec(communicationBody="x" * 7900)
    actions = plan(Sent.declared(spec()), new)
    assert len(actions) == 2
    assert all(len(a.body) <= MAX_BODY for a in actions)
    assert "part 1 of 2" in actions[0].summary


# --- status -------------------------------------------------------------------------------------------


def test_open_to_resolved_resolves():
    actions = plan(Sent.declared(spec()), spec(status="resolved"))
    assert ops(actions) == ["resolve"]
    assert after(actions).status == "resolved"


def test_resolved_to_open_reopens_with_a_message():
    actions = plan(Sent.declared(spec(status="resolved")), spec(status="open"))
    assert ops(actions) == ["send"]
    assert actions[0].body.startswith("Reopening this case")
    assert after(actions).status == "open"


def test_reopen_with_a_new_message_needs_no_extra_reopen_note():
    new = spec(status="open", communications=[message("it happened again")])
    actions = plan(Sent.declared(spec(status="resolved")), new)
    assert [a.body for a in actions] == ["it happened again"]
    assert after(actions).status == "open"


def test_message_to_a_case_that_stays_resolved_resolves_it_again():
    old = spec(status="resolved")
    new = spec(status="resolved", communications=[message("for the record: root cause found")])
    actions = plan(Sent.declared(old), new)
    assert ops(actions) == ["send", "resolve"]


def test_removed_file_resolves_the_case_also_when_recorded_resolved():
    """Model finding F15: a killed run's reopen message went out and the state never heard; the file was
    then removed, and a plan from the record (resolved) left the reopened case open for good."""
    actions = retire(Sent.declared(spec()))
    assert ops(actions) == ["resolve"]
    again = retire(after(actions))
    assert ops(again) == ["resolve"] and "unless an interrupted run reopened it" in again[0].summary


# --- sent mail cannot be unsent -----------------------------------------------------------------------


def test_editing_a_sent_message_is_refused_with_its_number():
    old = spec(communications=[message("one"), message("two")])
    new = spec(communications=[message("one"), message("TWO")])
    problems = unsendable_edits(Sent.declared(old), new)
    assert problems == [
        (
            ("communications", 1, "communicationBody"),
            "message 2 of communications was already sent to AWS; its communicationBody cannot be edited "
            "(sent mail cannot be unsent)",
        )
    ]


def test_removing_a_sent_message_is_refused():
    old = spec(communications=[message("one"), message("two")])
    problems = unsendable_edits(Sent.declared(old), spec(communications=[message("one")]))
    assert problems[0][0] == ("communications",)
    assert "message 2 of communications was already sent to AWS and cannot be removed" in problems[0][1]


def test_removing_a_sent_attachment_is_refused():
    problems = unsendable_edits(Sent.declared(spec(attachments=["a.log"])), spec(attachments=[]))
    assert problems[0][0] == ("attachments",)


def test_appending_is_allowed():
    old = spec(communications=[message("one")])
    new = spec(communications=[message("one"), message("two")])
    assert unsendable_edits(Sent.declared(old), new) == []


# --- rendering ----------------------------------------------------------------------------------------


def test_describe_plan_shows_exactly_what_is_sent():
    text = describe_plan(plan(Sent.declared(spec()), spec(communications=[message("line 1\nline 2")])))
    assert text == "1. AddCommunicationToCase: message 1 of communications\n  | line 1\n  | line 2"
    assert describe_plan([]) == "no changes: nothing will be sent to AWS"


def test_render_change_message_is_none_without_changes():
    assert render_change_message(spec(), copy.deepcopy(spec())) is None


def test_split_body_prefers_line_breaks():
    parts = split_body("a" * 5 + "\n" + "b" * 5, limit=8)
    assert parts == ["aaaaa", "bbbbb"]
    assert split_body("c" * 20, limit=8) == ["c" * 8, "c" * 8, "c" * 4]


def test_sent_record_round_trips_through_json():
    sent = Sent.declared(spec(communications=[message("one", attachments=["a"])]))
    assert Sent.from_json(sent.to_json()) == sent


# --- properties ---------------------------------------------------------------------------------------

names = st.text(alphabet="abcdefgh", min_size=1, max_size=4).map(lambda s: s + ".log")
emails = st.sampled_from(["a@example.com", "b@example.com", "c@example.org"])
messages = st.builds(
    message,
    st.text(min_size=1, max_size=40),
    st.lists(emails, max_size=2, unique=True),
    st.lists(names, max_size=7),
)
specs = st.builds(
    spec,
    subject=st.text(min_size=1, max_size=20),
    severityCode=st.sampled_from(["low", "normal", "high", "urgent", "critical"]),
    ccEmailAddresses=st.lists(emails, max_size=3, unique=True),
    attachments=st.lists(names, max_size=8),
    communications=st.lists(messages, max_size=4),
    status=st.sampled_from(["open", "resolved"]),
)


def grow(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``new`` made a legal edit of ``old``: sent messages and attachments kept, new ones appended."""
    grown = copy.deepcopy(new)
    grown["communications"] = old["communications"] + new["communications"]
    grown["attachments"] = old["attachments"] + new["attachments"]
    return grown


@settings(max_examples=200, deadline=None)
@given(specs)
def test_created_case_converges(declared):
    actions = plan(None, declared)
    assert ops(actions)[0] == "create"
    assert plan(after(actions), declared) == []


@settings(max_examples=200, deadline=None)
@given(specs, specs)
def test_legal_edit_converges_and_sends_each_new_thing_once(first, second):
    second = grow(first, second)
    assert unsendable_edits(Sent.declared(first), second) == []
    actions = plan(Sent.declared(first), second)
    assert all(a.op in ("send", "resolve") for a in actions)  # never a second case
    final = after(actions) if actions else Sent.declared(first)
    assert plan(final, second) == []
    new_bodies = [m["communicationBody"] for m in second["communications"][len(first["communications"]) :]]
    sent_bodies = [a.body for a in actions if a.op == "send"]
    assert [b for b in sent_bodies if b in new_bodies] == new_bodies
    sent_files = [f for a in actions for f in a.attachments]
    expected = second["attachments"][len(first["attachments"]) :] + [
        f for m in second["communications"][len(first["communications"]) :] for f in m["attachments"]
    ]
    assert sent_files == expected


@settings(max_examples=200, deadline=None)
@given(specs)
def test_every_action_respects_api_limits(declared):
    for action in plan(None, declared) + plan(Sent.declared(spec()), declared):
        assert len(action.attachments) <= 3
        assert len(action.body) <= MAX_BODY


def test_outbox_entry_keeps_every_line_of_the_message():
    actions = plan(None, spec(communicationBody="line 1\nline 2", attachments=["a.log"]))
    entry = actions[0].outbox_entry()
    assert entry["call"] == "CreateCase"
    assert entry["severityCode"] == "normal"
    assert entry["attachments"] == ["a.log"]
    assert entry["communicationBody"] == ["line 1", "line 2"]


def test_a_managed_case_cannot_start_naming_another_case():
    problems = adoption_edits(spec(), spec(caseId="case-1-2026-ab"))
    assert problems == [
        (
            ("caseId",),
            "this file already manages a support case; caseId cannot be added or changed here "
            "(adopt another case from a new case file)",
        )
    ]
    assert adoption_edits(spec(displayId="1"), spec(displayId="1")) == []
    assert adoption_edits(spec(displayId="1"), spec()) == []


def test_a_long_message_ending_in_blank_lines_has_no_empty_part():
    parts = split_body("x" * 7900 + "\n" * 400)
    assert [part.strip() for part in parts] == ["x" * 7900]


def test_trailer_gives_every_body_a_stable_reference_within_the_limit():
    declared = spec(communicationBody="d" * 7990, communications=[message("first"), message("first")])
    actions = plan(None, declared, key="demo/rds")
    assert [a.op for a in actions] == ["create", "send", "send", "send"]
    assert all(len(a.body) <= MAX_BODY for a in actions)
    assert actions[0].create["communicationBody"] == actions[0].body
    refs = [trailing_reference(a.body) for a in actions]
    assert all(refs)
    assert len(set(refs)) == 4  # equal bodies at different points stay apart
    assert plan(None, declared, key="demo/rds") == actions  # the same plan gives the same references
    assert trailing_reference(plan(None, declared, key="demo/other")[0].body) != refs[0]
    assert plan(None, declared)[0].body == "d" * 7982  # trailer off: the text as written, split alike
