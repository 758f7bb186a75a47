"""Support cases as code: case files in git, validated locally, applied by a Pulumi dynamic provider."""
