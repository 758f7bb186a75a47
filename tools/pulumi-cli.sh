#!/usr/bin/env bash
# Install the official Pulumi CLI release, at the version tools/engine.sh pins, into DIR (default
# .pulumi-cli/, git-ignored), for CI jobs without the pulumi/actions action (GitLab). Prints the
# directory to put on PATH. When `pulumi` is already on PATH it does nothing (prints nothing); when the
# release cannot be downloaded (an offline runner) it says so and exits 0: tools/setup.sh then builds
# the engine from source (tools/engine.sh, Go needed), the offline fallback.
#
# The URLs are the ones pulumi/actions downloads (src/libs/libs/get-version.ts, v7.0.0):
# https://get.pulumi.com/releases/sdk/pulumi-v<version>-linux-x64.tar.gz and its
# pulumi-v<version>-checksums.txt; the archive holds pulumi/ with the CLI and the language hosts.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${1:-$ROOT/.pulumi-cli}"

if command -v pulumi >/dev/null 2>&1; then
  echo "pulumi-cli: using $(command -v pulumi) ($(pulumi version))" >&2
  exit 0
fi
version="$(sed -n 's/^PULUMI_VERSION="\([^"]*\)".*/\1/p' "$ROOT/tools/engine.sh")"
[[ -n "$version" ]] || { echo "pulumi-cli: no PULUMI_VERSION in tools/engine.sh" >&2; exit 1; }
archive="pulumi-v$version-linux-x64.tar.gz"
base="https://get.pulumi.com/releases/sdk"
if [[ -x "$DIR/pulumi/pulumi" && "$("$DIR/pulumi/pulumi" version)" == "v$version" ]]; then
  echo "pulumi-cli: v$version already in $DIR (cached)" >&2
  echo "$DIR/pulumi"
  exit 0
fi
download="$(mktemp -d)"
trap 'rm -rf "$download"' EXIT
if ! curl -fsSL --retry 3 -o "$download/$archive" "$base/$archive" ||
  ! curl -fsSL --retry 3 -o "$download/checksums.txt" "$base/pulumi-v$version-checksums.txt"; then
  echo "pulumi-cli: cannot download $base/$archive (offline?): tools/setup.sh builds the engine from source" >&2
  exit 0
fi
(cd "$download" && grep " $archive\$" checksums.txt | sha256sum --check --status) ||
  { echo "pulumi-cli: $archive does not match its published SHA-256" >&2; exit 1; }
rm -rf "$DIR"
mkdir -p "$DIR"
tar -xzf "$download/$archive" -C "$DIR"
echo "pulumi-cli: installed $("$DIR/pulumi/pulumi" version) into $DIR" >&2
echo "$DIR/pulumi"
