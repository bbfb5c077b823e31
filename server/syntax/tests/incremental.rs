//! Differential property test: a document edited incrementally (rope edits,
//! tree edits, lazy incremental re-parse) says exactly what a fresh parse of
//! its final text says: the same text, the same block and inline trees, and
//! the same runbook model.

use proptest::prelude::*;
use runbook_syntax::{Document, Parse, TextRange};

const BASES: &[&str] = &[
    include_str!("../../../tests/corpus/keys-repo/runbook-keys/background-job-failure-replay/README.md"),
    "## Action Steps\n\n### Action 1: Update (REVERSIBLE)\n\n**Preconditions**:\n- one\n\n**Execution**:\n```ts\nimport { a, b as c } from '@/node-keys/x/src';\nawait c({});\n```\n\n**Safety**: SAFE\n",
    "",
];

const SNIPPETS: &[&str] = &[
    "\n",
    "\r\n",
    "\r",
    " ",
    "#",
    "### Action 2: Replay (IRREVERSIBLE - careful)\n",
    "## Step 3: Look\n",
    "**Safety**: ",
    "**Rollback**: undo\n",
    "- **KEY**: `node-a-b`\n",
    "```ts\n",
    "```\n",
    "~~~\n",
    "`",
    "`next-thing`",
    "😀",
    "漢字",
    "e\u{301}",
    "- ",
    "  ",
    "> ",
    "1. ",
    "import { x, type T } from '@/node-keys/y/src';\n",
    "x();\n",
    "<!-- runbook-ls-disable missing-safety -->\n",
    "<!--\n",
    "-->\n",
    "|a|`node-q`|\n|-|-|\n",
    "---\n",
    "Title\n===\n",
    "**",
    ":",
    "(",
    ")",
];

#[derive(Debug, Clone)]
enum Step {
    /// Replace the range between two relative positions by a snippet (empty = delete).
    Edit { from: f64, len: f64, snippet: Option<usize> },
    /// Force a parse, so that later edits start from a fresh base.
    Parse,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        8 => (0.0..=1.0f64, 0.0..0.05f64, proptest::option::weighted(0.8, 0..SNIPPETS.len()))
            .prop_map(|(from, len, snippet)| Step::Edit { from, len, snippet }),
        1 => Just(Step::Parse),
    ]
}

fn char_boundary_at(text: &str, fraction: f64) -> usize {
    let mut offset = ((text.len() as f64) * fraction) as usize;
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn sexps(parse: &Parse) -> (String, Vec<String>) {
    let tree = parse.tree();
    (
        tree.block_tree().root_node().to_sexp(),
        tree.inline_trees().iter().map(|tree| tree.root_node().to_sexp()).collect(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn incremental_equals_fresh(base in 0..BASES.len(), steps in proptest::collection::vec(step(), 1..24)) {
        let mut doc = Document::new(BASES[base]);
        let mut shadow = BASES[base].to_string();
        for step in steps {
            match step {
                Step::Parse => { doc.parse(); }
                Step::Edit { from, len, snippet } => {
                    let start = char_boundary_at(&shadow, from);
                    let end = char_boundary_at(&shadow, (from + len).min(1.0)).max(start);
                    let insert = snippet.map_or("", |i| SNIPPETS[i]);
                    doc.edit(TextRange::new(start, end), insert);
                    shadow.replace_range(start..end, insert);
                }
            }
        }
        let incremental = doc.parse();
        let fresh = Parse::new(&shadow);
        prop_assert_eq!(incremental.text(), fresh.text());
        prop_assert_eq!(sexps(&incremental), sexps(&fresh));
        prop_assert_eq!(incremental.runbook(), fresh.runbook());
    }
}
