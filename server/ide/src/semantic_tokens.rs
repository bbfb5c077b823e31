//! Semantic tokens (SPEC 4, presentation): the parts of a runbook the server
//! understands, typed for an editor to colour. They come from the runbook
//! model and from what each part refers to as `classify` finds it (its
//! `definition` for KEY slugs; for imports the one catalog resolution that
//! `definition` makes, done once per import). A token is marked unknown
//! exactly where an `unknown-*` diagnostic points, and carries the safety
//! class the catalog declares for what it names.
//!
//! The result is sorted, free of overlaps and never spans a line break, which
//! is what LSP clients without `multilineTokenSupport` (all of them but VS
//! Code) need.

use runbook_keys::{ExportKind, ImportTarget, KeyCatalog};
use runbook_syntax::{Parse, Runbook, SafetyClass, TextRange, Word};

use crate::IdeConfig;
use crate::action_view::ActionView;
use crate::classify::{Definition, Token, definition, is_key_reference};

/// A typed range of a runbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SemanticToken {
    pub range: TextRange,
    pub kind: TokenKind,
    pub modifiers: TokenModifiers,
}

/// What a token is. The LSP layer maps these onto standard token types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A KEY slug in a code span.
    Key,
    /// The specifier of an import from a key root, without quotes.
    ImportSpecifier,
    /// An imported name or a call of one, by the kind of the export it names
    /// (a function when the KEY does not export it).
    Function,
    Class,
    Variable,
    Type,
    Interface,
    Enum,
    /// A safety class word of a heading or a Safety field (or a near miss).
    SafetyClass,
    /// The label of a known field (`Preconditions` in `**Preconditions**:`).
    FieldLabel,
    /// The heading text of an Action, outside the tokens inside it.
    ActionHeading,
    /// The heading text of a diagnosis Step, outside the tokens inside it.
    StepHeading,
}

impl TokenKind {
    pub const ALL: [TokenKind; 12] = [
        TokenKind::Key,
        TokenKind::ImportSpecifier,
        TokenKind::Function,
        TokenKind::Class,
        TokenKind::Variable,
        TokenKind::Type,
        TokenKind::Interface,
        TokenKind::Enum,
        TokenKind::SafetyClass,
        TokenKind::FieldLabel,
        TokenKind::ActionHeading,
        TokenKind::StepHeading,
    ];

    fn of_export(kind: ExportKind) -> TokenKind {
        match kind {
            ExportKind::Function | ExportKind::ArrowFunction => TokenKind::Function,
            ExportKind::Class => TokenKind::Class,
            ExportKind::Variable => TokenKind::Variable,
            ExportKind::Type => TokenKind::Type,
            ExportKind::Interface => TokenKind::Interface,
            ExportKind::Enum => TokenKind::Enum,
        }
    }
}

/// What a token is in addition to its kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenModifiers {
    /// An Action's or Step's heading: where it is declared.
    pub declaration: bool,
    /// What the `unknown-*` diagnostics report: a slug no KEY has (of a
    /// family with a key root), an import of a folder that is no KEY, a name
    /// the imported KEY does not export, a misspelt safety class.
    pub unknown: bool,
    /// The safety class: of the word itself, of the Action a heading opens,
    /// or the class the KEY declares (its manifest's, else the strictest
    /// `@safety`; an export's own `@safety` for imported names).
    pub class: Option<SafetyClass>,
}

/// The tokens of a runbook, sorted, without overlaps, each on one line.
/// Without a catalog (index not ready) nothing is unknown and no KEY class
/// is known.
pub(crate) fn semantic_tokens(parse: &Parse, catalog: Option<&KeyCatalog>, config: &IdeConfig) -> Vec<SemanticToken> {
    let runbook = parse.runbook();
    let mut leaves = leaf_tokens(runbook, catalog, config);
    leaves.sort_by_key(|token| (token.range.start, token.range.end));
    let mut tokens = heading_tokens(parse.text(), runbook, &leaves);
    tokens.extend(leaves);
    tokens.sort_by_key(|token| (token.range.start, token.range.end));
    // Parts of the model never overlap; should a malformed document make
    // them, the first token wins rather than confusing the client.
    let mut end = 0;
    tokens.retain(|token| {
        let keep = token.range.start >= end && !token.range.is_empty();
        if keep {
            end = token.range.end;
        }
        keep
    });
    split_at_line_breaks(parse.text(), tokens)
}

/// Every token but the headings', in no particular order.
fn leaf_tokens(runbook: &Runbook, catalog: Option<&KeyCatalog>, config: &IdeConfig) -> Vec<SemanticToken> {
    let mut tokens = Vec::new();
    let mut push = |range: TextRange, kind: TokenKind, modifiers: TokenModifiers| {
        tokens.push(SemanticToken { range, kind, modifiers });
    };
    let key_class = |definition: &Option<Definition>| {
        let key = catalog?.key(definition.as_ref()?.key()?)?;
        key.declared_safety()
    };

    let safety_words = runbook
        .actions
        .iter()
        .filter_map(|action| action.heading_safety.as_ref())
        .chain(runbook.fields.iter().filter_map(|field| field.safety.as_ref()));
    for word in safety_words {
        if let Some(modifiers) = safety_word(word) {
            push(word.range, TokenKind::SafetyClass, modifiers);
        }
    }

    for (index, key_ref) in runbook.key_refs.iter().enumerate() {
        if !is_key_reference(key_ref, config, catalog) {
            continue;
        }
        let found = catalog.and_then(|catalog| definition(runbook, &Token::KeySlug { key_ref: index }, catalog));
        // As `unknown-key`: only families that have a key root in the workspace.
        let unknown = found.is_none() && catalog.is_some_and(|catalog| catalog.is_family(key_ref.family()));
        let modifiers = TokenModifiers { unknown, class: key_class(&found), ..Default::default() };
        push(key_ref.range, TokenKind::Key, modifiers);
    }

    // Each import resolved once (what `classify::definition` asks of the
    // catalog for a specifier, an imported name and a call): several tokens
    // ask, and a runbook holds hundreds of imports.
    let targets: Vec<Option<ImportTarget<'_>>> =
        runbook.imports.iter().map(|import| catalog.map(|catalog| catalog.resolve_import(&import.specifier))).collect();
    let is_key_import = |index: usize| match &targets[index] {
        Some(target) => !matches!(target, ImportTarget::NotAKeyImport),
        None => config.is_key_import(&runbook.imports[index].specifier),
    };
    // The token of an imported name or call: the kind and class of the export
    // the import's KEY entry has under that name.
    let export_token = |import: usize, name: usize, range: TextRange| {
        let key = targets[import].as_ref().and_then(ImportTarget::entry);
        let export = key.and_then(|key| Some((key, key.export(&runbook.imports[import].names.get(name)?.name)?)));
        let kind = export.map_or(TokenKind::Function, |(_, export)| TokenKind::of_export(export.kind));
        let class = export.and_then(|(key, export)| {
            export.doc.as_ref().and_then(|doc| doc.safety_class).or_else(|| key.declared_safety())
        });
        // As `unknown-export`: a name the imported KEY entry does not export.
        let unknown = key.is_some() && export.is_none();
        SemanticToken { range, kind, modifiers: TokenModifiers { unknown, class, ..Default::default() } }
    };
    for (index, import) in runbook.imports.iter().enumerate() {
        if !is_key_import(index) {
            continue;
        }
        if !import.specifier_range.is_empty() {
            let key = targets[index].as_ref().and_then(ImportTarget::key);
            let modifiers = TokenModifiers {
                unknown: catalog.is_some() && key.is_none(),
                class: key.and_then(|key| key.declared_safety()),
                ..Default::default()
            };
            push(import.specifier_range, TokenKind::ImportSpecifier, modifiers);
        }
        for (name_index, name) in import.names.iter().enumerate() {
            let token = export_token(index, name_index, name.name_range);
            push(token.range, token.kind, token.modifiers);
        }
    }
    for call in &runbook.calls {
        if call.import < runbook.imports.len() && is_key_import(call.import) {
            let token = export_token(call.import, call.name, call.range);
            push(token.range, token.kind, token.modifiers);
        }
    }

    for field in &runbook.fields {
        if field.label.is_some() {
            push(field.label_range, TokenKind::FieldLabel, TokenModifiers::default());
        }
    }
    tokens
}

/// A safety class word, or a near miss of one (marked unknown); nothing for
/// other words in a heading's parenthetical (`(USE WITH CAUTION)`).
fn safety_word(word: &Word) -> Option<TokenModifiers> {
    if let Some(class) = word.safety_class() {
        return Some(TokenModifiers { class: Some(class), ..Default::default() });
    }
    SafetyClass::closest(&word.text).map(|_| TokenModifiers { unknown: true, ..Default::default() })
}

/// The heading texts of Actions and Steps, minus the leaf tokens inside
/// them (`leaves` sorted by start), each piece without surrounding blanks
/// and backticks.
fn heading_tokens(text: &str, runbook: &Runbook, leaves: &[SemanticToken]) -> Vec<SemanticToken> {
    let mut tokens = Vec::new();
    let mut heading = |range: TextRange, kind: TokenKind, class: Option<SafetyClass>| {
        let modifiers = TokenModifiers { declaration: true, class, ..Default::default() };
        let first = leaves.partition_point(|leaf| leaf.range.start < range.start);
        let mut start = range.start;
        for leaf in leaves[first..].iter().take_while(|leaf| leaf.range.start < range.end) {
            tokens.push(SemanticToken { range: TextRange::new(start, leaf.range.start.max(start)), kind, modifiers });
            start = leaf.range.end.min(range.end).max(start);
        }
        tokens.push(SemanticToken { range: TextRange::new(start, range.end), kind, modifiers });
    };
    for view in ActionView::all(runbook) {
        heading(view.action.heading_range, TokenKind::ActionHeading, view.effective_class());
    }
    for step in &runbook.steps {
        heading(step.heading_range, TokenKind::StepHeading, None);
    }
    // A piece ends where a code span's backtick does: that is markup.
    let blank = |c: char| c.is_whitespace() || c == '`';
    for token in &mut tokens {
        let piece = &text[token.range.as_range()];
        let start = token.range.start + (piece.len() - piece.trim_start_matches(blank).len());
        token.range = TextRange::new(start, start + piece.trim_matches(blank).len());
    }
    tokens.retain(|token| !token.range.is_empty());
    tokens
}

/// Cuts tokens at line breaks (a field label may wrap) and drops the empty
/// and blank pieces.
fn split_at_line_breaks(text: &str, tokens: Vec<SemanticToken>) -> Vec<SemanticToken> {
    let mut out = Vec::with_capacity(tokens.len());
    for token in tokens {
        let token_text = &text[token.range.as_range()];
        if !token_text.contains(['\n', '\r']) {
            out.push(token);
            continue;
        }
        let mut start = token.range.start;
        for piece in token_text.split(['\n', '\r']) {
            let leading = piece.len() - piece.trim_start().len();
            let trimmed = piece.trim();
            if !trimmed.is_empty() {
                let range = TextRange::new(start + leading, start + leading + trimmed.len());
                out.push(SemanticToken { range, ..token });
            }
            start += piece.len() + 1;
        }
    }
    out
}

#[cfg(test)]
mod tests;
