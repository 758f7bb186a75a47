"""The Pulumi program: one SupportCase per case file under cases/ (see provider/program.py)."""

import pulumi

from provider.program import declare_cases, settings_from_config

declare_cases("cases", settings_from_config(pulumi.Config("supportcases")))
