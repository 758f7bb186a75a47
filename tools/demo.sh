#!/usr/bin/env bash
# README command 1: set up, start supportlocal, and `pulumi up` the example cases under cases/.
#
#   bash tools/demo.sh            set up, start supportlocal if needed, pulumi up, print the cases
#   bash tools/demo.sh reply NAME TEXT [STATUS]
#                                 answer case NAME as the AWS support engineer (then: pulumi refresh)
#   bash tools/demo.sh stop       stop supportlocal (its data and the stack state are kept)
#
# Running it again is safe: an unchanged case file sends nothing. Everything stays on this machine:
# supportlocal's data in .supportlocal/, the stack state in .pulumi/state (stack "demo").
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
STACK="${DEMO_STACK:-demo}"
RUN=".supportlocal"

running_url() {
  # The URL of the demo's supportlocal when its process is alive, else nothing.
  if [[ -f $RUN/pid && -f $RUN/url ]] && kill -0 "$(cat $RUN/pid)" 2>/dev/null; then
    cat $RUN/url
  fi
}

start_supportlocal() {
  local url
  url="$(running_url)"
  if [[ -n $url ]]; then
    echo "demo: supportlocal already running at $url" >&2
    echo "$url"
    return
  fi
  mkdir -p "$RUN/data"
  : >"$RUN/server.log"
  nohup .venv/bin/python -m supportlocal --port "${SUPPORTLOCAL_PORT:-0}" --data "$RUN/data" \
    >"$RUN/server.log" 2>&1 &
  echo $! >"$RUN/pid"
  for _ in $(seq 1 100); do
    url="$(sed -n 's/^supportlocal listening on //p' "$RUN/server.log")"
    if [[ -n $url ]]; then
      echo "$url" >"$RUN/url"
      echo "demo: supportlocal started at $url (log: $RUN/server.log)" >&2
      echo "$url"
      return
    fi
    sleep 0.1
  done
  echo "demo: supportlocal did not start; its output:" >&2
  cat "$RUN/server.log" >&2
  exit 1
}

write_env() {
  # A file to source for running pulumi by hand against the demo's supportlocal.
  cat >"$RUN/env.sh" <<ENV
# Source this to run pulumi by hand against the demo's supportlocal (stack "$STACK").
source "$ROOT/tools/env.sh"
export AWS_ENDPOINT_URL_SUPPORT="$1"
export AWS_ACCESS_KEY_ID=supportlocal-demo AWS_SECRET_ACCESS_KEY=supportlocal-demo
unset AWS_PROFILE AWS_SESSION_TOKEN
ENV
}

case "${1:-up}" in
stop)
  if [[ -f $RUN/pid ]] && kill "$(cat $RUN/pid)" 2>/dev/null; then
    echo "demo: supportlocal stopped (data kept in $RUN/data)"
  else
    echo "demo: supportlocal was not running"
  fi
  rm -f "$RUN/pid" "$RUN/url"
  exit 0
  ;;
reply)
  [[ $# -ge 3 ]] || { echo "usage: bash tools/demo.sh reply CASE-NAME TEXT [STATUS]" >&2; exit 2; }
  url="$(running_url)"
  [[ -n $url ]] || { echo "demo: supportlocal is not running; run: bash tools/demo.sh" >&2; exit 1; }
  # shellcheck source=/dev/null
  source "$RUN/env.sh"
  case_id="$(pulumi stack output cases --json --stack "$STACK" |
    .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1], {}).get("caseId", ""))' "$2")"
  [[ -n $case_id ]] || { echo "demo: no case named '$2' in stack $STACK" >&2; exit 1; }
  .venv/bin/python - "$url" "$case_id" "$3" "${4:-pending-customer-action}" <<'PY'
import sys
from supportlocal.client import ControlClient
url, case_id, text, status = sys.argv[1:]
control = ControlClient(url)
control.reply(case_id, text)
control.set_status(case_id, status)
print(f"demo: AWS replied on {case_id} and set it to {status}; run `pulumi refresh --yes --run-program` to bring it back")
PY
  exit 0
  ;;
up) ;;
*)
  echo "usage: bash tools/demo.sh [up | reply CASE-NAME TEXT [STATUS] | stop]" >&2
  exit 2
  ;;
esac

bash tools/setup.sh
url="$(start_supportlocal)"
write_env "$url"
# shellcheck source=/dev/null
source "$RUN/env.sh"

python -m provider validate cases
pulumi stack select "$STACK" --create >/dev/null
pulumi up --yes --stack "$STACK"

echo
pulumi stack output cases --json --stack "$STACK" >"$RUN/cases.json"
python - "$RUN/cases.json" <<'PY'
import json, sys
cases = json.load(open(sys.argv[1]))
print(f"{'case':<28} {'displayId':<13} {'status':<24} caseId")
for name, case in sorted(cases.items()):
    print(f"{name:<28} {case['displayId']:<13} {case['status']:<24} {case['caseId']}")
PY
cat <<EOF

Next steps (supportlocal at $url, stack "$STACK"):
  look at a case     source $RUN/env.sh && pulumi stack output cases --json
                     (every output, AWS replies included: pulumi stack export)
  AWS answers        bash tools/demo.sh reply <case> "Please attach the logs."
                     then: source $RUN/env.sh && pulumi refresh --yes --run-program
  edit and run again edit a file under cases/ (append to communications:, change severityCode, set
                     status: resolved); see what will be said: source $RUN/env.sh && pulumi preview --diff
                     then: bash tools/demo.sh
  stop               bash tools/demo.sh stop      (the cases stay; pulumi destroy resolves them all)
EOF
