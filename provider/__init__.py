"""Support cases as code: case files in git, validated locally, applied by a Pulumi dynamic provider."""

# The release's version: pyproject.toml reads it from here, `supportcases --version` prints it; a release
# is tagged v<version> (docs/adopting.md, "Releasing"), and CHANGELOG.md has a section for it.
__version__ = "0.2.0"


def program(folder: str = "cases") -> None:
    """The Pulumi program of a repository of case files: one SupportCase per case file under ``folder``,
    with the stack's ``supportcases:*`` configuration. A team's ``__main__.py`` calls only this (written
    by ``supportcases init``), so it keeps working whatever a release moves inside the package."""
    import pulumi

    from provider.stack.program import declare_cases, settings_from_config

    declare_cases(folder, settings_from_config(pulumi.Config("supportcases")))
