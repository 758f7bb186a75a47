"""``python -m supportlocal --port PORT --data DIR [--catalogue FILE] [--no-quotas] [--plan ACCOUNT=PLAN]``.

Serves until stopped; each ``--plan`` (repeatable) sets an account's support plan in the state first;
``--retention-months N`` says how long after creation the API answers for a case.

SIGTERM or SIGINT stops it cleanly.
"""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path

from supportlocal import catalogue
from supportlocal.accounts import DEFAULT_PLAN, PLANS, plan_setting
from supportlocal.service.lifecycle import RETENTION_MONTHS
from supportlocal.service.quotas import OFF, QuotaPlan
from supportlocal.web.server import SupportServer


def main(argv: list[str] | None = None) -> int:
    """Start the server, print the listening line, and stop cleanly on SIGTERM/SIGINT."""
    parser = argparse.ArgumentParser(
        prog="python -m supportlocal", description="A local AWS Support service."
    )
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: pick a free one)")
    parser.add_argument("--data", type=Path, required=True, help="directory for the SQLite state")
    parser.add_argument(
        "--catalogue",
        type=Path,
        default=catalogue.DEFAULT_PATH,
        help="the AWS Support catalogue snapshot to serve (default: catalogue/aws-support.json)",
    )
    parser.add_argument(
        "--no-quotas",
        action="store_true",
        help="switch off the Support API quotas (per account: 5 operations a second, 10 new cases an hour)",
    )
    parser.add_argument(
        "--plan",
        action="append",
        default=[],
        metavar="ACCOUNT=PLAN",
        type=_plan,
        help=f"put a 12-digit account on a support plan ({', '.join(PLANS)}); repeatable; "
        f"kept in --data; an account never set is on {DEFAULT_PLAN}",
    )
    parser.add_argument(
        "--retention-months",
        type=_positive,
        default=RETENTION_MONTHS,
        metavar="N",
        help=f"months after creation that the API still answers for a case (default {RETENTION_MONTHS}, "
        "as the API reference says; older material says 12)",
    )
    args = parser.parse_args(argv)

    try:
        served = catalogue.load(args.catalogue)
    except ValueError as error:
        parser.error(str(error))
    quotas = OFF if args.no_quotas else QuotaPlan()
    server = SupportServer(args.port, args.data, served, quotas, dict(args.plan), args.retention_months)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    serving = threading.Thread(target=server.serve_forever, args=(0.05,), name="supportlocal", daemon=True)
    serving.start()
    print(f"supportlocal listening on {server.url}", flush=True)
    while not stop.wait(0.1):
        pass
    server.shutdown()
    server.server_close()
    return 0


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of months (1 or more)")
    return int(value)


def _plan(value: str) -> tuple[str, str]:
    try:
        return plan_setting(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


if __name__ == "__main__":
    raise SystemExit(main())
