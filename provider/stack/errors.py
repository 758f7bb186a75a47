"""Errors people can act on, without a Python traceback, from the dynamic provider's process.

The Pulumi SDK's provider server (``python -m pulumi.dynamic``, the process's ``__main__``) answers
every exception of a provider method with ``traceback.format_exc()`` (its ``_abort_with_traceback``),
so a refusal such as "this case lives in account 'prod' ..." reached people at the end of a stack trace.
The SDK offers no hook for this; the server looks ``traceback`` up in its module at each error, so the
provider gives it one whose ``format_exc`` prints a :class:`SupportApiError` as its message alone (with
its type), and every other exception as before.
"""

from __future__ import annotations

import sys
import traceback
from types import SimpleNamespace

from provider.aws.support_api import SupportApiError


def _format_exc() -> str:
    error = sys.exc_info()[1]
    if isinstance(error, SupportApiError):
        return f"{error}\n"
    return traceback.format_exc()


def plain_errors() -> None:
    """In the provider server's process, print our own errors without a traceback (else: nothing)."""
    server = sys.modules.get("__main__")
    if server is not None and hasattr(server, "_abort_with_traceback") and hasattr(server, "traceback"):
        server.traceback = SimpleNamespace(format_exc=_format_exc)
