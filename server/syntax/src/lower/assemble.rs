//! The last step of lowering: the models of a document's chunks, shifted to
//! their place, joined into one `Runbook` with its sections, Actions and Steps
//! (which need the headings of the whole document). A chunk parsed now gives
//! its model, which is moved in; a chunk that an edit did not touch gives
//! its items in the previous version's `Runbook`, which are copied over and
//! shifted. So a document keeps its model once, not once per chunk as well.

use std::ops::Range;

use super::chunk_model::{ChunkModel, HeadingKind};
use super::trim_end;
use crate::TextRange;
use crate::model::*;

/// How many items of each kind one chunk holds, or a `Runbook` holds before
/// some chunk: where a kept chunk's items are in the previous version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    headings: usize,
    fields: usize,
    key_refs: usize,
    code_blocks: usize,
    imports: usize,
    calls: usize,
    locations: usize,
    suppressions: usize,
}

impl Counts {
    pub(crate) fn of_chunk(model: &ChunkModel) -> Counts {
        Counts {
            headings: model.headings.len(),
            fields: model.fields.len(),
            key_refs: model.key_refs.len(),
            code_blocks: model.code_blocks.len(),
            imports: model.imports.len(),
            calls: model.calls.len(),
            locations: model.locations.len(),
            suppressions: model.suppressions.len(),
        }
    }

    fn of_runbook(runbook: &Runbook) -> Counts {
        Counts {
            headings: runbook.headings.len(),
            fields: runbook.fields.len(),
            key_refs: runbook.key_refs.len(),
            code_blocks: runbook.code_blocks.len(),
            imports: runbook.imports.len(),
            calls: runbook.calls.len(),
            locations: runbook.locations.len(),
            suppressions: runbook.suppressions.len(),
        }
    }

    pub(crate) fn plus(self, other: Counts) -> Counts {
        Counts {
            headings: self.headings + other.headings,
            fields: self.fields + other.fields,
            key_refs: self.key_refs + other.key_refs,
            code_blocks: self.code_blocks + other.code_blocks,
            imports: self.imports + other.imports,
            calls: self.calls + other.calls,
            locations: self.locations + other.locations,
            suppressions: self.suppressions + other.suppressions,
        }
    }
}

/// Where the model of one chunk of the new version comes from.
pub(crate) enum ChunkSource<'a> {
    /// Parsed now: its model, offsets relative to the chunk.
    Parsed(ChunkModel),
    /// Unchanged since the previous version: its `counts` items in
    /// `previous`, after the `first` ones, the chunk then starting at `start`.
    Kept { previous: &'a Runbook, first: Counts, counts: Counts, start: usize },
}

impl ChunkSource<'_> {
    fn counts(&self) -> Counts {
        match self {
            ChunkSource::Parsed(model) => Counts::of_chunk(model),
            ChunkSource::Kept { counts, .. } => *counts,
        }
    }
}

/// Moves one chunk's items to their place in the document: offsets from
/// `from` to `to`, indices into the document's arrays from `old` to `new`
/// (the counts before the chunk where its items were, and where they go).
struct Shift {
    from: usize,
    to: usize,
    old: Counts,
    new: Counts,
}

impl Shift {
    fn range(&self, range: TextRange) -> TextRange {
        TextRange::new(range.start - self.from + self.to, range.end - self.from + self.to)
    }

    fn word(&self, word: Word) -> Word {
        Word { range: self.range(word.range), ..word }
    }

    fn heading(&self, heading: Heading) -> Heading {
        Heading { range: self.range(heading.range), text_range: self.range(heading.text_range), ..heading }
    }

    fn kind(&self, kind: HeadingKind) -> HeadingKind {
        match kind {
            HeadingKind::Action { number, title, safety } => {
                HeadingKind::Action { number, title, safety: safety.map(|word| self.word(word)) }
            }
            other => other,
        }
    }

    fn field(&self, field: Field) -> Field {
        Field {
            label_range: self.range(field.label_range),
            range: self.range(field.range),
            value_range: self.range(field.value_range),
            safety: field.safety.map(|word| self.word(word)),
            ..field
        }
    }

    fn key_ref(&self, key_ref: KeyRef) -> KeyRef {
        KeyRef { range: self.range(key_ref.range), span_range: self.range(key_ref.span_range), ..key_ref }
    }

    fn code_block(&self, block: CodeBlock) -> CodeBlock {
        CodeBlock { range: self.range(block.range), content_range: self.range(block.content_range), ..block }
    }

    fn import(&self, import: Import) -> Import {
        Import {
            code_block: import.code_block - self.old.code_blocks + self.new.code_blocks,
            range: self.range(import.range),
            specifier_range: self.range(import.specifier_range),
            braces_range: import.braces_range.map(|range| self.range(range)),
            names: import
                .names
                .into_iter()
                .map(|name| ImportedName { name_range: self.range(name.name_range), ..name })
                .collect(),
            ..import
        }
    }

    fn call(&self, call: Call) -> Call {
        Call {
            code_block: call.code_block - self.old.code_blocks + self.new.code_blocks,
            import: call.import - self.old.imports + self.new.imports,
            range: self.range(call.range),
            ..call
        }
    }

    fn location(&self, location: LocationRef) -> LocationRef {
        LocationRef {
            range: self.range(location.range),
            field: location.field - self.old.fields + self.new.fields,
            ..location
        }
    }

    fn suppression(&self, suppression: Suppression) -> Suppression {
        Suppression { range: self.range(suppression.range), ..suppression }
    }
}

/// What a heading of a previous version's `Runbook` was: its section (one per
/// heading, in the same order) says.
fn kind_in(runbook: &Runbook, heading: usize) -> HeadingKind {
    let section = &runbook.sections[heading];
    debug_assert_eq!(section.heading, heading, "sections are one per heading, in order");
    match section.kind {
        SectionKind::Plain => HeadingKind::Plain,
        SectionKind::Action(index) => {
            let action = &runbook.actions[index];
            HeadingKind::Action {
                number: action.number,
                title: action.title.clone(),
                safety: action.heading_safety.clone(),
            }
        }
        SectionKind::Step(index) => {
            let step = &runbook.steps[index];
            HeadingKind::Step { number: step.number, title: step.title.clone() }
        }
    }
}

/// Runs `$m!(kind, item)` for each kind of item a chunk has but headings:
/// `kind` names the arrays (in `Runbook`, `ChunkModel` and `Counts`) and
/// `item` the `Shift` method that moves one.
macro_rules! for_each_kind {
    ($m:ident) => {
        $m!(fields, field);
        $m!(key_refs, key_ref);
        $m!(code_blocks, code_block);
        $m!(imports, import);
        $m!(calls, call);
        $m!(locations, location);
        $m!(suppressions, suppression);
    };
}

/// The `len` items of `items` after the `first` ones.
fn kept<T: Clone>(items: &[T], first: usize, len: usize) -> impl Iterator<Item = T> + '_ {
    items[first..first + len].iter().cloned()
}

/// Joins the models of a document's chunks (each with the offset it starts
/// at, in order) into the model of the document.
pub(crate) fn assemble(text: &str, chunks: Vec<(usize, ChunkSource<'_>)>) -> Runbook {
    let mut runbook = Runbook::default();
    // Sized once: a large document has thousands of each.
    let total = chunks.iter().fold(Counts::default(), |total, (_, source)| total.plus(source.counts()));
    runbook.headings.reserve(total.headings);
    macro_rules! reserve {
        ($kind:ident, $item:ident) => {
            runbook.$kind.reserve(total.$kind)
        };
    }
    for_each_kind!(reserve);
    let mut kinds: Vec<HeadingKind> = Vec::with_capacity(total.headings);
    for (start, source) in chunks {
        let new = Counts::of_runbook(&runbook);
        match source {
            ChunkSource::Parsed(model) => {
                let shift = Shift { from: 0, to: start, old: Counts::default(), new };
                for (heading, kind) in model.headings {
                    runbook.headings.push(shift.heading(heading));
                    kinds.push(shift.kind(kind));
                }
                macro_rules! moved {
                    ($kind:ident, $item:ident) => {
                        runbook.$kind.extend(model.$kind.into_iter().map(|item| shift.$item(item)))
                    };
                }
                for_each_kind!(moved);
            }
            ChunkSource::Kept { previous, first, counts, start: old_start } => {
                let shift = Shift { from: old_start, to: start, old: first, new };
                let headings: Range<usize> = first.headings..first.headings + counts.headings;
                for index in headings {
                    runbook.headings.push(shift.heading(previous.headings[index].clone()));
                    kinds.push(shift.kind(kind_in(previous, index)));
                }
                macro_rules! copied {
                    ($kind:ident, $item:ident) => {
                        runbook
                            .$kind
                            .extend(kept(&previous.$kind, first.$kind, counts.$kind).map(|item| shift.$item(item)))
                    };
                }
                for_each_kind!(copied);
            }
        }
    }

    // Sections, Actions and Steps, from the headings of the whole document.
    let headings = &runbook.headings;
    let mut open: Vec<usize> = Vec::new();
    for (index, (heading, kind)) in headings.iter().zip(kinds).enumerate() {
        let end = headings[index + 1..]
            .iter()
            .find(|next| next.level <= heading.level)
            .map_or(text.len(), |next| next.range.start);
        let range = trim_end(text, TextRange::new(heading.range.start, end));
        while open.last().is_some_and(|&parent| headings[runbook.sections[parent].heading].level >= heading.level) {
            open.pop();
        }
        let parent = open.last().copied();
        let section = runbook.sections.len();
        let kind = match kind {
            HeadingKind::Action { number, title, safety } => {
                runbook.actions.push(Action {
                    section,
                    number,
                    title,
                    heading_range: heading.text_range,
                    range,
                    heading_safety: safety,
                });
                SectionKind::Action(runbook.actions.len() - 1)
            }
            HeadingKind::Step { number, title } => {
                runbook.steps.push(Step { section, number, title, heading_range: heading.text_range, range });
                SectionKind::Step(runbook.steps.len() - 1)
            }
            HeadingKind::Plain => SectionKind::Plain,
        };
        runbook.sections.push(Section { heading: index, level: heading.level, range, parent, kind });
        open.push(section);
    }
    runbook
}
