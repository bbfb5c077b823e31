//! How a document's markdown is parsed into syntax trees and lowered to the model.

use std::cell::RefCell;

use tree_sitter_md::{MarkdownParser, MarkdownTree};

use crate::Runbook;
use crate::lower::{Facts, assemble};

thread_local! {
    static PARSER: RefCell<MarkdownParser> = RefCell::new(MarkdownParser::default());
}

/// Parses `text`, reusing `old_tree` (already edited to match `text`).
pub fn parse(text: &str, old_tree: Option<&MarkdownTree>) -> MarkdownTree {
    PARSER.with(|parser| {
        let mut parser = parser.borrow_mut();
        parser
            .parse(text.as_bytes(), old_tree)
            .or_else(|| parser.parse(text.as_bytes(), None))
            .expect("tree-sitter only withholds a tree on timeout or cancellation, and none is set")
    })
}

pub fn lower(text: &str, tree: &MarkdownTree) -> Runbook {
    assemble(text, Facts::collect(text, tree))
}
