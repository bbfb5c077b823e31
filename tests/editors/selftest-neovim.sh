#!/usr/bin/env bash
# Tests the Neovim end-to-end harness itself, before the real server exists: against the
# fake server it must pass every step; where the server is missing, exits at once or lacks
# a feature, it must fail with a message that says so.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
config="$here/neovim-e2e.fake.json"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
checks=0

# expect NAME STATUS PATTERN -- COMMAND...: COMMAND exits with STATUS and prints PATTERN.
expect() {
    local name=$1 status=$2 pattern=$3
    shift 4
    checks=$((checks + 1))
    local out actual=0
    out=$("$@" 2>&1) || actual=$?
    if [ "$actual" -eq "$status" ] && grep -qE -- "$pattern" <<<"$out"; then
        echo "selftest-neovim: ok   $name"
    else
        failures=$((failures + 1))
        echo "selftest-neovim: FAIL $name (exit $actual, wanted $status and /$pattern/):"
        sed 's/^/    /' <<<"$out"
    fi
}

export FAKE_RUNBOOK_LS_LOG="$work/fake.log"
expect "every step passes against the fake server" 0 '^7 passed, 0 failed$' -- \
    "$here/run-neovim.sh" --fake full "$config"
# What the shipped lsp/runbook_ls.lua sent: the config's settings, as JSON objects.
expect "settings reach the server as initializationOptions, configuration and didChangeConfiguration" 0 '' -- \
    python3 - "$work/fake.log" <<'PY'
import json, sys
seen = {}
for line in open(sys.argv[1]):
    entry = json.loads(line)
    seen[entry["kind"]] = entry["value"]
rules = {"rules": {"missing-precondition": "off"}}
assert seen["initializationOptions"] == rules, seen
assert seen["workspace/configuration"] == [rules], seen
assert seen["didChangeConfiguration"] == {"runbook-ls": rules}, seen
PY
unset FAKE_RUNBOOK_LS_LOG

expect "a server without hover fails at the hover step" 1 '^FAIL hover: textDocument/hover failed' -- \
    "$here/run-neovim.sh" --fake minimal "$config"

printf '#!/bin/sh\nexit 0\n' > "$work/runbook-ls"
chmod +x "$work/runbook-ls"
expect "a server that exits at once is reported as such" 1 '^FAIL attach: the server process ended \(exit code 0' -- \
    env RUNBOOK_LS_BIN="$work/runbook-ls" "$here/run-neovim.sh" "$config"

expect "a missing binary names RUNBOOK_LS_BIN" 1 '^FAIL server: RUNBOOK_LS_BIN=.*/no-such/runbook-ls is not an executable file' -- \
    env RUNBOOK_LS_BIN="$work/no-such/runbook-ls" "$here/run-neovim.sh" "$config"

sed 's#"tests/editors/fixtures/fake-demo"#"tests/editors/fixtures/no-such-workspace"#' "$config" > "$work/missing.json"
expect "a missing workspace names the config file" 1 '^FAIL open: no runbook at .*no-such-workspace/runbooks/broken.md' -- \
    "$here/run-neovim.sh" --fake full "$work/missing.json"

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
