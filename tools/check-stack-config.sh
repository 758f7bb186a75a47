#!/usr/bin/env bash
# check-stack-config.sh STACK: fail, loudly, unless Pulumi.STACK.yaml is committed with its secrets
# settings (a passphrase stack's `encryptionsalt`, or `secretsprovider`). A pipeline never writes its
# own: Pulumi would make a new salt, and every setting of the stack (accounts, roles,
# referenceTrailer) would be missing there, sending cases to the ambient account.
set -euo pipefail
stack="${1:?usage: check-stack-config.sh STACK}"
file="Pulumi.$stack.yaml"
fail() {
  local message="$file $1: create the stack and commit its configuration as docs/pipelines.md (Stack configuration) says"
  if [[ "${GITHUB_ACTIONS:-}" == true ]]; then echo "::error file=$file::$message" >&2; else echo "error: $message" >&2; fi
  exit 1
}
git ls-files --error-unmatch -- "$file" >/dev/null 2>&1 || fail "is not committed"
grep -Eq '^(encryptionsalt|secretsprovider):' "$file" || fail "has neither encryptionsalt nor secretsprovider"
echo "stack config: $file (committed)"
