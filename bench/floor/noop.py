"""A dynamic resource that does nothing: the engine's own cost for a dynamic-provider stack.

The provider is in an importable module (as ``provider.stack.resource`` is for the real stack), so dill
pickles it by reference and the provider process imports it, as it does the real provider.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CreateResult, Resource, ResourceProvider


class NoOpProvider(ResourceProvider):
    """Creates nothing anywhere; Check and Diff are the SDK's defaults."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(str(props.get("caseName", "noop")), dict(props))


class NoOp(Resource, module="floor", name="NoOp"):
    """One no-op resource with the given inputs."""

    def __init__(self, name: str, props: dict[str, Any]) -> None:
        super().__init__(NoOpProvider(), name, props)
