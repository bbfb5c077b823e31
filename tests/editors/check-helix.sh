#!/usr/bin/env bash
# Checks editors/helix/languages.toml: it parses, defines the runbook-ls server with the
# right command and only settings keys the server knows, and keeps marksman next to
# runbook-ls for markdown. With a Helix binary ($HX, or hx on PATH) it also asks
# `hx --health markdown` whether Helix itself accepts the file.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
toml="$here/../../editors/helix/languages.toml"

python3 - "$toml" <<'PY'
import sys
import tomllib

path = sys.argv[1]
failures = []
def check(condition, message):
    print(("check-helix: ok   " if condition else "check-helix: FAIL ") + message)
    if not condition:
        failures.append(message)

import re

with open(path, "rb") as f:
    config = tomllib.load(f)
print(f"check-helix: ok   {path} parses as TOML")

# The commented-out settings are what users uncomment: check them as if they had.
example_line = re.compile(r"^# ((runbooks|key-roots|rules) =|\s*\{|\])")
with open(path, encoding="utf-8") as f:
    uncommented = "".join(line[2:] if example_line.match(line) else line for line in f)
examples = tomllib.loads(uncommented)["language-server"]["runbook-ls"]["config"]
print(f"check-helix: ok   the commented examples parse once uncommented: {sorted(examples)}")

server = config.get("language-server", {}).get("runbook-ls")
check(isinstance(server, dict), "[language-server.runbook-ls] is defined")
server = server or {}
check(server.get("command") == "runbook-ls", f'command = "runbook-ls" (got {server.get("command")!r})')
check(not server.get("args"), "no args: runbook-ls speaks LSP on stdio when run without arguments")

check(isinstance(server.get("config", {}), dict), "config is a table (sent as initializationOptions)")
# Check the active settings and the commented examples alike.
settings = {**server.get("config", {}), **examples}
known = {"runbooks", "key-roots", "rules"}
check(set(settings) <= known, f"config keys are among {sorted(known)} (got {sorted(settings)})")
if "runbooks" in settings:
    check(isinstance(settings["runbooks"], list) and all(isinstance(g, str) for g in settings["runbooks"]), "runbooks is a list of globs")
if "key-roots" in settings:
    roots = settings["key-roots"]
    check(isinstance(roots, list) and all(isinstance(r, dict) and {"path", "prefix"} <= set(r) <= {"path", "prefix", "import"} for r in roots),
          "key-roots entries are { path, prefix, import? }")
codes = {
    "missing-precondition", "missing-rollback", "irreversible-without-warning", "missing-safety",
    "missing-side-effects", "unknown-safety-class", "safety-mismatch", "unknown-key",
    "unresolved-import", "unknown-export", "location-mismatch", "key-import-mismatch",
    "hidden-execution", "missing-manual-alternative", "missing-section", "section-order",
    "pack-reference-mismatch", "invalid-key-manifest", "invalid-config",
}
rules = settings.get("rules", {})
check(isinstance(rules, dict) and set(rules) <= codes, f"rules name known diagnostic codes (got {sorted(rules)})")
check(all(v in {"error", "warning", "info", "hint", "off"} for v in rules.values()), "rule severities are error/warning/info/hint/off")

markdown = [l for l in config.get("language", []) if l.get("name") == "markdown"]
check(len(markdown) == 1, "one [[language]] entry for markdown")
servers = [s if isinstance(s, str) else s.get("name") for s in (markdown[0].get("language-servers", []) if markdown else [])]
check("runbook-ls" in servers, f"markdown's language-servers include runbook-ls (got {servers})")
check("marksman" in servers, f"markdown's language-servers keep marksman next to it (got {servers})")

print(f"{13 + ('runbooks' in settings) + ('key-roots' in settings) - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
PY

hx=${HX:-$(command -v hx || true)}
if [ -z "$hx" ]; then
    echo "check-helix: skip hx --health (no \$HX and no hx on PATH; ../shared/tools/helix-here.sh next to the repository prints one; .ci/run requires it)"
    exit 0
fi
config_home=$(mktemp -d)
trap 'rm -rf "$config_home"' EXIT
mkdir -p "$config_home/helix"
cp "$toml" "$config_home/helix/languages.toml"
health=$(XDG_CONFIG_HOME="$config_home" "$hx" --health markdown 2>&1 | sed 's/\x1b\[[0-9;]*m//g')
echo "$health" | sed 's/^/    /'
if grep -qE '^\s*. runbook-ls: ' <<<"$health" && grep -qE '^\s*. marksman: ' <<<"$health"; then
    echo "check-helix: ok   hx --health markdown lists marksman and runbook-ls"
else
    echo "check-helix: FAIL hx --health markdown does not list both marksman and runbook-ls" >&2
    exit 1
fi
