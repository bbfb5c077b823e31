//! What the text at an offset of a runbook names: the one question hover,
//! navigation, highlights and rename all ask (rust-analyzer's
//! `IdentClass::classify_token` and `Definition`). `Token` says what the
//! text is; `Definition` says what it refers to in the workspace, when the
//! KEY catalog knows.

use std::path::PathBuf;
use std::sync::Arc;

use runbook_keys::{ImportTarget, KeyCatalog};
use runbook_syntax::{FieldLabel, KeyRef, Runbook, SafetyClass, TextRange, Word};

use crate::IdeConfig;
use crate::action_view::is_root_name;

/// A token of a runbook that features know about. Indices point into the
/// `Runbook` the token was classified in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// A code span holding a KEY slug of a configured family.
    KeySlug { key_ref: usize },
    /// The specifier of an import from a key root, without quotes.
    ImportSpecifier { import: usize },
    /// An imported name (`b` in `import { b as c }`).
    ImportedName { import: usize, name: usize },
    /// A call of an imported name in its code block.
    Call { call: usize },
    /// The path of a `**Location**:` field.
    LocationPath { location: usize },
    /// A safety class word (or a near miss) of a heading or a Safety field.
    SafetyWord { word: Word },
    /// The label of a field (`Preconditions` in `**Preconditions**:`).
    FieldLabel { field: usize },
    /// The heading text of an Action, outside its safety word.
    ActionHeading { action: usize },
}

/// What a token refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Definition {
    /// A KEY, by its slug.
    Key {
        slug: String,
    },
    /// A file of a KEY that an import names: its entry or another module.
    Module {
        key: String,
        path: PathBuf,
    },
    /// A name a KEY exports.
    Export {
        key: String,
        name: String,
    },
    /// A workspace file a Location names, and the KEY whose folder holds it.
    File {
        path: PathBuf,
        key: Option<String>,
    },
    SafetyClass(SafetyClass),
    FieldLabel(FieldLabel),
}

impl Definition {
    /// The KEY the definition belongs to, if any.
    pub fn key(&self) -> Option<&str> {
        match self {
            Definition::Key { slug } => Some(slug),
            Definition::Module { key, .. } | Definition::Export { key, .. } => Some(key),
            Definition::File { key, .. } => key.as_deref(),
            Definition::SafetyClass(_) | Definition::FieldLabel(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    /// The token's text.
    pub range: TextRange,
    pub token: Token,
    /// `None` when the token names nothing known (an unknown KEY, a missing
    /// export) or the KEY index is not ready.
    pub definition: Option<Definition>,
}

/// Whether a code span is a reference to a KEY: a slug of a configured (or
/// catalogued) family that is not the name of a key root (`node-keys`).
pub(crate) fn is_key_reference(key_ref: &KeyRef, config: &IdeConfig, catalog: Option<&KeyCatalog>) -> bool {
    let family = key_ref.family();
    (config.is_family(family) || catalog.is_some_and(|catalog| catalog.is_family(family))) && !is_root_name(key_ref)
}

/// The token at `offset` (a character boundary; a cursor right after a
/// token still touches it) and what it refers to.
pub(crate) fn classify(
    runbook: &Runbook,
    offset: usize,
    catalog: Option<&KeyCatalog>,
    config: &IdeConfig,
) -> Option<Classification> {
    let token = token_at(runbook, offset, catalog, config)?;
    let definition = catalog.and_then(|catalog| definition(runbook, &token.1, catalog));
    let definition = definition.or_else(|| match &token.1 {
        Token::SafetyWord { word } => {
            word.safety_class().or_else(|| SafetyClass::closest(&word.text)).map(Definition::SafetyClass)
        }
        Token::FieldLabel { field } => runbook.fields[*field].label.map(Definition::FieldLabel),
        _ => None,
    });
    Some(Classification { range: token.0, token: token.1, definition })
}

fn token_at(
    runbook: &Runbook,
    offset: usize,
    catalog: Option<&KeyCatalog>,
    config: &IdeConfig,
) -> Option<(TextRange, Token)> {
    let safety_words = runbook
        .actions
        .iter()
        .filter_map(|action| action.heading_safety.as_ref())
        .chain(runbook.fields.iter().filter_map(|field| field.safety.as_ref()));
    if let Some(word) = safety_words.into_iter().find(|word| word.range.touches(offset)) {
        return Some((word.range, Token::SafetyWord { word: word.clone() }));
    }
    if let Some(index) = runbook
        .key_refs
        .iter()
        .position(|key_ref| key_ref.range.touches(offset) && is_key_reference(key_ref, config, catalog))
    {
        return Some((runbook.key_refs[index].range, Token::KeySlug { key_ref: index }));
    }
    for (index, import) in runbook.imports.iter().enumerate() {
        if let Some(name) = import.names.iter().position(|name| name.name_range.touches(offset)) {
            return Some((import.names[name].name_range, Token::ImportedName { import: index, name }));
        }
        if import.specifier_range.touches(offset) && !import.specifier_range.is_empty() {
            return Some((import.specifier_range, Token::ImportSpecifier { import: index }));
        }
    }
    if let Some(call) = runbook.calls.iter().position(|call| call.range.touches(offset)) {
        return Some((runbook.calls[call].range, Token::Call { call }));
    }
    if let Some(location) = runbook.locations.iter().position(|location| location.range.touches(offset)) {
        return Some((runbook.locations[location].range, Token::LocationPath { location }));
    }
    if let Some(field) = runbook.fields.iter().position(|field| field.label_range.touches(offset)) {
        return Some((runbook.fields[field].label_range, Token::FieldLabel { field }));
    }
    let action = runbook.actions.iter().position(|action| action.heading_range.touches(offset))?;
    Some((runbook.actions[action].heading_range, Token::ActionHeading { action }))
}

/// What a token refers to, by the catalog (safety words and field labels refer
/// to nothing there).
pub(crate) fn definition(runbook: &Runbook, token: &Token, catalog: &KeyCatalog) -> Option<Definition> {
    let key = |slug: &str| Definition::Key { slug: slug.to_string() };
    match *token {
        Token::KeySlug { key_ref } => Some(key(&catalog.key(&runbook.key_refs[key_ref].slug)?.slug)),
        Token::ImportSpecifier { import } => match catalog.resolve_import(&runbook.imports[import].specifier) {
            ImportTarget::Entry(target) => Some(Definition::Module {
                key: target.slug.clone(),
                path: target.entry.clone().expect("an entry target has an entry"),
            }),
            ImportTarget::File { key, path } => Some(Definition::Module { key: key.slug.clone(), path }),
            ImportTarget::Missing { key: target } => Some(key(&target.slug)),
            ImportTarget::NotAKeyImport | ImportTarget::UnknownFolder { .. } => None,
        },
        Token::ImportedName { import, name } => export(runbook, catalog, import, name),
        Token::Call { call } => {
            let call = &runbook.calls[call];
            export(runbook, catalog, call.import, call.name)
        }
        Token::LocationPath { location } => {
            let path: Arc<str> = runbook.locations[location].path.clone();
            Some(Definition::File {
                path: catalog.workspace_root().join(path.trim_start_matches('/')),
                key: catalog.key_for_path(&path).map(|key| key.slug.clone()),
            })
        }
        Token::SafetyWord { .. } | Token::FieldLabel { .. } | Token::ActionHeading { .. } => None,
    }
}

fn export(runbook: &Runbook, catalog: &KeyCatalog, import: usize, name: usize) -> Option<Definition> {
    let import = runbook.imports.get(import)?;
    let name = import.names.get(name)?;
    let key = catalog.resolve_import(&import.specifier).entry()?;
    let export = key.export(&name.name)?;
    Some(Definition::Export { key: key.slug.clone(), name: export.name.clone() })
}
