//! The runbook model (SPEC 2): plain data with byte ranges, built from the
//! markdown and TypeScript syntax trees by `lower`. Every vector is sorted by
//! start offset, so the parts of one section are found by binary search.

use std::sync::Arc;

use crate::{SafetyClass, TextRange};

/// What the workspace index keeps of a runbook on disk: where it names
/// KEYs, in code spans and in imports (see `references`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct References {
    pub key_refs: Vec<KeyRef>,
    pub imports: Vec<Import>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Runbook {
    pub headings: Vec<Heading>,
    /// One per heading, in document order; a section runs to the next heading
    /// of the same or a higher level.
    pub sections: Vec<Section>,
    pub actions: Vec<Action>,
    pub steps: Vec<Step>,
    pub fields: Vec<Field>,
    pub key_refs: Vec<KeyRef>,
    pub code_blocks: Vec<CodeBlock>,
    pub imports: Vec<Import>,
    pub calls: Vec<Call>,
    pub locations: Vec<LocationRef>,
    pub suppressions: Vec<Suppression>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// 1 to 6.
    pub level: u8,
    /// The heading's first line without its line break, markers included.
    pub range: TextRange,
    /// The heading text without markers and surrounding blanks, on one line.
    pub text_range: TextRange,
}

impl Heading {
    /// The heading text (`text_range`) in `source`, the text it was parsed
    /// from. Not kept in the model: a large runbook has thousands of
    /// headings, and the text is there already.
    pub fn text<'t>(&self, source: &'t str) -> &'t str {
        &source[self.text_range.as_range()]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionKind {
    Plain,
    /// Index into `Runbook::actions`.
    Action(usize),
    /// Index into `Runbook::steps`.
    Step(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Index into `Runbook::headings`.
    pub heading: usize,
    pub level: u8,
    /// From the start of the heading to the end of the section's last
    /// non-blank text.
    pub range: TextRange,
    /// Index of the enclosing section.
    pub parent: Option<usize>,
    pub kind: SectionKind,
}

/// `### Action <n>: <title> (<SAFETY> - note)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// Index into `Runbook::sections`.
    pub section: usize,
    pub number: u32,
    pub title: Arc<str>,
    /// The heading text (what "missing" rules point at).
    pub heading_range: TextRange,
    /// The whole section.
    pub range: TextRange,
    /// The first word of the heading's trailing parenthetical, if it has one.
    pub heading_safety: Option<Word>,
}

/// `### Step <n>: <title>`, a diagnosis step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub section: usize,
    pub number: u32,
    pub title: Arc<str>,
    pub heading_range: TextRange,
    pub range: TextRange,
}

/// A word of the text with its range, e.g. a safety class candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: Arc<str>,
    pub range: TextRange,
}

impl Word {
    pub fn safety_class(&self) -> Option<SafetyClass> {
        SafetyClass::parse(&self.text)
    }
}

/// The labels SPEC 2 knows, matched case-insensitively, singular or plural.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FieldLabel {
    Precondition,
    Action,
    Automated,
    Key,
    Location,
    SideEffects,
    Execution,
    Safety,
    ManualAlternative,
    Expected,
    Verification,
    Rollback,
    Warning,
}

impl FieldLabel {
    pub const ALL: [FieldLabel; 13] = [
        FieldLabel::Precondition,
        FieldLabel::Action,
        FieldLabel::Automated,
        FieldLabel::Key,
        FieldLabel::Location,
        FieldLabel::SideEffects,
        FieldLabel::Execution,
        FieldLabel::Safety,
        FieldLabel::ManualAlternative,
        FieldLabel::Expected,
        FieldLabel::Verification,
        FieldLabel::Rollback,
        FieldLabel::Warning,
    ];

    /// The label as runbooks usually write it.
    pub const fn display(self) -> &'static str {
        match self {
            FieldLabel::Precondition => "Preconditions",
            FieldLabel::Action => "Action",
            FieldLabel::Automated => "Automated",
            FieldLabel::Key => "KEY",
            FieldLabel::Location => "Location",
            FieldLabel::SideEffects => "Side Effects",
            FieldLabel::Execution => "Execution",
            FieldLabel::Safety => "Safety",
            FieldLabel::ManualAlternative => "Manual Alternative",
            FieldLabel::Expected => "Expected",
            FieldLabel::Verification => "Verification",
            FieldLabel::Rollback => "Rollback",
            FieldLabel::Warning => "Warning",
        }
    }

    /// Reads a label: case-insensitive, singular or plural, a trailing
    /// parenthetical and a trailing colon ignored
    /// (`Manual Alternative (If Automation Fails)` is `ManualAlternative`).
    pub fn parse(label: &str) -> Option<FieldLabel> {
        let mut label = label.trim().trim_end_matches(':').trim_end();
        if label.ends_with(')')
            && let Some(open) = label.rfind('(')
        {
            label = label[..open].trim_end();
        }
        // Compared word by word, ignoring case, without building strings: this
        // runs for every field of every chunk.
        FieldLabel::ALL.into_iter().find(|known| words_match(label, known.display()))
    }
}

/// Whether two labels have the same words, ignoring case and a plural `s` on
/// the last word (`Side effect` is `Side Effects`, `KEYS` is `KEY`).
fn words_match(label: &str, known: &str) -> bool {
    let mut label_words = label.split_whitespace().peekable();
    let mut known_words = known.split_whitespace().peekable();
    loop {
        match (label_words.next(), known_words.next()) {
            (None, None) => return true,
            (Some(word), Some(known_word)) => {
                let last = label_words.peek().is_none() && known_words.peek().is_none();
                fn singular(word: &str, last: bool) -> &str {
                    if last && word.len() > 1 && word.ends_with(['s', 'S']) { &word[..word.len() - 1] } else { word }
                }
                if !word.eq_ignore_ascii_case(known_word)
                    && !singular(word, last).eq_ignore_ascii_case(singular(known_word, last))
                {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// Whether a field opens a paragraph or a list item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldContainer {
    Paragraph,
    ListItem,
}

/// `**Label**: value` or `**Label:** value` at the start of a paragraph or
/// list item. The value runs over the nested lists and code blocks that
/// follow, up to the next field, heading or thematic break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// `None` for labels SPEC 2 does not know (`**If 500 Error**:`).
    pub label: Option<FieldLabel>,
    /// The label text between the strong delimiters, colon excluded.
    pub label_range: TextRange,
    pub container: FieldContainer,
    /// From the strong delimiter to the end of the value.
    pub range: TextRange,
    /// After the colon, trimmed; empty (at the colon's end) when there is none.
    pub value_range: TextRange,
    /// For `Safety` fields: the first word of the value.
    pub safety: Option<Word>,
}

/// A code span whose whole text looks like a KEY slug (`node-stripe-replay`):
/// lower-case words joined by hyphens. Which families count is configuration,
/// so the model keeps every candidate and the ide layer filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRef {
    pub slug: Arc<str>,
    /// The slug text, without backticks.
    pub range: TextRange,
    /// The code span, backticks included.
    pub span_range: TextRange,
}

impl KeyRef {
    /// `node` for `node-stripe-replay`.
    pub fn family(&self) -> &str {
        self.slug.split('-').next().unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeBlock {
    /// The first word of the info string, as written (`typescript`).
    pub language: Option<Arc<str>>,
    /// From the opening fence to the end of the closing one.
    pub range: TextRange,
    /// The code between the fences (may contain container prefixes).
    pub content_range: TextRange,
    /// Lines that are neither blank nor only a comment.
    pub n_code_lines: usize,
    pub is_script: bool,
    /// Whether the block has no closing fence.
    pub unclosed: bool,
}

/// `import { a, b as c } from '<specifier>'` inside a ts/js code block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// Index into `Runbook::code_blocks`.
    pub code_block: usize,
    pub range: TextRange,
    pub specifier: Arc<str>,
    /// The specifier text, without quotes.
    pub specifier_range: TextRange,
    pub names: Vec<ImportedName>,
    /// `import type { … }`.
    pub type_only: bool,
    /// Where the braces of the named imports are, if present (completion).
    pub braces_range: Option<TextRange>,
}

impl Import {
    /// Every range the import holds, for moving it with its text.
    pub(crate) fn ranges_mut(&mut self) -> impl Iterator<Item = &mut TextRange> {
        [&mut self.range, &mut self.specifier_range]
            .into_iter()
            .chain(self.braces_range.as_mut())
            .chain(self.names.iter_mut().map(|name| &mut name.name_range))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedName {
    /// The exported name (`b` in `b as c`).
    pub name: Arc<str>,
    pub name_range: TextRange,
    /// The local name (`c` in `b as c`, else the name).
    pub local: Arc<str>,
    pub type_only: bool,
}

/// A call of an imported name in the same code block: `await a({ … })`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub code_block: usize,
    /// Index into `Runbook::imports`.
    pub import: usize,
    /// Index into that import's `names`.
    pub name: usize,
    /// The callee identifier.
    pub range: TextRange,
}

/// The path in a `**Location**:` field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationRef {
    pub path: Arc<str>,
    pub range: TextRange,
    /// Index into `Runbook::fields`.
    pub field: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuppressionScope {
    /// `runbook-ls-disable`: from the comment to the end of the file.
    RestOfFile,
    /// `runbook-ls-disable-next-line`: the line after the comment's last line.
    NextLine,
}

/// `<!-- runbook-ls-disable CODE[, CODE] -->`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub scope: SuppressionScope,
    /// Empty means every code.
    pub codes: Vec<String>,
    pub range: TextRange,
}

impl Runbook {
    /// The fields whose start lies in `range`.
    pub fn fields_in(&self, range: TextRange) -> &[Field] {
        slice_in(&self.fields, range, |field| field.range.start)
    }

    pub fn key_refs_in(&self, range: TextRange) -> &[KeyRef] {
        slice_in(&self.key_refs, range, |key_ref| key_ref.range.start)
    }

    pub fn code_blocks_in(&self, range: TextRange) -> &[CodeBlock] {
        slice_in(&self.code_blocks, range, |block| block.range.start)
    }

    pub fn imports_in(&self, range: TextRange) -> &[Import] {
        slice_in(&self.imports, range, |import| import.range.start)
    }

    pub fn locations_in(&self, range: TextRange) -> &[LocationRef] {
        slice_in(&self.locations, range, |location| location.range.start)
    }

    /// The index of the first field in `range`, so that indices into
    /// `fields_in(range)` can be turned back into indices into `fields`.
    pub fn first_field_index(&self, range: TextRange) -> usize {
        self.fields.partition_point(|field| field.range.start < range.start)
    }

    /// The innermost Action whose section holds `offset`.
    pub fn action_at(&self, offset: usize) -> Option<&Action> {
        self.actions.iter().rev().find(|action| action.range.touches(offset))
    }

    /// The code block whose content holds `offset`.
    pub fn code_block_at(&self, offset: usize) -> Option<(usize, &CodeBlock)> {
        let index = self.code_blocks.partition_point(|block| block.range.start <= offset);
        let index = index.checked_sub(1)?;
        let block = &self.code_blocks[index];
        block.content_range.touches(offset).then_some((index, block))
    }
}

fn slice_in<T>(items: &[T], range: TextRange, start: impl Fn(&T) -> usize) -> &[T] {
    let from = items.partition_point(|item| start(item) < range.start);
    let to = items.partition_point(|item| start(item) < range.end);
    &items[from..to.max(from)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        for (text, label) in [
            ("Preconditions", Some(FieldLabel::Precondition)),
            ("precondition", Some(FieldLabel::Precondition)),
            ("Manual Alternative (If Automation Fails)", Some(FieldLabel::ManualAlternative)),
            ("Automated (Preferred)", Some(FieldLabel::Automated)),
            ("Side effect", Some(FieldLabel::SideEffects)),
            ("SIDE  EFFECTS:", Some(FieldLabel::SideEffects)),
            ("KEYS", Some(FieldLabel::Key)),
            ("Warnings", Some(FieldLabel::Warning)),
            ("Rollback", Some(FieldLabel::Rollback)),
            ("If 500 Error", None),
            ("DO THESE FIRST", None),
            ("Success", None),
        ] {
            assert_eq!(FieldLabel::parse(text), label, "{text}");
        }
    }
}
