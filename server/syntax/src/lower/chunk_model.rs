//! The second step of lowering: the facts of one text turned into its model
//! (field values, Locations, KEY references, Action and Step headings), with
//! offsets still relative to that text.

use std::sync::Arc;

use super::facts::Facts;
use super::heading::parse_numbered_heading;
use super::{first_word, trim};
use crate::References;
use crate::TextRange;
use crate::model::*;

/// A heading with what its text says: an Action, a Step, or neither.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum HeadingKind {
    Plain,
    Action { number: u32, title: Arc<str>, safety: Option<Word> },
    Step { number: u32, title: Arc<str> },
}

/// The model of one chunk of a document, offsets relative to the chunk:
/// everything but sections, which need the headings of the whole document.
/// A field's value never runs past the next heading, and chunks start at
/// headings, so fields are complete within their chunk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChunkModel {
    pub(super) headings: Vec<(Heading, HeadingKind)>,
    pub(super) fields: Vec<Field>,
    pub(super) key_refs: Vec<KeyRef>,
    pub(super) code_blocks: Vec<CodeBlock>,
    pub(super) imports: Vec<Import>,
    pub(super) calls: Vec<Call>,
    pub(super) locations: Vec<LocationRef>,
    pub(super) suppressions: Vec<Suppression>,
    pub(super) ends_open: bool,
}

impl ChunkModel {
    pub fn into_references(self) -> References {
        References { key_refs: self.key_refs, imports: self.imports }
    }

    /// Whether the chunk ends inside a construct that a later line could still
    /// continue (an unclosed code fence, an unterminated HTML comment or
    /// `<pre>`-like block), so that it cannot be parsed apart from what follows.
    pub fn ends_open(&self) -> bool {
        self.ends_open
    }

    /// Frees what pushing one item at a time left unused: every chunk's
    /// arrays are alive together until `assemble` joins them.
    fn shrink_to_fit(&mut self) {
        self.fields.shrink_to_fit();
        self.key_refs.shrink_to_fit();
        self.code_blocks.shrink_to_fit();
        self.imports.shrink_to_fit();
        self.calls.shrink_to_fit();
        self.locations.shrink_to_fit();
        self.suppressions.shrink_to_fit();
    }
}

impl Facts {
    /// The model of the text these facts were collected from.
    pub fn finish(self, text: &str) -> ChunkModel {
        let Facts {
            headings,
            fields: raw_fields,
            code_spans,
            code_blocks,
            imports,
            calls,
            thematic_breaks,
            suppressions,
            ends_open,
        } = self;
        // Collected in document order, which the binary searches below rely on.
        debug_assert!(code_spans.windows(2).all(|pair| pair[0].span_range.start <= pair[1].span_range.start));
        let mut model = ChunkModel { code_blocks, imports, calls, suppressions, ends_open, ..ChunkModel::default() };

        // Field values run to the next field, heading or thematic break, and
        // never past the block that holds the field.
        for (index, raw) in raw_fields.iter().enumerate() {
            let next_field = raw_fields[index + 1..]
                .iter()
                .map(|next| next.block_start)
                .find(|&start| start > raw.value_start)
                .unwrap_or(usize::MAX);
            let next_heading = first_after(&headings, raw.value_start, |heading| heading.range.start);
            let next_break = first_after(&thematic_breaks, raw.value_start, |&offset| offset);
            let end = next_field.min(next_heading).min(next_break).min(raw.container_end).min(text.len());
            let value_range = (end > raw.value_start)
                .then(|| trim(text, TextRange::new(raw.value_start, end)))
                .filter(|range| !range.is_empty())
                .unwrap_or(TextRange::empty(raw.colon_end));
            let label = raw.label;
            let safety = (label == Some(FieldLabel::Safety)).then(|| first_word(text, value_range)).flatten();
            model.fields.push(Field {
                label,
                label_range: raw.label_range,
                container: raw.container,
                range: TextRange::new(raw.start, value_range.end.max(raw.colon_end)),
                value_range,
                safety,
            });
        }

        // Locations (SPEC 2): the first code span of the value, else its
        // first word when that looks like a path. Prose (`US/EU`, `Global`),
        // URLs and templates (`keys/<slug>/key.json`) are no Location.
        for (index, field) in model.fields.iter().enumerate() {
            if field.label != Some(FieldLabel::Location) || field.value_range.is_empty() {
                continue;
            }
            let first = code_spans.partition_point(|span| span.span_range.start < field.value_range.start);
            let span = code_spans[first..]
                .iter()
                .take_while(|span| span.span_range.start < field.value_range.end)
                .find(|span| field.value_range.contains_range(span.span_range) && !span.content.trim().is_empty());
            let (path, range) = match span {
                Some(span) => (span.content.clone(), span.content_range),
                None => {
                    let value = &text[field.value_range.as_range()];
                    let first_line = value.lines().next().unwrap_or_default();
                    let word = first_line.split_whitespace().next().unwrap_or_default();
                    let token = trim_trailing_punctuation(word);
                    if !looks_like_path(token) {
                        continue;
                    }
                    let token_start = field.value_range.start + first_line.find(word).unwrap_or(0);
                    (Arc::from(token), TextRange::new(token_start, token_start + token.len()))
                }
            };
            if !path.is_empty() && !is_template_or_url(&path) {
                model.locations.push(LocationRef { path, range, field: index });
            }
        }

        model.key_refs = code_spans
            .into_iter()
            .filter(|span| is_slug(&span.content))
            .map(|span| KeyRef { slug: span.content, range: span.content_range, span_range: span.span_range })
            .collect();

        model.headings = headings
            .into_iter()
            .map(|heading| {
                let kind = if let Some(parsed) = parse_numbered_heading(text, &heading, "action") {
                    HeadingKind::Action { number: parsed.number, title: parsed.title, safety: parsed.safety }
                } else if let Some(parsed) = parse_numbered_heading(text, &heading, "step") {
                    HeadingKind::Step { number: parsed.number, title: parsed.title }
                } else {
                    HeadingKind::Plain
                };
                (heading, kind)
            })
            .collect();
        model.shrink_to_fit();
        model
    }
}

/// A word of prose without the punctuation that ends a clause after it
/// (`src/index.ts.`, `docs/guides,`); a closing parenthesis goes only when
/// the word opens none.
fn trim_trailing_punctuation(word: &str) -> &str {
    let mut token = word.trim_end_matches(['.', ',', ';', ':', '!', '?']);
    if !token.contains('(') {
        token = token.trim_end_matches(')').trim_end_matches(['.', ',', ';', ':', '!', '?']);
    }
    token
}

/// Whether a bare word of a Location value reads as a path (SPEC 2): it has
/// a `/` (`docs/guides`, `/privacy`), or it ends in a file extension
/// (`index.ts`, but not `e.g.`). Capitalised words joined by slashes are alternatives in
/// prose, not folders (`US/EU`, `CI/CD`, `Settings/Billing`).
fn looks_like_path(word: &str) -> bool {
    if word.contains('/') {
        let is_capitalised_word =
            |part: &str| part.starts_with(|c: char| c.is_ascii_uppercase()) && part.chars().all(char::is_alphabetic);
        return !word.split('/').all(is_capitalised_word);
    }
    // Initials are abbreviations, not file names (`e.g.`, `U.S.`).
    if word.split('.').all(|part| part.chars().count() == 1) {
        return false;
    }
    word.rsplit_once('.').is_some_and(|(stem, extension)| {
        !stem.is_empty()
            && (1..=10).contains(&extension.len())
            && extension.chars().all(|c| c.is_ascii_alphanumeric())
            && extension.chars().any(|c| c.is_ascii_alphabetic())
    })
}

/// Whether a path is a template rather than one path (`keys/<slug>/key.json`,
/// `{root}/x`, `src/*.ts`, `node-keys/…/src`) or a URL rather than a file of
/// the workspace: either way there is nothing on disk to check or open.
fn is_template_or_url(path: &str) -> bool {
    const PLACEHOLDER_CHARACTERS: [char; 6] = ['<', '>', '{', '}', '*', '…'];
    path.contains(PLACEHOLDER_CHARACTERS)
        || path.split('/').any(|part| part == "...")
        || path.contains("://")
        || path.starts_with("mailto:")
}

fn first_after<T>(items: &[T], offset: usize, start: impl Fn(&T) -> usize) -> usize {
    let index = items.partition_point(|item| start(item) <= offset);
    items.get(index).map_or(usize::MAX, start)
}

/// Lower-case words joined by hyphens, at least two of them: `node-stripe-replay`.
pub fn is_slug(text: &str) -> bool {
    let mut parts = text.split('-');
    let Some(family) = parts.next() else { return false };
    let family_ok = family.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && family.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let mut n_rest = 0;
    for part in parts {
        if part.is_empty() || !part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()) {
            return false;
        }
        n_rest += 1;
    }
    family_ok && n_rest > 0
}
