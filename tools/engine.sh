#!/usr/bin/env bash
# Obtain the Pulumi engine for this project (idempotent; called by tools/setup.sh).
#
# 1. If `pulumi` on PATH is at least MIN_PULUMI_VERSION and `pulumi-language-python` is on PATH too,
#    use them (nothing is built; tools/env.sh then leaves PATH alone).
# 2. Otherwise build, from the Go module proxy, into .engine/bin/ (git-ignored):
#      pulumi                         the CLI, github.com/pulumi/pulumi/pkg/v3 at PULUMI_VERSION
#      pulumi-language-python         the Python language host (tools/engine/pulumi-language-python)
#    and copy from the sdk/v3 module at the same version, next to them:
#      pulumi-language-python-exec    the SDK's program runner, started by the language host
#      pulumi-resource-pulumi-python  the SDK's launcher for dynamic providers (python -m pulumi.dynamic)
#    The pins live in tools/engine/go.mod and go.sum. A stamp (.engine/stamp) records the version and
#    a hash of the inputs, so a second run only checks it and returns within seconds.
# Go's module and build caches stay where Go puts them by default (shared with other builds and CI).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PULUMI_VERSION="3.274.1"      # the CLI built here; also tools/engine/go.mod
MIN_PULUMI_VERSION="3.272.0"  # oldest `pulumi` on PATH accepted: the pinned Python SDK's version
ENGINE_DIR="$ROOT/.engine"
BIN="$ENGINE_DIR/bin"
MODULE_DIR="$ROOT/tools/engine"

say() { echo "engine: $*"; }
die() { echo "engine: ERROR: $*" >&2; exit 1; }

# version_ge A B: true when version A >= version B (leading "v" ignored).
version_ge() {
  local a="${1#v}" b="${2#v}"
  [[ "$(printf '%s\n%s\n' "$b" "$a" | sort -V | head -n1)" == "$b" ]]
}

# --- 1. a suitable Pulumi already installed? (ignoring our own .engine/bin) -------------------------
path_without_engine="$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$BIN" | paste -sd: -)"
system_pulumi="$(PATH="$path_without_engine" command -v pulumi || true)"
if [[ -n "$system_pulumi" ]]; then
  system_version="$("$system_pulumi" version 2>/dev/null | tr -d '[:space:]' || true)"
  system_host="$(PATH="$path_without_engine" command -v pulumi-language-python || true)"
  if [[ -n "$system_version" ]] && version_ge "$system_version" "$MIN_PULUMI_VERSION" && [[ -n "$system_host" ]]; then
    mkdir -p "$ENGINE_DIR"
    echo system > "$ENGINE_DIR/selected"
    say "using $system_pulumi ($system_version >= v$MIN_PULUMI_VERSION) and $system_host"
    exit 0
  fi
  if [[ -z "$system_version" ]] || ! version_ge "$system_version" "$MIN_PULUMI_VERSION"; then
    say "ignoring $system_pulumi (${system_version:-unknown version}): older than v$MIN_PULUMI_VERSION"
  else
    say "ignoring $system_pulumi ($system_version): no pulumi-language-python on PATH"
  fi
fi

# --- 2. build (or reuse the cached build) ------------------------------------------------------------
GO="$(command -v go || true)"
if [[ -z "$GO" && -x /usr/local/go/bin/go ]]; then GO=/usr/local/go/bin/go; fi
[[ -n "$GO" ]] || die "Go is needed to build the Pulumi engine (Go >= $(sed -n 's/^go //p' "$MODULE_DIR/go.mod")); install Go or put a pulumi >= v$MIN_PULUMI_VERSION with pulumi-language-python on PATH"

want_stamp="$(
  {
    echo "pulumi v$PULUMI_VERSION"
    "$GO" version
    cat "$MODULE_DIR/go.mod" "$MODULE_DIR/go.sum"
    find "$MODULE_DIR" -name '*.go' -print0 | sort -z | xargs -0 cat
  } | sha256sum | cut -d' ' -f1
)"
outputs=(pulumi pulumi-language-python pulumi-language-python-exec pulumi-resource-pulumi-python)
have_all=true
for f in "${outputs[@]}"; do [[ -x "$BIN/$f" ]] || have_all=false; done
if $have_all && [[ -f "$ENGINE_DIR/stamp" && "$(cat "$ENGINE_DIR/stamp")" == "$want_stamp" ]]; then
  echo built > "$ENGINE_DIR/selected"
  say "up to date: $("$BIN/pulumi" version) in .engine/bin (cached build)"
  exit 0
fi

mkdir -p "$BIN"
rm -f "$ENGINE_DIR/stamp"
start=$SECONDS

# run_with_heartbeat LABEL TOTAL LOG CMD...: run CMD with its output to LOG, printing a progress line
# every 15 s (compiled packages out of TOTAL when TOTAL > 0: `go build -v` names each one it compiles).
run_with_heartbeat() {
  local label="$1" total="$2" log="$3"; shift 3
  : > "$log"
  "$@" >>"$log" 2>&1 &
  local pid=$! last=$SECONDS rc=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if (( SECONDS - last >= 15 )); then
      last=$SECONDS
      if (( total > 0 )); then
        say "  $label: $(grep -c '^[^ #]*$' "$log" || true)/$total packages compiled, $((SECONDS - start)) s elapsed"
      else
        say "  $label: still working, $((SECONDS - start)) s elapsed"
      fi
    fi
  done
  wait "$pid" || rc=$?
  if (( rc != 0 )); then
    echo "engine: ERROR: $label failed (exit $rc; full log: $log); last lines:" >&2
    grep -v '^[^ #]*$' "$log" | tail -n 40 >&2 || tail -n 40 "$log" >&2
  fi
  return "$rc"
}

cd "$MODULE_DIR"
export CGO_ENABLED=0
say "building Pulumi v$PULUMI_VERSION into .engine/bin with $("$GO" version | cut -d' ' -f3)"
say "downloading modules (about 1.5 GB into $("$GO" env GOMODCACHE) on a first run)..."
run_with_heartbeat download 0 "$ENGINE_DIR/download.log" "$GO" mod download

packages=(github.com/pulumi/pulumi/pkg/v3/cmd/pulumi ./pulumi-language-python)
total="$("$GO" list -deps "${packages[@]}" | wc -l)"
say "compiling pulumi and pulumi-language-python ($total packages; several minutes on a first run)..."
run_with_heartbeat compile "$total" "$ENGINE_DIR/build.log" "$GO" build -v -buildvcs=false \
  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
  -o "$BIN/" "${packages[@]}"

sdk_dir="$("$GO" list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
[[ -n "$sdk_dir" && -d "$sdk_dir/python" ]] || die "sdk/v3 module not found in the module cache"
install -m 0755 "$sdk_dir/python/cmd/pulumi-language-python-exec" "$BIN/pulumi-language-python-exec"
install -m 0755 "$sdk_dir/python/dist/pulumi-resource-pulumi-python" "$BIN/pulumi-resource-pulumi-python"

got="$("$BIN/pulumi" version)"
[[ "$got" == "v$PULUMI_VERSION" ]] || die "built pulumi reports version '$got', expected v$PULUMI_VERSION"
echo "$want_stamp" > "$ENGINE_DIR/stamp"
echo built > "$ENGINE_DIR/selected"
say "done in $((SECONDS - start)) s: $got in .engine/bin (source tools/env.sh to use it)"
