#!/usr/bin/env bash
# Builds the VS Code extension from a clean install and checks the .vsix holds exactly the
# files VS Code needs: a broken bundle or a leaky .vscodeignore fails here, not in a user's editor.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
ext="$here/../../editors/vscode"
cd "$ext"

fail() { echo "check-vscode: FAIL: $*" >&2; exit 1; }
step() { echo "check-vscode: $*"; }

step "npm ci"
npm ci --no-audit --no-fund || fail "npm ci"
step "npm run typecheck"
npm run typecheck || fail "typecheck"
step "npm test"
npm test || fail "unit tests"
step "npm run package"
rm -f ./*.vsix
npm run package || fail "vsce package"

shopt -s nullglob
vsix=(./*.vsix)
[ ${#vsix[@]} -eq 1 ] || fail "expected one .vsix in editors/vscode, found ${#vsix[@]}"
vsix=${vsix[0]}

listing=$(python3 - "$vsix" <<'PY'
import sys, zipfile
for name in sorted(zipfile.ZipFile(sys.argv[1]).namelist()):
    print(name)
PY
)
echo "$listing" | sed 's/^/  /'

for required in extension/package.json extension/dist/extension.js extension/readme.md extension/LICENSE.txt extension.vsixmanifest; do
    grep -qx "$required" <<<"$listing" || fail "$vsix lacks $required"
done
unexpected=$(grep '^extension/' <<<"$listing" | grep -Ev '^extension/(package\.json|readme\.md|LICENSE\.txt|dist/extension\.js|server/runbook-ls(\.exe)?)$' || true)
[ -z "$unexpected" ] || fail "$vsix holds files outside the allow-list: $unexpected"

python3 - "$vsix" <<'PY' || fail "package.json inside the .vsix"
import json, sys, zipfile
pkg = json.loads(zipfile.ZipFile(sys.argv[1]).read("extension/package.json"))
assert pkg["main"] == "./dist/extension.js", pkg["main"]
keys = sorted(pkg["contributes"]["configuration"]["properties"])
expected = sorted(["runbook-ls.runbooks", "runbook-ls.key-roots", "runbook-ls.rules", "runbook-ls.server.path", "runbook-ls.trace.server"])
assert keys == expected, keys
print("check-vscode: contributes.configuration:", ", ".join(keys))
PY

# The bundled-binary path: a file in server/ must travel in the .vsix, executable bit included.
if [ ! -e server ]; then
    step "package with a placeholder server/runbook-ls"
    trap 'rm -rf "$ext/server" "$ext/.check-bundled.vsix"' EXIT
    mkdir server
    printf '#!/bin/sh\nexit 0\n' > server/runbook-ls
    chmod +x server/runbook-ls
    npx vsce package --no-dependencies -o .check-bundled.vsix >/dev/null || fail "vsce package with server/"
    python3 - .check-bundled.vsix <<'PY' || fail "server/runbook-ls is not packaged as an executable"
import sys, zipfile
info = zipfile.ZipFile(sys.argv[1]).getinfo("extension/server/runbook-ls")
mode = info.external_attr >> 16
print(f"check-vscode: bundled binary packaged, mode {oct(mode)}")
PY
fi

echo "check-vscode: OK ($vsix, $(wc -l <<<"$listing") entries)"
