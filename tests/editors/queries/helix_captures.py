#!/usr/bin/env python3
"""Prints what a Helix highlights.scm marks in a markdown file, as nvim_captures.lua does.

Uses py-tree-sitter and the tree-sitter-markdown grammars, and Helix's rule that a node
takes the first pattern (in file order) that matches it, so a runbook pattern placed
after the base `(code_span)` pattern would show up here as missing.

    python3 helix_captures.py QUERY.scm FILE.md
"""

import sys

import tree_sitter_markdown
from tree_sitter import Language, Parser, Query, QueryCursor

CLASSES = {"namespace": "KEY", "diff.plus": "SAFE", "diff.delta": "REVERSIBLE", "diff.minus": "IRREVERSIBLE"}


def main(query_path: str, markdown_path: str) -> None:
    source = open(markdown_path, "rb").read()
    block = Language(tree_sitter_markdown.language())
    inline = Language(tree_sitter_markdown.inline_language())
    query = Query(inline, open(query_path, encoding="utf-8").read())

    inline_nodes = []
    stack = [Parser(block).parse(source).root_node]
    while stack:
        node = stack.pop()
        if node.type == "inline":
            inline_nodes.append(node)
        stack.extend(node.children)

    # node -> (pattern index, capture name) of the first pattern that captures it
    winners = {}
    inline_parser = Parser(inline)
    for block_node in inline_nodes:
        # One injection per inline node, as Helix's markdown injections.scm does.
        inline_parser.included_ranges = [block_node.range]
        tree = inline_parser.parse(source)
        for pattern, captures in QueryCursor(query).matches(tree.root_node):
            for name, nodes in captures.items():
                for node in nodes:
                    key = (node.start_byte, node.end_byte, node.type)
                    if key not in winners or pattern < winners[key][0]:
                        winners[key] = (pattern, name, node)

    lines = []
    for pattern, name, node in winners.values():
        if name in CLASSES:
            row, col = node.start_point
            text = source[node.start_byte : node.end_byte].decode("utf-8")
            lines.append(((row, col), f"{row}:{col} {CLASSES[name]} {text}"))
    for _, line in sorted(lines):
        print(line)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
