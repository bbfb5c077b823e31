//! A runbook pack's `pack.json` (SPEC 1): the KEYs its reference lists name,
//! each with the range of its string, so that findings, references and
//! renames can point into the file and edit it in place.

use std::sync::Arc;

use jsonc_parser::ast::{ObjectPropName, Value};
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, ParseOptions};
use runbook_syntax::{LineIndex, SourceRange, TextRange};

/// The file name of a pack, beside a runbook `README.md`.
pub const PACK_FILE: &str = "pack.json";

/// The reference lists of a pack, with the families each one holds.
pub const PACK_LISTS: [(&str, &[&str]); 2] =
    [("references_node_keys", &["node", "next"]), ("references_jupyter_keys", &["jupyter"])];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pack {
    pub text: Arc<str>,
    /// Whether the text is JSON at all: a broken pack lists nothing.
    pub is_json: bool,
    /// One per list of `PACK_LISTS` the pack has, in that order.
    pub lists: Vec<PackList>,
    line_index: LineIndex,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackList {
    /// `references_node_keys` or `references_jupyter_keys`.
    pub name: &'static str,
    /// The families whose KEYs belong in this list.
    pub families: &'static [&'static str],
    pub entries: Vec<PackEntry>,
    /// The `[ … ]` of the list, brackets included.
    pub range: TextRange,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackEntry {
    pub slug: String,
    /// The slug inside its quotes.
    pub range: TextRange,
}

impl Pack {
    /// Reads a pack. Never fails: text that is not JSON lists nothing.
    pub fn parse(text: &str) -> Pack {
        let line_index = LineIndex::new(text);
        let mut pack = Pack { text: Arc::from(text), is_json: false, lists: Vec::new(), line_index };
        // pack.json files are edited by hand and read by JSON.parse; read them
        // leniently anyway, so that a trailing comma does not hide the lists.
        let Ok(parsed) = jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &ParseOptions::default()) else {
            return pack;
        };
        let Some(Value::Object(object)) = parsed.value else { return pack };
        pack.is_json = true;
        for (name, families) in PACK_LISTS {
            // As with `JSON.parse`, the last of duplicate properties wins.
            let value = object.properties.iter().rev().find(|property| property_name(&property.name) == name);
            let Some(Value::Array(array)) = value.map(|property| &property.value) else { continue };
            let entries = array
                .elements
                .iter()
                .filter_map(|element| match element {
                    Value::StringLit(string) => {
                        let range = string.range();
                        // The range of a string literal includes its quotes.
                        let inner = TextRange::new(range.start + 1, range.end.saturating_sub(1).max(range.start + 1));
                        Some(PackEntry { slug: string.value.to_string(), range: inner })
                    }
                    _ => None,
                })
                .collect();
            let range = array.range();
            pack.lists.push(PackList { name, families, entries, range: TextRange::new(range.start, range.end) });
        }
        pack
    }

    pub fn list(&self, name: &str) -> Option<&PackList> {
        self.lists.iter().find(|list| list.name == name)
    }

    /// Every entry of every list, with its list.
    pub fn entries(&self) -> impl Iterator<Item = (&PackList, &PackEntry)> {
        self.lists.iter().flat_map(|list| list.entries.iter().map(move |entry| (list, entry)))
    }

    /// A range of the pack's text, positioned in every encoding.
    pub fn source_range(&self, range: TextRange) -> SourceRange {
        self.line_index.source_range(&self.text, range)
    }
}

fn property_name<'a>(name: &'a ObjectPropName<'_>) -> &'a str {
    match name {
        ObjectPropName::String(string) => string.value.as_ref(),
        ObjectPropName::Word(word) => word.value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_with_the_ranges_of_their_slugs() {
        let text =
            "{\n  \"references_node_keys\": [\"node-a\", 3, \"node-é\"],\n  \"references_jupyter_keys\": []\n}\n";
        let pack = Pack::parse(text);
        assert!(pack.is_json);
        let node = pack.list("references_node_keys").unwrap();
        let slugs: Vec<&str> = node.entries.iter().map(|entry| &text[entry.range.as_range()]).collect();
        assert_eq!(slugs, ["node-a", "node-é"]);
        assert_eq!(&text[node.range.as_range()], "[\"node-a\", 3, \"node-é\"]");
        assert!(pack.list("references_jupyter_keys").unwrap().entries.is_empty());
        assert_eq!(pack.entries().count(), 2);
    }

    #[test]
    fn broken_packs_list_nothing() {
        for text in ["", "{", "[1]", "{\"references_node_keys\": \"node-a\"}"] {
            let pack = Pack::parse(text);
            assert_eq!(pack.entries().count(), 0, "{text}");
        }
        assert!(!Pack::parse("{").is_json);
    }
}
