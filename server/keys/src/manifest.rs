//! Reading a `key.json` into a `Manifest`, keeping every field that has the
//! right type and reporting each one that does not (`invalid-key-manifest`).

use std::path::Path;

use jsonc_parser::ast::Value;
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, ParseOptions};
use runbook_syntax::{LineIndex, SafetyClass, SourceRange, TextRange};

use crate::tsconfig::property_name;
use crate::{FileRange, Manifest, ManifestProblem};

pub const MANIFEST: &str = "key.json";

/// A manifest and what is wrong with it.
#[derive(Debug, Default)]
pub(crate) struct ParsedManifest {
    /// `None` when the text is not JSON at all.
    pub(crate) manifest: Option<Manifest>,
    pub(crate) problems: Vec<ManifestProblem>,
    /// Where the `slug` and `tool` values are, for duplicate-slug reports.
    pub(crate) slug_range: Option<SourceRange>,
    pub(crate) tool_range: Option<SourceRange>,
}

/// Parses `text`, the contents of the manifest at `path`.
pub(crate) fn parse_manifest(path: &Path, text: &str) -> ParsedManifest {
    let mut reader = Reader { path, text, line_index: None, problems: Vec::new() };
    // key.json is read by `JSON.parse` in the KEY tooling, so it must be
    // strict JSON: no comments, trailing commas or single quotes.
    let strict = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let value = match jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &strict) {
        Ok(parsed) => parsed.value,
        Err(error) => {
            let range = error.range();
            let message = lowercase_first(&error.kind().to_string());
            reader.problem(
                TextRange::new(range.start, range.end),
                format!("key.json is not valid JSON: {message}; the KEY is indexed from its folder name"),
            );
            return ParsedManifest { problems: reader.problems, ..ParsedManifest::default() };
        }
    };
    let Some(value) = value else {
        reader.problem(TextRange::empty(0), "key.json is empty: expected a JSON object of manifest fields".to_string());
        return ParsedManifest { problems: reader.problems, ..ParsedManifest::default() };
    };
    let Value::Object(object) = value else {
        let found = type_name(&value);
        reader.problem(range_of(&value), format!("key.json must be a JSON object of manifest fields, found {found}"));
        return ParsedManifest { problems: reader.problems, ..ParsedManifest::default() };
    };
    let mut manifest = Manifest::default();
    let mut slug_range = None;
    let mut tool_range = None;
    // Later duplicates win, as with `JSON.parse`.
    for property in &object.properties {
        let name = property_name(&property.name);
        let value = &property.value;
        match name {
            "slug" => {
                if let Some(slug) = reader.string(name, value) {
                    if is_slug_name(&slug) {
                        manifest.slug = Some(slug);
                        let quoted = range_of(value);
                        let inside =
                            TextRange::new(quoted.start + 1, quoted.end.saturating_sub(1).max(quoted.start + 1));
                        manifest.slug_range = Some(reader.source_range(inside));
                        slug_range = Some(reader.source_range(quoted));
                    } else {
                        reader.problem(
                            range_of(value),
                            format!(
                                "`slug` must be lowercase words and digits joined by `-` (like `safe-cron-execution`), found `{slug}`; the folder name is used instead"
                            ),
                        );
                    }
                }
            }
            "title" => manifest.title = reader.string(name, value),
            "description" => manifest.description = reader.string(name, value),
            "tool" => {
                manifest.tool = reader.string(name, value);
                if manifest.tool.is_some() {
                    tool_range = Some(reader.source_range(range_of(value)));
                }
            }
            "key_type" => manifest.key_type = reader.string_list(name, value),
            "runtime" => manifest.runtime = reader.string(name, value),
            "side_effects" => manifest.side_effects = reader.string_list(name, value),
            "required_env" => manifest.required_env = reader.string_list(name, value),
            "optional_env" => manifest.optional_env = reader.string_list(name, value),
            "tenant_scope" => manifest.tenant_scope = reader.string(name, value),
            "safety" => {
                manifest.safety = None;
                manifest.safety_range = None;
                if let Some(word) = reader.string(name, value) {
                    match SafetyClass::parse(&word) {
                        Some(class) => {
                            manifest.safety = Some(class);
                            manifest.safety_range = Some(reader.source_range(range_of(value)));
                        }
                        None => {
                            let hint = SafetyClass::closest(&word)
                                .map(|class| format!(" (did you mean {class}?)"))
                                .unwrap_or_default();
                            reader.problem(
                                range_of(value),
                                format!(
                                    "`safety` must be one of SAFE, REVERSIBLE or IRREVERSIBLE, found `{word}`{hint}"
                                ),
                            );
                        }
                    }
                }
            }
            "preconditions" => manifest.preconditions = reader.string_list(name, value),
            "rollback" => manifest.rollback = reader.string(name, value),
            _ => {}
        }
    }
    ParsedManifest { manifest: Some(manifest), problems: reader.problems, slug_range, tool_range }
}

/// Whether a manifest `slug` can be written in a runbook: `is_slug` without the family.
fn is_slug_name(slug: &str) -> bool {
    runbook_syntax::is_slug(&format!("x-{slug}"))
}

struct Reader<'a> {
    path: &'a Path,
    text: &'a str,
    /// Built on the first range: most manifests need none.
    line_index: Option<LineIndex>,
    problems: Vec<ManifestProblem>,
}

impl Reader<'_> {
    fn source_range(&mut self, range: TextRange) -> SourceRange {
        let text = self.text;
        self.line_index.get_or_insert_with(|| LineIndex::new(text)).source_range(text, range)
    }

    fn problem(&mut self, range: TextRange, message: String) {
        let range = self.source_range(range);
        self.problems.push(ManifestProblem { location: FileRange { path: self.path.to_path_buf(), range }, message });
    }

    /// A string field; `null` counts as absent.
    fn string(&mut self, name: &str, value: &Value<'_>) -> Option<String> {
        match value {
            Value::StringLit(string) => Some(string.value.to_string()),
            Value::NullKeyword(_) => None,
            other => {
                let found = type_name(other);
                self.problem(range_of(other), format!("`{name}` must be a string, found {found}"));
                None
            }
        }
    }

    /// A list-of-strings field, keeping the elements that are strings.
    fn string_list(&mut self, name: &str, value: &Value<'_>) -> Vec<String> {
        match value {
            Value::Array(array) => {
                let mut strings = Vec::with_capacity(array.elements.len());
                for (index, element) in array.elements.iter().enumerate() {
                    match element {
                        Value::StringLit(string) => strings.push(string.value.to_string()),
                        other => {
                            let found = type_name(other);
                            self.problem(
                                range_of(other),
                                format!(
                                    "`{name}[{index}]` must be a string, found {found}; `{name}` is a list of strings"
                                ),
                            );
                        }
                    }
                }
                strings
            }
            Value::NullKeyword(_) => Vec::new(),
            other => {
                let found = type_name(other);
                let example = match other {
                    Value::StringLit(string) => format!(" (write [{:?}])", string.value.as_ref()),
                    _ => String::new(),
                };
                self.problem(range_of(other), format!("`{name}` must be a list of strings, found {found}{example}"));
                Vec::new()
            }
        }
    }
}

fn range_of(value: &Value<'_>) -> TextRange {
    let range = value.range();
    TextRange::new(range.start, range.end)
}

fn type_name(value: &Value<'_>) -> &'static str {
    match value {
        Value::StringLit(_) => "a string",
        Value::NumberLit(_) => "a number",
        Value::BooleanLit(_) => "a boolean",
        Value::Object(_) => "an object",
        Value::Array(_) => "a list",
        Value::NullKeyword(_) => "null",
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
