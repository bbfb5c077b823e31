//! Differential property tests: a document edited incrementally (rope edits,
//! chunks re-parsed only around the edits, incrementally from their old trees)
//! says exactly what a fresh parse of its final text says (the same text, the
//! same chunks with the same block and inline trees, the same model), and that
//! model is the one a single whole-document parse gives.

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
    /// Overwrite one character with one of the same length: the text keeps
    /// its length, so only the content tells the chunks apart.
    Overwrite { at: f64, with: char },
    /// Force a parse, so that later edits start from a fresh base.
    Parse,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        8 => (0.0..=1.0f64, 0.0..0.05f64, proptest::option::weighted(0.8, 0..SNIPPETS.len()))
            .prop_map(|(from, len, snippet)| Step::Edit { from, len, snippet }),
        2 => (0.0..=1.0f64, proptest::sample::select(vec!['#', '`', '-', '*', 'x', ' ', '\n', '>']))
            .prop_map(|(at, with)| Step::Overwrite { at, with }),
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

/// Every chunk's start and the S-expression of its block tree. (Inline trees
/// are always parsed afresh and not kept; the model compares what they said.)
fn sexps(parse: &Parse) -> Vec<(usize, String)> {
    parse.block_trees().map(|(start, tree)| (start, tree.root_node().to_sexp())).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn incremental_equals_fresh(base in 0..BASES.len(), steps in proptest::collection::vec(step(), 1..24)) {
        let mut doc = Document::new(BASES[base]);
        let mut shadow = BASES[base].to_string();
        for step in steps {
            match step {
                Step::Parse => { doc.parse(); }
                Step::Overwrite { at, with } => {
                    let start = char_boundary_at(&shadow, at);
                    let Some(old) = shadow[start..].chars().next().filter(char::is_ascii) else { continue };
                    let _ = old;
                    let end = start + 1;
                    doc.edit(TextRange::new(start, end), with.encode_utf8(&mut [0; 4]));
                    shadow.replace_range(start..end, with.encode_utf8(&mut [0; 4]));
                }
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
        let whole = Parse::whole_document(&shadow);
        prop_assert_eq!(fresh.runbook(), &whole);
        let references = runbook_syntax::references(&shadow);
        prop_assert_eq!((&references.key_refs, &references.imports), (&whole.key_refs, &whole.imports));
    }
}

/// Every markdown file of the corpus (real runbooks, structure documents with
/// fenced examples) and of the demo gives the same model chunked and whole.
#[test]
fn chunked_equals_whole_on_real_files() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests");
    let mut stack = vec![root.join("corpus"), root.join("fixtures")];
    let mut n_files = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|extension| extension == "md") {
                let text = std::fs::read_to_string(&path).unwrap();
                let whole = Parse::whole_document(&text);
                assert_eq!(Parse::new(&text).runbook(), &whole, "{}", path.display());
                let references = runbook_syntax::references(&text);
                assert_eq!(
                    (&references.key_refs, &references.imports),
                    (&whole.key_refs, &whole.imports),
                    "{}",
                    path.display()
                );
                n_files += 1;
            }
        }
    }
    assert!(n_files > 20, "{n_files}");
}
