# shellcheck shell=bash
# Source this file (`source tools/env.sh`) to run the Pulumi CLI for this project fully offline.
# It is the single source of truth for that environment: tests read it through
# tests/helpers/pulumi_cli.py. Safe to source more than once.
#
# - PATH: .engine/bin first when tools/engine.sh built the engine there, then .venv/bin.
# - PULUMI_HOME: project-local (.pulumi/home), so no ~/.pulumi credentials or plugins are used.
# - PULUMI_BACKEND_URL: a local file backend, .pulumi/state, unless already set.
# - PULUMI_CONFIG_PASSPHRASE: empty unless set (or PULUMI_CONFIG_PASSPHRASE_FILE is set): local
#   stacks encrypt secrets, such as a dynamic provider's pickled `__provider`, with a passphrase.
# - No update checks, plugin downloads or registry look-ups: nothing reaches the internet.

_scac_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Drop earlier copies of our PATH entries, then put them in front.
_scac_path=":${PATH:-}:"
_scac_path="${_scac_path//:$_scac_root\/.engine\/bin:/:}"
_scac_path="${_scac_path//:$_scac_root\/.venv\/bin:/:}"
_scac_path="${_scac_path#:}"
_scac_path="${_scac_path%:}"
_scac_front="$_scac_root/.venv/bin"
if [[ -x "$_scac_root/.engine/bin/pulumi" && "$(cat "$_scac_root/.engine/selected" 2>/dev/null)" == built ]]; then
  _scac_front="$_scac_root/.engine/bin:$_scac_front"
fi
export PATH="$_scac_front${_scac_path:+:$_scac_path}"

export PULUMI_HOME="$_scac_root/.pulumi/home"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$_scac_root/.pulumi/state}"
mkdir -p "$PULUMI_HOME"
if [[ "$PULUMI_BACKEND_URL" == file://* ]]; then
  mkdir -p "${PULUMI_BACKEND_URL#file://}"
fi
if [[ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]]; then
  export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"
fi

export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_DISABLE_REGISTRY_RESOLVE=true
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true
export PULUMI_DIY_BACKEND_NO_LEGACY_WARNING=true

unset _scac_root _scac_path _scac_front
