"""Performance at N cases: Support API calls, time and memory through the real engine, next to its floor.

Usage: .venv/bin/python -m bench.perf_bench [--sizes 100 1000] [--repeat 3] [--validate-files 5000]
                                            [--paced-create 100] [--seed 11] [--results bench/RESULTS.md]
                                            [--label NAME] [--profile DIR] [--keep DIR]

Not a test. It generates case files (fixed seed, real service and category pairs from
``catalogue/aws-support.json``), stages throwaway copies of the project against one supportlocal and
drives the real ``pulumi`` CLI (``tools/env.sh``). In this order:

1. ``python -m provider validate`` next to ``check-jsonschema`` on N and ``--validate-files`` files
   (bench/validate_bench.py's method, in a folder with the catalogue snapshot).
2. ``--paced-create`` N (0: skip): ``up`` of N new cases at the default 5 calls per second, with
   supportlocal enforcing 5 per second, to show how the call count of creating depends on the pace.
3. For each size N: ``up`` of N new cases as fast as the machine goes (supportlocal's quotas off, the
   stack's ``supportcases:callsPerSecond`` / ``casesPerHour`` raised), its calls reported with the time
   they need at AWS's 5 per second. In another account, N cases opened beforehand (with boto3) are
   adopted by caseId; this stack runs at the default pace with supportlocal enforcing it, so its times
   are what AWS's quota allows. On it: AWS replies to a tenth of the cases, ``refresh`` brings the
   replies back, ``up`` adds a message to another tenth. Then a floor stack of N no-op dynamic
   resources with the same inputs is ``up``'d, and an unchanged ``preview`` of each is timed
   ``--repeat`` times, alternately; bench/preview_costs.py times our code's share of it.

Calls come from supportlocal's call log, per account. Peak memory is the provider process's VmHWM.
A ``pulumi`` command that fails is reported with its error, and the rest of that size is skipped.
It rewrites its block of figures (``--label``) in ``--results`` after each step (the rest of the file is
kept), so a run cut short keeps what it measured.
With ``--profile DIR`` the operations of the largest size also run under py-spy (bench/requirements.txt):
collapsed stacks and a summary of the hottest functions land in DIR, and the results file is left alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from bench import perfcases
from bench.engine_runs import Run, RunFailed, run
from bench.profile_summary import summarise
from bench.validate_bench import median_seconds
from provider.casefiles.loader import load_cases
from provider.stack.resource import case_inputs
from provider.stack.types import CASE_TYPES
from supportlocal.client import ControlClient
from supportlocal.launcher import Endpoint, running_server
from tests.helpers.pulumi_cli import ROOT, PulumiProject, copy_project, offline_env
from tests.helpers.staged_project import staged_project

QUOTA_PER_SECOND = 5.0  # AWS Support API: 5 operations per second per account (S20)
FAST = {"supportcases:callsPerSecond": "1000", "supportcases:casesPerHour": "1000000"}
PROJECT = "support-cases"  # Pulumi.yaml's name: the reference key is project/stack/case
STACK = "bench"
DEFAULT_LABEL = "Figures"
Figures = dict[int, dict[str, float]]  # size -> step -> seconds
TIMEOUT = 3600.0
CODE = ("Pulumi.yaml", "__main__.py", "provider", "schemas", "catalogue", "supportlocal")  # what is measured


@dataclass
class Measured:
    """One measured operation at one size."""

    size: int
    operation: str
    units: int  # what the calls are counted per: cases or messages
    unit: str
    seconds: list[float]
    calls: Counter[str]
    refused: Counter[str] = field(default_factory=Counter)  # calls answered with an error, by code
    peak_kib: int = 0  # the provider process's
    engine_kib: int = 0  # the pulumi CLI's (the engine)
    cpu: dict[str, float] = field(default_factory=dict)
    failure: str = ""  # why the command failed (then the size's later steps are skipped)

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


class World:
    """One supportlocal, a scratch directory and the options of the run."""

    def __init__(self, endpoint: Endpoint, scratch: Path, args: argparse.Namespace) -> None:
        self.endpoint = endpoint
        self.control: ControlClient = endpoint.control
        self.scratch = scratch
        self.args = args
        self.failures: list[Measured] = []

    def project(self, name: str, account: str) -> PulumiProject:
        project = staged_project(self.scratch / name, self.endpoint.url, f"AKIA{account}", stack=STACK)
        project.timeout = TIMEOUT
        return project

    def measure(
        self,
        size: int,
        operation: str,
        project: PulumiProject,
        account: str,
        args: tuple[str, ...],
        units: tuple[int, str],
    ) -> Measured:
        """Run ``pulumi ARGS`` once and count the Support API calls ``account`` made meanwhile."""
        self.control.reset_calls()
        profile = self.profile_path(size, operation)
        try:
            result = run(project, *args, profile=profile)
        except RunFailed as failed:
            calls, refused = self.calls(account)
            print(f"  {operation} FAILED: {failed.reason}", flush=True)
            self.failures.append(
                Measured(size, operation, units[0], units[1], [], calls, refused, failure=failed.reason)
            )
            raise
        if profile is not None:
            write_summary(profile, result)
        calls, refused = self.calls(account)
        measured = Measured(size, operation, units[0], units[1], [result.seconds], calls, refused)
        _keep_process_figures(measured, result)
        print(
            f"  {operation}: {_fmt_seconds(result.seconds)}, {measured.total} calls {dict(calls)}", flush=True
        )
        return measured

    def calls(self, account: str) -> tuple[Counter[str], Counter[str]]:
        """Support API calls of ``account`` since the last reset: by operation, and refused by error code."""
        log = [call for call in self.control.calls() if call["account"] == account]
        refused = Counter(call["outcome"] for call in log if call["outcome"] != "ok")
        return Counter(call["operation"] for call in log), refused

    def profile_path(self, size: int, operation: str) -> Path | None:
        if self.args.profile is None or size != max(self.args.sizes):
            return None
        self.args.profile.mkdir(parents=True, exist_ok=True)
        return self.args.profile / f"{size}-{re.sub(r'[^a-z0-9]+', '-', operation).strip('-')}.txt"


def write_summary(profile: Path, result: Run) -> None:
    """The hottest functions of each profiled process of one run, in one text file next to the stacks."""
    text = "\n\n".join(summarise(path, top=15) for path in result.profiles)
    profile.with_suffix(".summary.txt").write_text(
        text or "no Python process was profiled\n", encoding="utf-8"
    )


def _keep_process_figures(measured: Measured, result: Run) -> None:
    measured.peak_kib = max(measured.peak_kib, result.peak_kib["provider"])
    measured.engine_kib = max(measured.engine_kib, result.peak_kib["engine"])
    for kind, seconds in result.cpu_seconds.items():
        measured.cpu.setdefault(kind, 0.0)
        measured.cpu[kind] += seconds


def _fmt_seconds(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _accounts(size: int) -> dict[str, str]:
    """Distinct supportlocal accounts per size and purpose (12 digits in the access key id)."""
    return {
        purpose: f"{digit}{size:011d}" for purpose, digit in (("create", "1"), ("adopt", "2"), ("paced", "3"))
    }


# --- the steps ---------------------------------------------------------------------------------------


def create_cases(world: World, size: int, account: str, operation: str, fast: bool) -> Measured:
    """``up`` of ``size`` new cases on a fresh stack of ``account``."""
    project = world.project(f"{operation.replace(' ', '-')}-{size}", account)
    for key, value in FAST.items():
        if fast or key.endswith("casesPerHour"):
            project.config_set(key, value)
    perfcases.write_cases(project.workdir / "cases", perfcases.case_documents(size, world.args.seed))
    measured = world.measure(
        size, operation, project, account, ("up", "--yes", "--skip-preview"), (size, "case")
    )
    _expect(measured.calls["CreateCase"] == size, f"{operation}: {measured.calls['CreateCase']} CreateCase")
    return measured


def open_directly(world: World, account: str, documents: list[dict[str, Any]]) -> list[str]:
    """Open the cases at supportlocal with boto3 (as if from the console): their caseIds, in order."""
    client = boto3.client(
        "support",
        region_name="us-east-1",
        endpoint_url=world.endpoint.url,
        aws_access_key_id=f"AKIA{account}",
        aws_secret_access_key="bench-secret",
    )
    fields = (
        "subject",
        "communicationBody",
        "serviceCode",
        "categoryCode",
        "severityCode",
        "ccEmailAddresses",
    )
    return [
        client.create_case(**{key: value for key, value in document.items() if key in fields})["caseId"]
        for document in documents
    ]


def lifecycle(world: World, size: int, account: str) -> tuple[list[Measured], PulumiProject]:
    """Adopt ``size`` cases, refresh after AWS replied to a tenth, add a message to another tenth."""
    documents = perfcases.case_documents(size, world.args.seed + 1)
    world.control.set_quotas(calls_per_second=None, cases_per_hour=None)
    case_ids = open_directly(world, account, documents)
    world.control.set_quotas(calls_per_second=QUOTA_PER_SECOND, cases_per_hour=None)
    project = world.project(f"lifecycle-{size}", account)
    cases = project.workdir / "cases"
    adopted = [{**document, "caseId": case_id} for document, case_id in zip(documents, case_ids, strict=True)]
    paths = perfcases.write_cases(cases, adopted)
    tenth = max(1, size // 10)
    results = [
        world.measure(size, "adopt", project, account, ("up", "--yes", "--skip-preview"), (size, "case"))
    ]
    _expect(results[-1].calls.keys() <= {"DescribeCases"}, f"adopt called {dict(results[-1].calls)}")

    replied = case_ids[::10][:tenth]
    for case_id in replied:
        world.control.reply(case_id, "We are looking into it.", status="pending-customer-action")
    results.append(
        world.measure(
            size, "refresh", project, account, ("refresh", "--yes", "--skip-preview"), (size, "case")
        )
    )
    replies = _replies_in_state(project)
    _expect(replies == len(replied), f"refresh brought back {replies} replies, AWS sent {len(replied)}")

    messaged = list(range(5, size, 10))[:tenth]
    for n in messaged:
        adopted[n]["communications"] = [perfcases.follow_up(n, world.args.seed)]
        perfcases.write_case(paths[n], adopted[n])
    up = world.measure(
        size, "add a message", project, account, ("up", "--yes", "--skip-preview"), (len(messaged), "message")
    )
    _expect(up.calls["AddCommunicationToCase"] == len(messaged), f"messages: {dict(up.calls)}")
    results.append(up)
    return results, project


def previews(world: World, size: int, ours: PulumiProject, account: str) -> list[Measured]:
    """``up`` of the floor stack, then an unchanged ``preview`` of ours and of the floor's, alternated
    ``--repeat`` times."""
    floor, created = floor_stack(world, size, ours)
    measured = {
        name: Measured(size, name, size, "case", [], Counter()) for name in ("preview", "preview (floor)")
    }
    for attempt in range(world.args.repeat):
        for name, project in (("preview", ours), ("preview (floor)", floor)):
            world.control.reset_calls()
            profile = world.profile_path(size, name) if attempt == 0 else None
            result = run(project, "preview", "--expect-no-changes", profile=profile)
            if profile is not None:
                write_summary(profile, result)
            measured[name].seconds.append(result.seconds)
            calls, refused = world.calls(account)
            measured[name].calls += calls
            measured[name].refused += refused
            _keep_process_figures(measured[name], result)
    for item in measured.values():
        item.cpu = {kind: seconds / world.args.repeat for kind, seconds in item.cpu.items()}
        print(f"  {item.operation}: median {_fmt_seconds(item.median)} of {item.seconds}, {item.total} calls")
    return [created, measured["preview"], measured["preview (floor)"]]


def floor_stack(world: World, size: int, ours: PulumiProject) -> tuple[PulumiProject, Measured]:
    """N no-op dynamic resources whose inputs are those our program gives its N cases, and its ``up``."""
    workdir = copy_project(ROOT / "bench" / "floor", world.scratch / f"floor-{size}")
    cases, problems = load_cases([ours.workdir / "cases"], root=ours.workdir)
    _expect(not problems, f"case files have problems: {problems[:3]}")
    entries = [
        {"name": case.name, "props": case_inputs(case, f"{PROJECT}/{STACK}/{case.name}")} for case in cases
    ]
    (workdir / "inputs.json").write_text(json.dumps(entries), encoding="utf-8")
    floor = PulumiProject(workdir, stack="floor", timeout=TIMEOUT)
    floor.init()
    result = run(floor, "up", "--yes", "--skip-preview")
    created = Measured(size, "create (floor)", size, "case", [result.seconds], Counter())
    _keep_process_figures(created, result)
    print(f"  create (floor): {_fmt_seconds(result.seconds)}", flush=True)
    return floor, created


def preview_costs(ours: PulumiProject) -> dict[str, float]:
    """Seconds per step of an unchanged preview in our code, outside the engine (bench/preview_costs.py)."""
    state = ours.workdir.parent / f"{ours.workdir.name}-state.json"
    state.write_text(json.dumps(ours.export_state()), encoding="utf-8")
    script = ROOT / "bench" / "preview_costs.py"
    result = subprocess.run(
        [sys.executable, str(script), str(state), "--stack", STACK],
        cwd=ours.workdir,
        capture_output=True,
        text=True,
        check=False,
    )
    _expect(result.returncode == 0, f"preview_costs failed:\n{result.stdout}{result.stderr}")
    figures: dict[str, float] = json.loads(result.stdout)
    print(f"  in-process costs: {figures}", flush=True)
    return figures


def _replies_in_state(project: PulumiProject) -> int:
    resources = project.export_state()["deployment"].get("resources") or []
    return sum(len(r["outputs"].get("replies") or []) for r in resources if r["type"] in CASE_TYPES)


def validate(size: int, seed: int, repeat: int, scratch: Path) -> dict[str, float]:
    """Median seconds of ``python -m provider validate`` and of check-jsonschema on ``size`` files (in a
    folder with the catalogue snapshot, as a repository has; check-jsonschema checks the schema only)."""
    directory = scratch / f"validate-{size}"
    paths = perfcases.write_cases(directory / "cases", perfcases.case_documents(size, seed))
    # As in a repository: validate also checks service, category and severity against the catalogue.
    shutil.copytree(ROOT / "catalogue", directory / "catalogue")
    files = [str(path.relative_to(directory)) for path in paths]
    checker = str(Path(sys.executable).parent / "check-jsonschema")
    schema = str(ROOT / "schemas" / "case.schema.json")
    figures = {
        "validate": median_seconds(
            [sys.executable, "-m", "provider", "validate", "cases"], directory, repeat
        ),
        "check-jsonschema": median_seconds([checker, "--schemafile", schema, *files], directory, repeat),
    }
    print(f"  validate {size:,} files: {figures}", flush=True)
    return figures


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"benchmark check failed: {message}")


# --- the report --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A target of the issue, checked at 1,000 cases (shown, not judged, at other sizes)."""

    text: str
    met: Callable[[Measured], bool]


TARGETS: dict[str, Target] = {
    "create": Target("<= 2 calls per case", lambda m: m.total <= 2 * m.units),
    "adopt": Target("<= 12 calls", lambda m: m.total <= 12),
    "refresh": Target("<= 12 calls", lambda m: m.total <= 12),
    "add a message": Target("<= 1.1 calls per message", lambda m: m.total <= 1.1 * m.units),
    "preview": Target("0 calls", lambda m: m.total == 0),
}
JUDGED_SIZE = 1000


def _verdict(met: bool) -> str:
    return "met" if met else "**not met**"


def _mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB" if kib else "-"


def _calls(counter: Counter[str]) -> str:
    short = {"DescribeCases": "DC", "DescribeCommunications": "DCo", "CreateCase": "CC"}
    short |= {"AddCommunicationToCase": "ACC", "ResolveCase": "RC", "AddAttachmentsToSet": "AAS"}
    return ", ".join(f"{count:,} {short.get(op, op)}" for op, count in sorted(counter.items()))


def rerun_command(args: argparse.Namespace) -> str:
    """The shell command that runs this measurement again, each argument quoted for the shell."""
    arguments = ["--sizes", *map(str, args.sizes), "--repeat", str(args.repeat)]
    arguments += ["--validate-files", str(args.validate_files), "--paced-create", str(args.paced_create)]
    arguments += ["--seed", str(args.seed), *(["--label", args.label] if args.label != DEFAULT_LABEL else [])]
    return "source tools/env.sh && .venv/bin/python -m bench.perf_bench " + shlex.join(arguments)


def report(results: Results, args: argparse.Namespace, took: float, done: bool) -> str:
    """The figures as Markdown (what goes between the markers of RESULTS.md)."""
    command = rerun_command(args)
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = _git("status", "--porcelain", "--", *CODE)
    code = f"commit {commit}" + (" with uncommitted changes in the code" if dirty else "")
    engine = subprocess.run(
        ["pulumi", "version"], capture_output=True, text=True, check=False, env=offline_env()
    ).stdout.strip()
    measured, costs, validated = results.measured, results.costs, results.validated
    state = (
        f"the whole run took {_fmt_seconds(took)}"
        if done
        else f"**partial**: {_fmt_seconds(took)} in, still running"
    )
    start, end = markers(args.label)
    lines = [
        start,
        f"### {args.label}",
        "",
        "```bash",
        command,
        "```",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} ({code}) on {os.cpu_count()} cores (shared), Python "
        f"{platform.python_version()}, Pulumi {engine}; {state}. "
        "Calls: DC DescribeCases, DCo DescribeCommunications, CC CreateCase, ACC AddCommunicationToCase. "
        "'At 5/s' is the time the calls alone need under AWS's quota of 5 per second. Targets are the "
        f"issue's, judged at {JUDGED_SIZE:,} cases.",
        "",
        "| cases | operation | wall time | Support API calls | calls per unit | at 5/s | peak RSS: provider "
        "| engine | target | |",
        "| ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for m in measured:
        if m.failure:
            lines.append(
                f"| {m.size:,} | {m.operation} | **failed**: {m.failure} | {m.total:,} | | | | | | |"
            )
            continue
        target = None if "floor" in m.operation else TARGETS.get(m.operation.split(" (")[0])
        judged = target is not None and m.size == JUDGED_SIZE
        per_unit = f"{m.total / m.units:.2f} per {m.unit}" if m.units else "-"
        runs = f" (median of {len(m.seconds)})" if len(m.seconds) > 1 else ""
        refused = f"; refused: {_calls(m.refused)}" if m.refused else ""
        lines.append(
            f"| {m.size:,} | {m.operation} | {_fmt_seconds(m.median)}{runs} | "
            f"{m.total:,}{' (' + _calls(m.calls) + ')' if m.calls else ''}{refused} | {per_unit} | "
            f"{_fmt_seconds(m.total / QUOTA_PER_SECOND)} | {_mib(m.peak_kib)} | {_mib(m.engine_kib)} | "
            f"{target.text if target else ''} | {_verdict(target.met(m)) if judged and target else ''} |"
        )
    lines += [
        "",
        "Unchanged `preview` next to the floor (N no-op dynamic resources with the same inputs):",
        "",
    ]
    lines += [
        "| cases | ours | floor | ratio | CPU seconds per run, ours: engine / language host / program / "
        "provider | floor | target | |",
        "| ---: | ---: | ---: | ---: | --- | --- | --- | --- |",
    ]
    by_key = {(m.size, m.operation): m for m in measured}
    for size in args.sizes:
        if (size, "preview (floor)") not in by_key:
            lines.append(f"| {size:,} | not measured (not reached, or an earlier step failed) | | | | | | |")
            continue
        ours, floor = by_key[(size, "preview")], by_key[(size, "preview (floor)")]
        ratio = ours.median / floor.median
        judged = _verdict(ratio <= 1.3 and ours.total == 0) if size == JUDGED_SIZE else ""
        lines.append(
            f"| {size:,} | {ours.median:.1f} s | {floor.median:.1f} s | {ratio:.2f}x | {_cpu(ours)} "
            f"| {_cpu(floor)} | <= 1.3x, 0 calls | {judged} |"
        )
    if costs:
        steps = [step for step in next(iter(costs.values())) if step != "cases"]
        lines += [
            "",
            "Our code's share of an unchanged preview, timed in one process without the engine "
            "(bench/preview_costs.py; milliseconds per case, imports in seconds):",
            "",
            "| cases | " + " | ".join(steps) + " |",
            "| ---: |" + " ---: |" * len(steps),
        ]
        for size, figures in costs.items():
            cells = [
                f"{figures[step]:.2f} s"
                if step.startswith("import")
                else f"{1000 * figures[step] / size:.2f}"
                for step in steps
            ]
            lines.append(f"| {size:,} | " + " | ".join(cells) + " |")
    lines += ["", "`python -m provider validate` next to `check-jsonschema --schemafile` (median of "]
    lines[-1] += f"{args.repeat} runs, interpreter start-up included, which dominates below 1,000 files):"
    lines += [
        "",
        "| files | validate | check-jsonschema | ratio | target | |",
        "| ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for files, figures in validated.items():
        ratio = figures["check-jsonschema"] / figures["validate"]
        lines.append(
            f"| {files:,} | {figures['validate']:.2f} s | {figures['check-jsonschema']:.2f} s | {ratio:.1f}x "
            f"| >= 3.5x | {_verdict(ratio >= 3.5) if files >= JUDGED_SIZE else ''} |"
        )
    lines += ["", end]
    return "\n".join(lines)


def _git(*args: str) -> str:
    result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return result.stdout.strip() if result.returncode == 0 else ""


def _cpu(m: Measured) -> str:
    return " / ".join(f"{m.cpu.get(kind, 0.0):.1f}" for kind in ("engine", "langhost", "program", "provider"))


def markers(label: str) -> tuple[str, str]:
    """The comments around the block of figures named ``label`` in the results file."""
    slug = "-".join(label.lower().split())
    return f"<!-- {slug}:start -->", f"<!-- {slug}:end -->"


def write_results(path: Path, label: str, figures: str) -> None:
    """Replace the block ``label`` of ``path`` (appended when the file has none; the rest is kept)."""
    start, end = markers(label)
    text = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n"
    if start not in text:
        text = f"{text.rstrip()}\n\n{start}\n{end}\n"
    before, _, rest = text.partition(start)
    _, _, after = rest.partition(end)
    path.write_text(before + figures + after, encoding="utf-8")


# --- main --------------------------------------------------------------------------------------------


@dataclass
class Results:
    """What a run measured so far (written out after each step, so a run cut short keeps it)."""

    measured: list[Measured] = field(default_factory=list)
    costs: Figures = field(default_factory=dict)
    validated: Figures = field(default_factory=dict)


def main() -> None:
    """Validate, create at the default pace, then every size; the results are written after each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each preview and validate (median)")
    parser.add_argument("--validate-files", type=int, default=5000)
    parser.add_argument("--paced-create", type=int, default=100, help="cases created at 5 calls/s (0: skip)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--label", default=DEFAULT_LABEL, help="the block of --results to write")
    parser.add_argument("--profile", type=Path, help="py-spy the largest size's operations into this folder")
    parser.add_argument(
        "--keep", type=Path, help="work in this folder and keep it (default: a temporary one)"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    scratch = args.keep or Path(tempfile.mkdtemp(prefix="perf-bench-"))
    scratch.mkdir(parents=True, exist_ok=True)
    results = Results()

    def save(done: bool = False) -> None:
        figures = report(results, args, time.perf_counter() - started, done)
        if args.profile is None:
            write_results(args.results, args.label, figures)
        if done:
            print(figures)
            print(f"wrote {args.results}" if args.profile is None else "profiles in " + str(args.profile))

    try:
        measure_all(scratch, args, results, save)
    finally:
        if args.keep is None:
            shutil.rmtree(scratch, ignore_errors=True)
    save(done=True)


def measure_all(scratch: Path, args: argparse.Namespace, results: Results, save: Callable[[], None]) -> None:
    """validate, the paced create, then every size through the engine; ``save`` after each."""
    for files in sorted({*args.sizes, args.validate_files}):
        results.validated[files] = validate(files, args.seed, args.repeat, scratch)
    save()
    with running_server(scratch / "supportlocal", quotas=False) as endpoint:
        world = World(endpoint, scratch, args)
        if args.paced_create:
            size = args.paced_create
            print(f"{size:,} cases created at the default pace", flush=True)
            world.control.set_quotas(calls_per_second=QUOTA_PER_SECOND, cases_per_hour=None)
            try:
                results.measured.append(
                    create_cases(world, size, _accounts(size)["paced"], "create (at 5/s)", fast=False)
                )
            except RunFailed:
                results.measured += world.failures
                world.failures.clear()
            save()
        for size in args.sizes:
            print(f"{size:,} cases", flush=True)
            accounts = _accounts(size)
            try:
                world.control.set_quotas(calls_per_second=None, cases_per_hour=None)
                results.measured.append(create_cases(world, size, accounts["create"], "create", fast=True))
                save()
                steps, project = lifecycle(world, size, accounts["adopt"])
                results.measured += steps
                save()
                results.measured += previews(world, size, project, accounts["adopt"])
                results.costs[size] = preview_costs(project)
            except RunFailed:
                results.measured += world.failures
                world.failures.clear()
            save()


if __name__ == "__main__":
    main()
