"""The crash harness (bench/crash_harness.py) in small: every declared case and message reaches AWS
exactly once through killed runs, recoveries, refreshes and supportlocal's faults.

Seed 36 makes the three kill trials: creates killed just after a ResolveCase (recover, no refresh),
an update killed just after an AddCommunicationToCase (recover --refresh), and creates killed 0.48 s
after the second CreateCase (recover --refresh). The first two are the defects of issue 9.
"""

from __future__ import annotations

from bench.crash_harness import FAULTS, Settings, Tally, run_harness


def test_three_killed_runs_recover_to_exactly_the_declared_cases_and_messages():
    report = run_harness(Settings(trials=3, seed=36, modes=("kill",), timeout=300))
    assert not report.incomplete
    assert report.findings == []
    assert report.tallies["kill"] == Tally(trials=3, killed=3)


def test_up_converges_through_lost_answers_throttling_and_server_errors():
    report = run_harness(Settings(trials=1, seed=36, modes=tuple(FAULTS), timeout=300))
    assert not report.incomplete
    assert report.findings == []
    assert report.tallies == {mode: Tally(trials=1) for mode in FAULTS}
