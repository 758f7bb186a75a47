#!/usr/bin/env bash
# apply-merges.sh STACK HEAD AUTHOR: apply, oldest first, every commit on HEAD's first-parent line since
# the stack's last successful `pulumi up`, each checked out and applied with the fingerprint approved in
# its own pull request's plan comment (written by AUTHOR). Run by the GitHub workflow's apply job.
#
# Why: GitHub keeps at most one pending run per concurrency group; a newer run cancels the pending one
# ("Using concurrency", docs.github.com/en/actions/using-jobs/using-concurrency). Three quick merges
# would otherwise leave the second unapplied, and the third refused (its plan then carries both). Here
# the surviving run applies the cancelled run's merge first, then its own, each as it was approved.
#
# Where the stack is: the commit Pulumi records as `git.head` in the environment of each update
# (`pulumi stack history --json`, newest first). Per commit: plan; no changes: nothing to do (for HEAD
# itself an `up` with that empty plan's fingerprint, so the history records HEAD); changes: `comment
# approved COMMIT` and `pulumi up` with it, which refuses any other plan before any Support API call.
# A refusal stops the run, loudly, and later merges wait: docs/pipelines.md says how to go on.
set -euo pipefail
if [[ -z "${APPLY_MERGES_COPY:-}" ]]; then # checking out older commits rewrites this file: run a copy
  copy="$(mktemp)"
  cp "${BASH_SOURCE[0]}" "$copy"
  APPLY_MERGES_COPY="$copy" exec bash "$copy" "$@"
fi
trap 'rm -f "$APPLY_MERGES_COPY" "${plan:-}"' EXIT
stack="${1:?usage: apply-merges.sh STACK HEAD AUTHOR}" head="${2:?}" author="${3:?}"
head="$(git rev-parse --verify "$head^{commit}")"

last="$(pulumi stack history --stack "$stack" --json | python3 -c '
import json, sys
for update in json.load(sys.stdin):
    head = (update.get("environment") or {}).get("git.head")
    if update.get("kind") == "update" and update.get("result") == "succeeded" and head:
        print(head)
        break
')"
if [[ -n "$last" ]] && git merge-base --is-ancestor "$last" "$head" 2>/dev/null; then
  mapfile -t commits < <(git rev-list --first-parent --reverse "$last..$head")
else
  [[ -z "$last" ]] || echo "apply: the last applied commit $last is not an ancestor of $head: $head only"
  commits=("$head")
fi
if ((${#commits[@]} == 0)); then
  echo "apply: $head is applied already"
  exit 0
fi
echo "apply: ${#commits[@]} commit(s) since ${last:-the first update}: ${commits[*]}"

plan="$(mktemp)"
for commit in "${commits[@]}"; do
  git checkout --quiet --detach "$commit"
  status=0
  python -m provider plan --stack "$stack" --format json --detailed-exitcode > "$plan" || status=$?
  case "$status" in
    0)
      if [[ "$commit" != "$head" ]]; then
        echo "apply: $commit: nothing to apply"
        continue
      fi
      fingerprint="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["fingerprint"])' "$plan")"
      ;;
    2) fingerprint="$(python -m provider comment approved "$commit" --stack "$stack" --author "$author")" ;;
    *)
      echo "apply: $commit: no plan to apply (exit $status)" >&2
      [[ ! -s "$plan" ]] || python -m provider plan --from-plan "$plan" >&2
      exit 1
      ;;
  esac
  echo "apply: $commit with $fingerprint"
  SUPPORTCASES_APPROVED_PLAN="$fingerprint" pulumi up --yes --skip-preview --non-interactive --stack "$stack"
  git diff --exit-code -- "Pulumi.$stack.yaml" ||
    { echo "apply: pulumi rewrote Pulumi.$stack.yaml: commit the stack's configuration" >&2; exit 1; }
done
