//! The last step of lowering: the models of a document's chunks, shifted to
//! their place, joined into one `Runbook` with its sections, Actions and Steps
//! (which need the headings of the whole document). A chunk parsed now gives
//! its model, which is moved in; a chunk that an edit did not touch gives
//! its items in the previous version's `Runbook`, shifted in place when
//! nothing else holds that version (the common case: one version at a time),
//! else copied. So a document keeps its model once, not once per chunk as
//! well, and an edit does not hold two models at once.

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
pub(crate) enum ChunkSource {
    /// Parsed now: its model, offsets relative to the chunk.
    Parsed(ChunkModel),
    /// Unchanged since the previous version: its `counts` items in the
    /// previous version's model, after the `first` ones, the chunk then
    /// starting at `start`.
    Kept { first: Counts, counts: Counts, start: usize },
}

impl ChunkSource {
    fn counts(&self) -> Counts {
        match self {
            ChunkSource::Parsed(model) => Counts::of_chunk(model),
            ChunkSource::Kept { counts, .. } => *counts,
        }
    }
}

/// The previous version's model, which the kept chunks' items come from.
#[expect(clippy::large_enum_variant, reason = "one short-lived value per parse")]
pub(crate) enum PreviousModel<'a> {
    /// Still in use elsewhere (a snapshot of that version): its items are copied.
    Shared(&'a Runbook),
    /// Used by nothing else: the new model is made in its arrays, in place.
    Owned(Runbook),
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
    /// Whether the items stay as they are (a chunk before every edit).
    fn is_identity(&self) -> bool {
        self.from == self.to && self.old == self.new
    }

    fn range(&self, range: &mut TextRange) {
        *range = TextRange::new(range.start - self.from + self.to, range.end - self.from + self.to);
    }

    fn heading(&self, heading: &mut Heading) {
        self.range(&mut heading.range);
        self.range(&mut heading.text_range);
    }

    fn kind(&self, kind: &mut HeadingKind) {
        if let HeadingKind::Action { safety: Some(word), .. } = kind {
            self.range(&mut word.range);
        }
    }

    fn field(&self, field: &mut Field) {
        self.range(&mut field.label_range);
        self.range(&mut field.range);
        self.range(&mut field.value_range);
        if let Some(word) = &mut field.safety {
            self.range(&mut word.range);
        }
    }

    fn key_ref(&self, key_ref: &mut KeyRef) {
        self.range(&mut key_ref.range);
        self.range(&mut key_ref.span_range);
    }

    fn code_block(&self, block: &mut CodeBlock) {
        self.range(&mut block.range);
        self.range(&mut block.content_range);
    }

    fn import(&self, import: &mut Import) {
        import.code_block = import.code_block - self.old.code_blocks + self.new.code_blocks;
        import.ranges_mut().for_each(|range| self.range(range));
    }

    fn call(&self, call: &mut Call) {
        call.code_block = call.code_block - self.old.code_blocks + self.new.code_blocks;
        call.import = call.import - self.old.imports + self.new.imports;
        self.range(&mut call.range);
    }

    fn location(&self, location: &mut LocationRef) {
        self.range(&mut location.range);
        location.field = location.field - self.old.fields + self.new.fields;
    }

    fn suppression(&self, suppression: &mut Suppression) {
        self.range(&mut suppression.range);
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

/// The items of one kind that one chunk gives the new version.
enum Run<T> {
    /// `len` items of the previous version's array, after the `first` ones.
    Kept { first: usize, len: usize },
    /// Items parsed now, already moved to their place.
    Parsed(Vec<T>),
}

/// Turns `items`, the previous version's array of one kind, into the new
/// version's, in place: the runs of kept chunks stay (each moved by its
/// `shift`), the items of the chunks parsed again give way to the parsed
/// ones. Runs are in order, so between two kept runs lies what was parsed
/// again: one splice each. `len` is the new version's number of items.
fn rebuild<T>(items: &mut Vec<T>, runs: Vec<(Run<T>, &Shift)>, shift: impl Fn(&Shift, &mut T), len: usize) {
    // Grown to the size it needs, where a splice would double it: an edit
    // that adds one heading to a full array left half of it unused.
    items.reserve_exact(len.saturating_sub(items.len()));
    // Where the next run goes, and how far the old items not yet reached
    // have moved from where they were.
    let mut at = 0;
    let mut moved: isize = 0;
    let mut parsed: Vec<T> = Vec::new();
    for (run, chunk_shift) in runs {
        match run {
            Run::Parsed(new) => parsed.extend(new),
            Run::Kept { first, len } => {
                let now_at = first.checked_add_signed(moved).expect("kept runs are in order");
                let added = parsed.len();
                items.splice(at..now_at, parsed.drain(..));
                moved += added as isize - (now_at - at) as isize;
                at += added;
                if !chunk_shift.is_identity() {
                    for item in &mut items[at..at + len] {
                        shift(chunk_shift, item);
                    }
                }
                at += len;
            }
        }
    }
    items.truncate(at);
    items.append(&mut parsed);
}

/// Joins the models of a document's chunks (each with the offset it starts
/// at, in order) into the model of the document. The kept chunks' items
/// come from `previous`, copied, or moved where it is owned.
pub(crate) fn assemble(text: &str, chunks: Vec<(usize, ChunkSource)>, previous: Option<PreviousModel<'_>>) -> Runbook {
    // Each chunk's shift: where its items' offsets and indices go.
    let mut new = Counts::default();
    let shifts: Vec<Shift> = chunks
        .iter()
        .map(|(start, source)| {
            let (from, old) = match source {
                ChunkSource::Parsed(_) => (0, Counts::default()),
                ChunkSource::Kept { first, start: old_start, .. } => (*old_start, *first),
            };
            let shift = Shift { from, to: *start, old, new };
            new = new.plus(source.counts());
            shift
        })
        .collect();
    let (mut runbook, kinds) = join(previous, chunks, &shifts, new);
    // Sections, Actions and Steps, from the headings of the whole document.
    // Sized exactly (a fresh model's arrays are empty): growing them by
    // doubling left up to half of each unused.
    let n_actions = kinds.iter().filter(|kind| matches!(kind, HeadingKind::Action { .. })).count();
    let n_steps = kinds.iter().filter(|kind| matches!(kind, HeadingKind::Step { .. })).count();
    runbook.sections.clear();
    runbook.sections.reserve_exact(runbook.headings.len());
    runbook.actions.clear();
    runbook.actions.reserve_exact(n_actions);
    runbook.steps.clear();
    runbook.steps.reserve_exact(n_steps);
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

/// The `len` items of the new version's array of one kind, allocated anew:
/// the kept runs copied from `old`, the previous version's, each moved by
/// its `shift`.
fn gather<T: Clone>(old: &[T], runs: Vec<(Run<T>, &Shift)>, shift: impl Fn(&Shift, &mut T), len: usize) -> Vec<T> {
    let mut items = Vec::with_capacity(len);
    for (run, chunk_shift) in runs {
        match run {
            Run::Parsed(new) => items.extend(new),
            Run::Kept { first, len } => items.extend(old[first..first + len].iter().map(|item| {
                let mut item = item.clone();
                shift(chunk_shift, &mut item);
                item
            })),
        }
    }
    items
}

/// The new version's arrays (but sections, Actions and Steps, which come
/// from the headings) and the kinds of its headings, from the chunks'
/// sources (`total` items in all). When `previous` is owned, nothing else
/// uses it, and its arrays become the new ones in place (`rebuild`): the
/// items of the chunks before the edits stay where they are and no item is
/// copied; with the arrays of both versions, an edit of a large document
/// held two models at once, and cloned every item of one. A shared
/// `previous` has its kept items copied into new arrays (`gather`), and a
/// text parsed afresh gathers its parsed items.
fn join(
    previous: Option<PreviousModel<'_>>,
    mut chunks: Vec<(usize, ChunkSource)>,
    shifts: &[Shift],
    total: Counts,
) -> (Runbook, Vec<HeadingKind>) {
    // A text parsed afresh gathers its parsed items into arrays of their
    // exact size, as if copying from an empty previous version.
    let empty = Runbook::default();
    let (mut runbook, shared) = match previous {
        Some(PreviousModel::Owned(old)) => (old, None),
        Some(PreviousModel::Shared(old)) => (Runbook::default(), Some(old)),
        None => (Runbook::default(), Some(&empty)),
    };
    // The heading kinds first: the kept ones are read from the previous
    // version's sections, which the arrays below leave alone.
    let mut kinds = Vec::with_capacity(total.headings);
    let mut heading_runs = Vec::with_capacity(chunks.len());
    for ((_, source), shift) in chunks.iter_mut().zip(shifts) {
        match source {
            ChunkSource::Parsed(model) => {
                let mut headings = Vec::with_capacity(model.headings.len());
                for (mut heading, mut kind) in std::mem::take(&mut model.headings) {
                    shift.heading(&mut heading);
                    shift.kind(&mut kind);
                    headings.push(heading);
                    kinds.push(kind);
                }
                heading_runs.push((Run::Parsed(headings), shift));
            }
            ChunkSource::Kept { first, counts, .. } => {
                let old = shared.unwrap_or(&runbook);
                for index in first.headings..first.headings + counts.headings {
                    let mut kind = kind_in(old, index);
                    shift.kind(&mut kind);
                    kinds.push(kind);
                }
                heading_runs.push((Run::Kept { first: first.headings, len: counts.headings }, shift));
            }
        }
    }
    match shared {
        Some(old) => runbook.headings = gather(&old.headings, heading_runs, Shift::heading, total.headings),
        None => rebuild(&mut runbook.headings, heading_runs, Shift::heading, total.headings),
    }
    macro_rules! join {
        ($kind:ident, $item:ident) => {
            let runs = chunks
                .iter_mut()
                .zip(shifts)
                .map(|((_, source), shift)| match source {
                    ChunkSource::Parsed(model) => {
                        let mut items = std::mem::take(&mut model.$kind);
                        items.iter_mut().for_each(|item| shift.$item(item));
                        (Run::Parsed(items), shift)
                    }
                    ChunkSource::Kept { first, counts, .. } => {
                        (Run::Kept { first: first.$kind, len: counts.$kind }, shift)
                    }
                })
                .collect();
            match shared {
                Some(old) => runbook.$kind = gather(&old.$kind, runs, Shift::$item, total.$kind),
                None => rebuild(&mut runbook.$kind, runs, Shift::$item, total.$kind),
            }
        };
    }
    for_each_kind!(join);
    (runbook, kinds)
}
