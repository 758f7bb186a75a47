"""The Pulumi program: one SupportCase per case file under cases/.

Stack config (all optional): ``supportcases:partition`` (aws | aws-us-gov | aws-cn, default aws),
``supportcases:profile`` (an AWS profile name), ``supportcases:roleArn`` (a role to assume).
"""

import pulumi

from provider.program import declare_cases

config = pulumi.Config("supportcases")
declare_cases(
    "cases",
    partition=config.get("partition") or "aws",
    profile=config.get("profile"),
    role_arn=config.get("roleArn"),
)
