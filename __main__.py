"""The Pulumi program: one SupportCase per case file under cases/ (see provider/stack/program.py)."""

import pulumi

from provider.stack.program import declare_cases, settings_from_config, stop_quietly_when_interrupted

stop_quietly_when_interrupted()
declare_cases("cases", settings_from_config(pulumi.Config("supportcases")))
