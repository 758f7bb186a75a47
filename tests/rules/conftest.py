"""Fixtures for the rules tests: a throw-away repository, the current directory."""

from tests.casefiles.repo import repo as repo
