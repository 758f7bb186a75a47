"""The program leaves without a trace when the engine interrupts its process group at shutdown."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from tests.helpers.pulumi_cli import ROOT

# Like the SDK's runner (pulumi-language-python-exec): the program runs in an asyncio loop whose
# executor threads wait on the engine's resource monitor, and only Exception is caught around it.
PROGRAM = textwrap.dedent(
    """
    import asyncio, sys, threading
    from provider.stack.program import stop_quietly_when_interrupted
    stop_quietly_when_interrupted()

    async def register():
        await asyncio.get_running_loop().run_in_executor(None, threading.Event().wait, 3)

    async def program():
        print("registering", flush=True)
        await asyncio.gather(register(), register())

    try:
        asyncio.run(program())
    except Exception:
        sys.exit(32)
    """
)


def test_an_interrupt_from_the_engine_ends_the_program_without_a_traceback() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-c", PROGRAM],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # the engine's RegisterProcessGroup
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "registering\n"
    os.killpg(process.pid, signal.SIGINT)  # the engine's InterruptChildren
    _, stderr = process.communicate(timeout=20)
    assert "Traceback" not in stderr
    assert stderr == ""
    assert process.returncode == 128 + signal.SIGINT
