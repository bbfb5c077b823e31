#!/usr/bin/env bash
# Runs the VS Code end-to-end test (vscode-e2e/e2e.mjs) on a packaged .vsix: installs what it
# needs first (code-server through ../shared/tools/vscode-here.sh, Debian's chromium, and
# playwright-core from the committed lockfile). Screenshots and logs go to target/vscode-e2e/.
#
#   tests/editors/run-vscode-e2e.sh editors/vscode/runbook-ls-linux-x64-0.1.0.vsix
#
# RUNBOOK_LS_BIN: the server (default target/release/runbook-ls). VSCODE_HERE: the install
# script, for a checkout that has no ../shared beside it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
fail() { echo "run-vscode-e2e: FAIL: $*" >&2; exit 1; }
step() { echo "run-vscode-e2e: $*"; }

[ $# -eq 1 ] || fail "usage: $0 VSIX"
vsix=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -f "$vsix" ] || fail "no .vsix at $1"
bin=${RUNBOOK_LS_BIN:-$repo/target/release/runbook-ls}
[ -x "$bin" ] || fail "no server binary at $bin: run cargo build --release first"

vscode_here=${VSCODE_HERE:-$repo/../shared/tools/vscode-here.sh}
[ -f "$vscode_here" ] || fail "$vscode_here not found: the shared tools must sit beside the repository (or set VSCODE_HERE)"
step "code-server (vscode-here.sh)"
entry=$(sh "$vscode_here") || fail "vscode-here.sh could not install code-server"

if ! command -v chromium >/dev/null 2>&1; then
    step "apt-get install chromium"
    apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; } ||
        fail "could not install Debian's chromium"
fi

step "npm ci (playwright-core)"
(cd "$here/vscode-e2e" && npm ci --no-audit --no-fund --silent) || fail "npm ci in tests/editors/vscode-e2e"

VSIX=$vsix RUNBOOK_LS_BIN=$bin CODE_SERVER_ENTRY=$entry CHROMIUM=$(command -v chromium) OUT_DIR=$repo/target/vscode-e2e \
    node "$here/vscode-e2e/e2e.mjs"
