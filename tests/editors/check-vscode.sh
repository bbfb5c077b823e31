#!/usr/bin/env bash
# Builds the VS Code extension from a clean install and checks its packages: the
# platform-neutral .vsix holds exactly the files VS Code needs, and the linux-x64 .vsix also
# holds the release server (RUNBOOK_LS_BIN, default target/release/runbook-ls), executable, where
# the extension looks for it. Then runs that .vsix end to end in a real VS Code
# (run-vscode-e2e.sh). A broken bundle or a leaky .vscodeignore fails here, not in a user's editor.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
ext="$repo/editors/vscode"
bin=${RUNBOOK_LS_BIN:-$repo/target/release/runbook-ls}
cd "$ext"

fail() { echo "check-vscode: FAIL: $*" >&2; exit 1; }
step() { echo "check-vscode: $*"; }

[ -x "$bin" ] || fail "no server binary at $bin: run cargo build --release first (or set RUNBOOK_LS_BIN)"

step "npm ci"
npm ci --no-audit --no-fund || fail "npm ci"
step "npm run typecheck"
npm run typecheck || fail "typecheck"
step "npm test"
npm test || fail "unit tests"

version=$(node -p 'require("./package.json").version')
rm -f ./*.vsix
rm -rf server

listing() {
    python3 - "$1" <<'PY'
import sys, zipfile
for name in sorted(zipfile.ZipFile(sys.argv[1]).namelist()):
    print(name)
PY
}

step "npm run package (platform-neutral)"
npm run package || fail "vsce package"
neutral="runbook-ls-$version.vsix"
[ -f "$neutral" ] || fail "npm run package did not write $neutral"
neutral_listing=$(listing "$neutral")
echo "$neutral_listing" | sed 's/^/  /'
for required in extension/package.json extension/dist/extension.js extension/readme.md extension/LICENSE.txt extension.vsixmanifest \
    extension/schemas/key.schema.json extension/schemas/pack.schema.json extension/schemas/runbook-ls.schema.json; do
    grep -qx "$required" <<<"$neutral_listing" || fail "$neutral lacks $required"
done
unexpected=$(grep '^extension/' <<<"$neutral_listing" | grep -Ev '^extension/(package\.json|readme\.md|LICENSE\.txt|dist/extension\.js|schemas/(key|pack|runbook-ls)\.schema\.json)$' || true)
[ -z "$unexpected" ] || fail "$neutral holds files outside the allow-list: $unexpected"

python3 - "$neutral" "$repo/editors/schemas" <<'PY' || fail "package.json or the schemas inside the .vsix"
import json, pathlib, sys, zipfile
vsix = zipfile.ZipFile(sys.argv[1])
pkg = json.loads(vsix.read("extension/package.json"))
assert pkg["main"] == "./dist/extension.js", pkg["main"]
keys = sorted(pkg["contributes"]["configuration"]["properties"])
# The server's settings (the ide's single-source test keeps package.json equal
# to them) and the extension's own two.
source = json.loads((pathlib.Path(sys.argv[2]).parent / "vscode" / "package.json").read_text())
expected = sorted(source["contributes"]["configuration"]["properties"])
assert keys == expected, (keys, expected)
assert {"runbook-ls.server.path", "runbook-ls.trace.server", "runbook-ls.runbooks"} <= set(keys), keys
print("check-vscode: contributes.configuration:", ", ".join(keys))
for validation in pkg["contributes"]["jsonValidation"]:
    packaged = vsix.read("extension/" + validation["url"].removeprefix("./"))
    source = (pathlib.Path(sys.argv[2]) / pathlib.Path(validation["url"]).name).read_bytes()
    assert packaged == source, f"{validation['url']} differs from editors/schemas"
    print("check-vscode: jsonValidation:", validation["fileMatch"], "->", validation["url"])
PY

step "a binary for another platform is refused"
if refusal=$(npm run --silent package -- --target darwin-arm64 --server "$bin" 2>&1); then
    fail "npm run package accepted $bin for darwin-arm64"
fi
grep -q "cannot run on darwin-arm64" <<<"$refusal" || fail "unexpected refusal: $refusal"
echo "  $refusal"

step "npm run package -- --target linux-x64 --server $bin"
npm run package -- --target linux-x64 --server "$bin" || fail "vsce package --target linux-x64"
linux="runbook-ls-linux-x64-$version.vsix"
[ -f "$linux" ] || fail "npm run package did not write $linux"
[ ! -e server ] || fail "the packaging left server/ behind"
linux_listing=$(listing "$linux")
[ "$linux_listing" = "$(printf '%s\nextension/server/runbook-ls' "$neutral_listing" | LC_ALL=C sort)" ] ||
    fail "$linux must hold the platform-neutral files plus extension/server/runbook-ls; it holds:
$linux_listing"
python3 - "$linux" "$bin" <<'PY' || fail "the server inside $linux"
import hashlib, sys, zipfile
vsix = zipfile.ZipFile(sys.argv[1])
info = vsix.getinfo("extension/server/runbook-ls")
mode = info.external_attr >> 16
assert mode & 0o111 == 0o111, f"server/runbook-ls has mode {oct(mode)}, not executable"
packaged = hashlib.sha256(vsix.read(info)).hexdigest()
built = hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()
assert packaged == built, "server/runbook-ls is not the release binary"
manifest = vsix.read("extension.vsixmanifest").decode()
assert 'TargetPlatform="linux-x64"' in manifest, "extension.vsixmanifest has no TargetPlatform=linux-x64"
print(f"check-vscode: server/runbook-ls is {sys.argv[2]} (sha256 {built[:12]}…, mode {oct(mode)}), TargetPlatform linux-x64")
PY

step "end to end in code-server"
"$here/run-vscode-e2e.sh" "$ext/$linux" || fail "the end-to-end test in code-server"

echo "check-vscode: OK ($neutral: $(wc -l <<<"$neutral_listing") entries; $linux: $(wc -l <<<"$linux_listing") entries)"
