"""Fixtures for the case file tests."""

from tests.casefiles.repo import repo as repo
