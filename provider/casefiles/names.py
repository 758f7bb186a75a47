"""Case names: the name a case file gets from its path, and ``aliases``, its earlier names.

A case's name is its path under the innermost ``cases`` folder without the extension. ``aliases`` lets a
renamed file keep its case. The schema checks that each alias is shaped like a case name; here: a name
the engine's URNs cannot carry (``name_problem``, for file names and aliases alike), a name with the
extension or the ``cases/`` folder still on it, the file's own name, the name of another case file that
is still there, and one earlier name listed by two files.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from provider.casefiles.schema import Issue, join
from provider.casefiles.shown import printable
from provider.casefiles.yamlmarks import Pointer

CASE_SUFFIXES = (".yaml", ".yml")
# A resource's URN is urn:pulumi:<stack>::<project>::<type>::<name>, "::" the delimiter (pulumi/pulumi,
# sdk/go/common/resource/urn/urn.go, NameDelimiter). The parsers disagree on a name that holds it: the
# engine's URN.Name() takes everything after the third "::", the Python SDK's urn._parse_urn only the
# fourth part (sdk/python/lib/pulumi/urn.py, urn.split("::")[3]). So a case name holds no "::" and does
# not start with ':' (which a parser splitting at the last "::" reads as part of the delimiter).
URN_DELIMITER = "::"


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a case name (the name of its resource in the engine's URNs), or None: it
    holds '::', starts with ':', or holds a character that is not printable (a newline, a control or a
    bidirectional override, which would not print as written in the URNs the engine shows)."""
    if URN_DELIMITER in name:
        return f"holds '{URN_DELIMITER}', the delimiter of the engine's resource URNs"
    if name.startswith(":"):
        return "starts with ':', which reads as part of the '::' before it in the engine's resource URNs"
    if not name.isprintable():
        return "holds a character that is not printable (a control, a newline or a bidirectional override)"
    return None


def case_name_problem(name: str) -> str | None:
    """What ``validate`` says of a case file whose name (its path under cases/ without the extension)
    the engine cannot carry, or None."""
    problem = name_problem(name)
    return f"the case name '{printable(name)}' {problem}: rename the file" if problem else None


def case_name(file: Path, base: Path, root: Path) -> str:
    """The path under the innermost ``cases`` directory (inside the repository, or at or under ``base``
    outside it), else under ``base``; without the extension."""
    scope = root if file.is_relative_to(root) else base.parent
    anchor = next((parent for parent in _parents_until(file, scope) if parent.name == "cases"), base)
    return file.relative_to(anchor).with_suffix("").as_posix()


def _parents_until(file: Path, scope: Path) -> Iterator[Path]:
    for parent in file.parents:
        if parent == scope:
            return
        yield parent


def written_aliases(spec: Any) -> list[tuple[Pointer, str]]:
    """Each alias of ``spec`` that is a string, with where it is."""
    aliases = spec.get("aliases") if isinstance(spec, dict) else None
    if not isinstance(aliases, list):
        return []
    return [(("aliases", index), alias) for index, alias in enumerate(aliases) if isinstance(alias, str)]


def alias_issues(spec: Any, name: str | None, skip: set[Pointer]) -> list[Issue]:
    """What is wrong with the aliases of one case file named ``name`` (None: unknown), leaving alone
    the entries in ``skip`` (the schema's)."""
    issues = []
    for pointer, alias in written_aliases(spec):
        if pointer in skip:
            continue
        unfit = name_problem(alias)
        if unfit:
            issues.append(Issue(pointer, f"aliases[{pointer[1]}] '{printable(alias)}' {unfit}"))
            continue
        meant = alias.rsplit("cases/", 1)[-1]
        for suffix in CASE_SUFFIXES:
            meant = meant.removesuffix(suffix)
        if meant != alias:
            issues.append(
                Issue(
                    pointer,
                    f"aliases[{pointer[1]}] '{alias}' is a path, not a case name: the path under cases/ "
                    f"without the extension (did you mean '{meant}'?)",
                )
            )
        elif alias == name:
            issues.append(Issue(pointer, f"aliases[{pointer[1]}] '{alias}' is this file's own name"))
    return issues


def alias_conflicts(
    aliases: Mapping[str, Sequence[tuple[Pointer, str]]], files: Mapping[str, Sequence[str]]
) -> dict[str, list[Issue]]:
    """Issues by case name: an alias that is another case file's name (``files``: the files of each
    name), and one listed by two case files (``aliases``: the aliases of each case name)."""
    owners: dict[str, list[str]] = {}
    for name, written in aliases.items():
        for _, alias in written:
            owners.setdefault(alias, []).append(name)
    issues: dict[str, list[Issue]] = {}
    for name, written in aliases.items():
        for pointer, alias in written:
            where = f"aliases[{pointer[1]}] '{alias}'"
            if alias in files and alias != name:
                message = f"{where} is the name of {join(list(files[alias]), 'and')}, which is still there"
                issues.setdefault(name, []).append(Issue(pointer, f"{message}: one case file per case"))
            others = sorted({files[other][0] for other in owners[alias] if other != name})
            if others:
                message = (
                    f"{where} is also listed by {join(others, 'and')}: only one file can take over its case"
                )
                issues.setdefault(name, []).append(Issue(pointer, message))
    return issues
