"""The Pulumi type of a support case resource, without importing Pulumi (the commands read state by it)."""

from __future__ import annotations

# `class SupportCase(Resource, module="supportcases", name="SupportCase")` in the Python SDK's dynamic
# provider names its type "pulumi-python:dynamic/<module>:<name>".
SUPPORT_CASE_TYPE = "pulumi-python:dynamic/supportcases:SupportCase"
# The generic type earlier versions declared; kept as an alias so existing stacks are not replaced.
LEGACY_TYPE = "pulumi-python:dynamic:Resource"
CASE_TYPES = (SUPPORT_CASE_TYPE, LEGACY_TYPE)
