"""The sync pull request's body: whole when it fits, cut to what a forge takes when it does not."""

from __future__ import annotations

from provider.sync.request import BODY_LIMIT, Change, body, marker


def changes(count: int) -> list[Change]:
    return [
        Change(
            f"cases/team/case{n:04}.thread.md",
            f"team/case{n:04}",
            f"cases/team/case{n:04}.yaml",
            f"17000{n:05}",
            1,
            "unassigned",
            "pending-customer-action",
        )
        for n in range(count)
    ]


def test_a_body_that_fits_holds_every_transcript_and_the_status():
    text = body("prod", changes(3), "| case | status |\n| --- | --- |\n| a | open |\n")
    assert text.startswith(marker("prod") + "\n")
    assert text.count("| `team/case") == 3 and "| a | open |" in text


def test_a_thousand_replies_and_a_long_status_fit_what_github_takes():
    status = "".join(f"| team/case{n:04} | pending-customer-action | {'x' * 150} |\n" for n in range(1000))
    text = body("prod", changes(1000), status, ["@acme/sre"])
    assert len(text) <= BODY_LIMIT
    assert text.startswith(marker("prod") + "\n")
    assert "`python -m provider status --stack prod`" in text and "x" * 150 not in text
    shown = text.count("| `team/case")
    assert 0 < shown < 1000
    assert f"| … | {1000 - shown} more transcripts: see the branch | | |" in text
    assert (
        text.rstrip().endswith("do not commit to it.")
        and "Code owners of these case files: @acme/sre" in text
    )
