"""``python -m supportlocal --port PORT --data DIR``: serve until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path

from supportlocal.server import SupportServer


def main(argv: list[str] | None = None) -> int:
    """Start the server, print the listening line, and stop cleanly on SIGTERM/SIGINT."""
    parser = argparse.ArgumentParser(
        prog="python -m supportlocal", description="A local AWS Support service."
    )
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: pick a free one)")
    parser.add_argument("--data", type=Path, required=True, help="directory for the SQLite state")
    args = parser.parse_args(argv)

    server = SupportServer(args.port, args.data)
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


if __name__ == "__main__":
    raise SystemExit(main())
