//! Semantic tokens on the wire: the legend, the relative encoding of the
//! ide's tokens in the negotiated position encoding, and `full/delta`: the
//! last result sent for each document is kept, and a delta is the one edit
//! (common prefix and suffix kept) that turns it into the new result, so a
//! client applying it holds exactly what a fresh `full` would have sent.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use runbook_ide::{SemanticToken as IdeToken, TokenKind};
use runbook_syntax::SafetyClass;
use runbook_syntax::TextRange;
use tower_lsp_server::ls_types::{
    Range, SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokens, SemanticTokensDelta,
    SemanticTokensEdit, SemanticTokensLegend,
};

use crate::positions::OrderedPositions;
use crate::session::Snapshot;

/// The token types, in legend order: standard ones where they fit; no
/// standard type fits a heading, so Actions and Steps have their own.
const TOKEN_TYPES: [&str; 11] = [
    "namespace",
    "function",
    "class",
    "variable",
    "type",
    "interface",
    "enum",
    "enumMember",
    "property",
    "action",
    "step",
];

/// The modifiers, in legend order: one per safety class, so that themes can
/// colour IRREVERSIBLE apart, and `unknown` for what the index does not know.
const TOKEN_MODIFIERS: [&str; 5] = ["declaration", "unknown", "safe", "reversible", "irreversible"];

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TOKEN_TYPES.iter().map(|name| SemanticTokenType::new(name)).collect(),
        token_modifiers: TOKEN_MODIFIERS.iter().map(|name| SemanticTokenModifier::new(name)).collect(),
    }
}

fn type_index(kind: TokenKind) -> u32 {
    let name = match kind {
        TokenKind::Key | TokenKind::ImportSpecifier => "namespace",
        TokenKind::Function => "function",
        TokenKind::Class => "class",
        TokenKind::Variable => "variable",
        TokenKind::Type => "type",
        TokenKind::Interface => "interface",
        TokenKind::Enum => "enum",
        TokenKind::SafetyClass => "enumMember",
        TokenKind::FieldLabel => "property",
        TokenKind::ActionHeading => "action",
        TokenKind::StepHeading => "step",
    };
    TOKEN_TYPES.iter().position(|known| *known == name).expect("every kind is in the legend") as u32
}

fn modifier_bit(name: &str) -> u32 {
    1 << TOKEN_MODIFIERS.iter().position(|known| *known == name).expect("every modifier is in the legend")
}

fn modifiers_bitset(token: &IdeToken) -> u32 {
    let modifiers = token.modifiers;
    let mut bits = 0;
    if modifiers.declaration {
        bits |= modifier_bit("declaration");
    }
    if modifiers.unknown {
        bits |= modifier_bit("unknown");
    }
    if let Some(class) = modifiers.class {
        bits |= modifier_bit(match class {
            SafetyClass::Safe => "safe",
            SafetyClass::Reversible => "reversible",
            SafetyClass::Irreversible => "irreversible",
        });
    }
    bits
}

/// The tokens relative to each other, as LSP sends them. The ide's tokens
/// are sorted, disjoint and on one line each.
pub fn encode(mut positions: OrderedPositions<'_>, tokens: &[IdeToken]) -> Vec<SemanticToken> {
    let mut encoded = Vec::with_capacity(tokens.len());
    let (mut line, mut character) = (0, 0);
    for token in tokens {
        let start = positions.position(token.range.start);
        // A token is on one line: its length is the column of its end less its start's.
        let length = positions.position(token.range.end).character - start.character;
        if length == 0 {
            continue;
        }
        let delta_line = start.line - line;
        let delta_start = if delta_line == 0 { start.character - character } else { start.character };
        encoded.push(SemanticToken {
            delta_line,
            delta_start,
            length,
            token_type: type_index(token.kind),
            token_modifiers_bitset: modifiers_bitset(token),
        });
        (line, character) = (start.line, start.character);
    }
    encoded
}

/// The encoded tokens of an open document, or of the part that touches
/// `range`; `None` when the document is not open.
pub fn document_tokens(snapshot: &Snapshot, range: Option<Range>) -> Option<Vec<SemanticToken>> {
    snapshot.with_converter(|converter| {
        let range = range.map(|range| {
            TextRange::new(
                converter.offset(range.start),
                converter.offset(range.end).max(converter.offset(range.start)),
            )
        });
        let tokens = snapshot.analysis.semantic_tokens(&snapshot.path, range);
        // Tokens come from the parse, whose text is the converter's version;
        // a document too large to parse has neither.
        match snapshot.analysis.parse(&snapshot.path) {
            Some(parse) => encode(OrderedPositions::new(parse.text(), converter.encoding), &tokens),
            None => Vec::new(),
        }
    })
}

/// The last result sent for each open document, for `full/delta`.
#[derive(Default)]
pub struct TokenCache {
    next_id: AtomicU64,
    by_uri: Mutex<HashMap<String, (String, Vec<SemanticToken>)>>,
}

impl TokenCache {
    /// Remembers `data` as the result sent for `uri`; returns its id.
    pub fn store(&self, uri: &str, data: &[SemanticToken]) -> String {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed).to_string();
        let mut by_uri = self.by_uri.lock().unwrap_or_else(PoisonError::into_inner);
        by_uri.insert(uri.to_string(), (id.clone(), data.to_vec()));
        id
    }

    /// The full result for `uri`, remembered.
    pub fn full(&self, uri: &str, data: Vec<SemanticToken>) -> SemanticTokens {
        let result_id = self.store(uri, &data);
        SemanticTokens { result_id: Some(result_id), data }
    }

    /// The edit from the result `previous` to `data`, remembered; `None`
    /// (send the full result) when `previous` is not the last one sent.
    pub fn delta(
        &self,
        uri: &str,
        previous: &str,
        data: Vec<SemanticToken>,
    ) -> Result<SemanticTokensDelta, SemanticTokens> {
        let old = {
            let by_uri = self.by_uri.lock().unwrap_or_else(PoisonError::into_inner);
            match by_uri.get(uri) {
                Some((id, old)) if id == previous => Some(diff(old, &data)),
                _ => None,
            }
        };
        match old {
            Some(edits) => Ok(SemanticTokensDelta { result_id: Some(self.store(uri, &data)), edits }),
            None => Err(self.full(uri, data)),
        }
    }

    pub fn forget(&self, uri: &str) {
        self.by_uri.lock().unwrap_or_else(PoisonError::into_inner).remove(uri);
    }
}

/// One edit replacing what lies between the common prefix and the common
/// suffix of `old` and `new` (none when they are equal). Offsets count the
/// integers of the encoding, five per token.
pub fn diff(old: &[SemanticToken], new: &[SemanticToken]) -> Vec<SemanticTokensEdit> {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..].iter().rev().zip(new[prefix..].iter().rev()).take_while(|(a, b)| a == b).count();
    let deleted = old.len() - prefix - suffix;
    let inserted = &new[prefix..new.len() - suffix];
    if deleted == 0 && inserted.is_empty() {
        return Vec::new();
    }
    vec![SemanticTokensEdit {
        start: 5 * prefix as u32,
        delete_count: 5 * deleted as u32,
        data: (!inserted.is_empty()).then(|| inserted.to_vec()),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(delta_line: u32, delta_start: u32) -> SemanticToken {
        SemanticToken { delta_line, delta_start, length: 3, token_type: 0, token_modifiers_bitset: 0 }
    }

    /// Applies edits to an encoded result as a client does.
    fn apply(old: &[SemanticToken], edits: &[SemanticTokensEdit]) -> Vec<SemanticToken> {
        let mut flat: Vec<SemanticToken> = old.to_vec();
        for edit in edits.iter().rev() {
            let start = edit.start as usize / 5;
            let end = start + edit.delete_count as usize / 5;
            flat.splice(start..end, edit.data.clone().unwrap_or_default());
        }
        flat
    }

    #[test]
    fn a_delta_applied_to_the_old_result_is_the_new_one() {
        let a = token(0, 1);
        let b = token(1, 2);
        let c = token(0, 4);
        let d = token(2, 0);
        for (old, new) in [
            (vec![a, b, c], vec![a, b, c]),
            (vec![a, b, c], vec![a, d, c]),
            (vec![a, b, c], vec![a, c]),
            (vec![a, c], vec![a, b, b, c]),
            (vec![], vec![a]),
            (vec![a, a, a], vec![a, a]),
            (vec![a, b], vec![]),
        ] {
            let edits = diff(&old, &new);
            assert!(edits.len() <= 1);
            assert_eq!(apply(&old, &edits), new, "{old:?} -> {new:?}: {edits:?}");
        }
        assert!(diff(&[a, b], &[a, b]).is_empty());
    }

    /// The legend's own types and modifiers are declared to VS Code, every
    /// scope the extension maps uses the legend, and the docs list them all.
    #[test]
    fn the_vscode_extension_and_the_docs_know_the_legend() {
        let repository = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let read = |path: &str| std::fs::read_to_string(repository.join(path)).unwrap();
        let package: serde_json::Value = serde_json::from_str(&read("editors/vscode/package.json")).unwrap();
        let contributes = &package["contributes"];
        let ids = |key: &str| -> Vec<String> {
            contributes[key].as_array().unwrap().iter().map(|item| item["id"].as_str().unwrap().to_string()).collect()
        };
        let standard_types = [
            SemanticTokenType::NAMESPACE,
            SemanticTokenType::FUNCTION,
            SemanticTokenType::CLASS,
            SemanticTokenType::VARIABLE,
            SemanticTokenType::TYPE,
            SemanticTokenType::INTERFACE,
            SemanticTokenType::ENUM,
            SemanticTokenType::ENUM_MEMBER,
            SemanticTokenType::PROPERTY,
        ];
        let own_types: Vec<&str> = TOKEN_TYPES
            .into_iter()
            .filter(|name| !standard_types.iter().any(|known| known.as_str() == *name))
            .collect();
        assert_eq!(own_types, ids("semanticTokenTypes"));
        let own_modifiers: Vec<&str> =
            TOKEN_MODIFIERS.into_iter().filter(|name| *name != SemanticTokenModifier::DECLARATION.as_str()).collect();
        let mut declared = ids("semanticTokenModifiers");
        declared.sort();
        let mut own_sorted = own_modifiers.clone();
        own_sorted.sort();
        assert_eq!(own_sorted, declared);
        for scopes in contributes["semanticTokenScopes"].as_array().unwrap() {
            for selector in scopes["scopes"].as_object().unwrap().keys() {
                let (kind, modifier) = selector.split_once('.').unwrap_or((selector, ""));
                assert!(TOKEN_TYPES.contains(&kind), "{selector}");
                assert!(modifier.is_empty() || TOKEN_MODIFIERS.contains(&modifier), "{selector}");
            }
        }
        let docs = read("grammars/README.md");
        for name in TOKEN_TYPES.iter().chain(&TOKEN_MODIFIERS) {
            assert!(docs.contains(&format!("`{name}`")), "grammars/README.md does not document `{name}`");
        }
    }

    #[test]
    fn the_cache_answers_deltas_to_the_last_result_only() {
        let cache = TokenCache::default();
        let first = cache.full("file:///a.md", vec![token(0, 1)]);
        let id = first.result_id.unwrap();
        let delta = cache.delta("file:///a.md", &id, vec![token(0, 1), token(1, 0)]).expect("a delta");
        assert_eq!(delta.edits.len(), 1);
        // The first id is no longer the last result: a full answer.
        assert!(cache.delta("file:///a.md", &id, vec![token(0, 1)]).is_err());
        cache.forget("file:///a.md");
        assert!(cache.delta("file:///a.md", delta.result_id.as_deref().unwrap(), Vec::new()).is_err());
    }
}
