//! runbook-ls features on plain data: byte offsets and labels in, byte offsets
//! and labels out. Knows nothing of LSP.

mod action_view;
mod affected;
mod assists;
pub mod classify;
mod code_lens;
pub mod completion;
mod config;
mod diagnostic;
pub mod diagnostics;
mod document_links;
mod document_symbols;
mod fixes;
mod folding_ranges;
mod fuzzy;
mod goto_definition;
mod host;
pub mod hover;
mod index;
mod inlay_hints;
pub mod inventory;
pub mod pack;
mod references;
mod rename;
mod rule_docs;
mod semantic_tokens;
pub mod settings;
mod source_change;
mod workspace_symbols;

pub use action_view::ActionView;
pub use assists::{Assist, AssistId, AssistKind, AssistQuery, FixAll};
pub use code_lens::{CodeLens, CodeLensKind, FileLocation};
pub use completion::{
    COMPLETION_TRIGGER_CHARACTERS, CompletionItem, CompletionKind, CompletionList, ResolveData, completions,
    resolve_completion, snippet_to_plain_text,
};
pub use config::{DEFAULT_MAX_DOCUMENT_BYTES, DEFAULT_RUNBOOK_GLOBS, IdeConfig, RuleLevel, build_globs};
pub use diagnostic::{Diagnostic, DiagnosticCode, Related, RelatedLocation, Severity};
pub use diagnostics::{File, Workspace, diagnostics};
pub use document_links::DocumentLink;
pub use document_symbols::{Symbol, SymbolKind, document_symbols};
pub use fixes::Fix;
pub use folding_ranges::{Fold, FoldKind};
pub use goto_definition::NavigationTarget;
pub use host::{Analysis, AnalysisHost, FileDiagnostic};
pub use hover::{HoverResult, hover};
pub use index::{IndexScope, IndexUpdate, MARKDOWN_EXTENSIONS, WorkspaceIndex, is_markdown, is_pack};
pub use inlay_hints::{InlayHint, InlayHintKind};
pub use inventory::{Inventory, inventory};
pub use references::{Reference, ReferenceKind};
pub use rename::RenameError;
pub use rule_docs::{RuleDocs, rule_docs, rules_reference_markdown};
pub use semantic_tokens::{SemanticToken, TokenKind, TokenModifiers};
pub use source_change::{FileSystemEdit, SourceChange, TextEdit};
pub use workspace_symbols::{MAX_WORKSPACE_SYMBOLS, WorkspaceSymbol, WorkspaceSymbolKind};

#[cfg(test)]
mod navigation_tests;
#[cfg(test)]
mod test_utils;
