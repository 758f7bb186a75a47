"""The one name the stack state keeps for the provider: never move or rename this module or its function.

The Pulumi SDK pickles a dynamic provider into every resource's hidden ``__provider`` input and unpickles
it, from the state, for ``refresh`` and ``delete`` of cases the program no longer declares. Ours pickles
as a call of :func:`support_case_provider` with no arguments: no internal module path, so a release may
move any other module, and no settings, so every operation uses the stack configuration as it is now
(the SDK calls ``configure`` with the whole stack config, pulumi/pulumi#17673, SDK >= 3.139).
"""

from __future__ import annotations

from pulumi.dynamic import ResourceProvider


def support_case_provider() -> ResourceProvider:
    """The provider of every SupportCase; ``configure`` gives it the stack's settings."""
    from provider.stack.errors import plain_errors
    from provider.stack.resource import SupportCaseProvider

    plain_errors()
    return SupportCaseProvider()
