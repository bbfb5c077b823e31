//! Builds the runbook model from tree-sitter-md trees, in three steps:
//! `facts` are what one parsed text says on its own, with offsets into that
//! text; `chunk_model` turns them into that text's model (field values,
//! Locations, KEY references, Action headings); `assemble` joins the models
//! of a document's chunks into sections, Actions and Steps. The model of a
//! piece of text can therefore be computed, cached and shifted independently
//! of the rest of the document (see `chunks`).

mod assemble;
mod chunk_model;
mod facts;
mod heading;

use std::sync::Arc;

use crate::markdown::{self, MarkdownTrees};
use crate::model::Word;
use crate::{References, Runbook, TextRange};

pub(crate) use assemble::{ChunkSource, Counts, PreviousModel, assemble};
pub(crate) use chunk_model::ChunkModel;
pub use chunk_model::is_slug;
pub(crate) use facts::{Facts, html_block_end};

/// The model of a text parsed into `trees` in one piece.
pub(crate) fn lower(text: &str, trees: &MarkdownTrees) -> Runbook {
    let chunk = Facts::collect(text, trees).finish(text);
    assemble(text, vec![(0, ChunkSource::Parsed(chunk))], None)
}

/// The KEY references and imports of a text, for the workspace index: the
/// model's, read with as little inline parsing as they need.
pub fn references(text: &str) -> References {
    let trees = markdown::parse(text, None, markdown::Inlines::CodeSpans);
    Facts::collect(text, &trees).finish(text).into_references()
}

/// The model of one chunk, parsed with the inline trees the model needs.
pub(crate) fn chunk_model(text: &str, trees: &MarkdownTrees) -> ChunkModel {
    Facts::collect(text, trees).finish(text)
}

/// The first run of letters in `range`, skipping leading markup (`**`, `` ` ``).
pub(super) fn first_word(text: &str, range: TextRange) -> Option<Word> {
    let slice = &text[range.as_range()];
    let start = slice.find(|c: char| c.is_alphanumeric())?;
    let rest = &slice[start..];
    let len = rest.find(|c: char| !c.is_alphanumeric() && c != '_').unwrap_or(rest.len());
    let range = TextRange::new(range.start + start, range.start + start + len);
    Some(Word { text: Arc::from(&text[range.as_range()]), range })
}

pub(super) fn next_line_start(text: &str, line_end: usize) -> usize {
    let bytes = text.as_bytes();
    match bytes.get(line_end) {
        Some(b'\r') if bytes.get(line_end + 1) == Some(&b'\n') => line_end + 2,
        Some(b'\r' | b'\n') => line_end + 1,
        _ => line_end,
    }
}

pub(super) fn trim(text: &str, range: TextRange) -> TextRange {
    let slice = &text[range.as_range()];
    let start = range.start + (slice.len() - slice.trim_start().len());
    TextRange::new(start, (range.start + slice.trim_end().len()).max(start))
}

pub(super) fn trim_end(text: &str, range: TextRange) -> TextRange {
    let slice = &text[range.as_range()];
    TextRange::new(range.start, range.start + slice.trim_end().len())
}
