#!/usr/bin/env bash
# Opens the report of the demo workspace in a real headless Chromium (Debian's `chromium`,
# installed here when missing): takes a screenshot, checks that it is not blank, and checks
# the page Chromium built (its DOM after the inline script ran) for the expected title, the
# summary and the working filter bar. The report, the screenshot and the DOM stay under
# target/ as CI artifacts:
#
#   target/report/demo.html        the report, as `runbook-ls report` wrote it
#   target/report-screenshot.png   Chromium's screenshot, 1200x1600
#   target/report/demo.dom.html    Chromium's DOM after scripts ran (and demo.dom-*.html filtered)
#   target/report/demo.pdf         the page printed, with the print styles
#
# RUNBOOK_LS_BIN: the binary (default target/release/runbook-ls).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
fail() { echo "report-screenshot: FAIL: $*" >&2; exit 1; }
step() { echo "report-screenshot: $*"; }

bin=${RUNBOOK_LS_BIN:-$repo/target/release/runbook-ls}
[ -x "$bin" ] || fail "no binary at $bin: run cargo build --release first"

if ! command -v chromium >/dev/null 2>&1; then
    step "apt-get install chromium"
    apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; } ||
        fail "could not install Debian's chromium (apt-get install -y chromium)"
fi
command -v chromium >/dev/null 2>&1 || fail "chromium is still not on PATH after installing it"
command -v python3 >/dev/null 2>&1 || fail "python3 is needed to read the screenshot"

out=$repo/target/report
mkdir -p "$out"
report=$out/demo.html
screenshot=$repo/target/report-screenshot.png
dom=$out/demo.dom.html
rm -f "$report" "$screenshot" "$dom"

step "runbook-ls report tests/fixtures/demo --output $report"
"$bin" report "$repo/tests/fixtures/demo" --output "$report" || fail "runbook-ls report exited $?"
[ -s "$report" ] || fail "runbook-ls report wrote nothing to $report"

# --no-sandbox: CI runs as root in a container, where Chromium's sandbox cannot start.
chromium_flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars)
step "chromium --screenshot"
timeout 120 chromium "${chromium_flags[@]}" --screenshot="$screenshot" --window-size=1200,1600 \
    "file://$report" >"$out/chromium-screenshot.log" 2>&1 ||
    fail "chromium --screenshot failed (see $out/chromium-screenshot.log)"
[ -s "$screenshot" ] || fail "chromium wrote no screenshot (see $out/chromium-screenshot.log)"

step "checking that the screenshot is not blank"
python3 "$here/png_check.py" "$screenshot" 1200 1600 || fail "the screenshot $screenshot looks wrong"

step "chromium --dump-dom"
timeout 120 chromium "${chromium_flags[@]}" --dump-dom "file://$report" >"$dom" 2>"$out/chromium-dom.log" ||
    fail "chromium --dump-dom failed (see $out/chromium-dom.log)"
expect_in_dom() {
    grep -qF -- "$1" "$dom" || fail "Chromium's page has no $2 ($1); see $dom"
}
expect_in_dom '<title>Runbook audit report: demo</title>' "document title"
expect_in_dom '<h1>Runbook audit report</h1>' "heading"
expect_in_dom '<span class="n">8</span>Actions' "Action count in the summary"
expect_in_dom 'Delete Stale Events' "IRREVERSIBLE Action without a Warning"
# The inline script ran: it shows the filter bar and counts the Actions.
expect_in_dom '<nav id="filters" class="filters" aria-label="Filters">' "filter bar made visible by the script"
expect_in_dom '8 of 8 Actions shown' "Action count written by the filter script"

step "chromium --print-to-pdf (the print styles)"
timeout 120 chromium "${chromium_flags[@]}" --print-to-pdf="$out/demo.pdf" --no-pdf-header-footer "file://$report" \
    >"$out/chromium-pdf.log" 2>&1 || fail "chromium --print-to-pdf failed (see $out/chromium-pdf.log)"
head -c 5 "$out/demo.pdf" | grep -q '%PDF-' || fail "chromium wrote no PDF at $out/demo.pdf"

# The filters, in the browser: the address chooses them (#class=…&key=…).
expect_filtered() {
    local view=$out/demo.dom-$2.html
    timeout 120 chromium "${chromium_flags[@]}" --dump-dom "file://$report#$1" >"$view" 2>>"$out/chromium-dom.log" ||
        fail "chromium --dump-dom #$1 failed (see $out/chromium-dom.log)"
    grep -qF -- "$3" "$view" || fail "with #$1, Chromium's page does not say \"$3\"; see $view"
}
expect_filtered 'class=IRREVERSIBLE' irreversible '1 of 8 Actions shown'
expect_filtered 'key=node-webhook-monitoring' monitoring '2 of 8 Actions shown'
expect_filtered 'class=SAFE&key=node-stripe-webhook-replay' none '0 of 8 Actions shown'

step "ok: $screenshot"
