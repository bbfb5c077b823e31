//! Parsing of runbooks (markdown, and TypeScript inside code blocks) into the
//! runbook model. No IO and no LSP: everything here speaks byte offsets.

mod chunks;
mod document;
pub mod fixture;
mod inline_scan;
mod line_index;
mod lower;
mod markdown;
mod model;
mod safety;
mod text_range;
pub mod typescript;

#[cfg(test)]
mod tests;

pub use chunks::Trees;
pub use document::{Document, Parse};
pub use line_index::{
    Encoding, LineCol, LineColCursor, LineIndex, SourcePosition, SourceRange, column_width, floor_char_boundary,
    line_end, line_start, offset_in_line,
};
pub use lower::{is_slug, references};
pub use model::*;
pub use safety::SafetyClass;
pub use text_range::TextRange;
