//! A document parsed as independent chunks: it is split before ATX headings
//! that start a line after a blank line, outside fences, HTML blocks and
//! front matter, where CommonMark guarantees that nothing before the heading
//! reaches past it. Each chunk is parsed on its own (block and inline trees)
//! and lowered to facts; after an edit only the chunks around the edit are
//! parsed again, incrementally from their old trees when one chunk holds all
//! the edits. A chunk whose parse ends inside a construct (an unclosed fence)
//! is merged with the next one, so a wrong guess of the splitter costs time,
//! never correctness. The differential tests check that the model equals the
//! whole-document model after random edits.

use std::sync::Arc;

use rayon::prelude::*;
use tree_sitter::{InputEdit, Point};

use crate::lower::{self, ChunkModel, ChunkSource, Counts, PreviousModel, assemble, html_block_end};
use crate::markdown;
use crate::model::Runbook;

/// One independently parsed piece of a document.
#[derive(Debug, Clone)]
pub(crate) struct Chunk {
    pub start: usize,
    pub len: usize,
    pub parsed: Arc<ParsedChunk>,
}

#[derive(Debug)]
pub(crate) struct ParsedChunk {
    /// Kept for the incremental re-parse of this chunk after an edit (see `Trees`).
    pub block: Option<tree_sitter::Tree>,
    /// How many items of each kind the chunk has in the document's model:
    /// where a later version that keeps the chunk finds them (see `assemble`).
    pub counts: Counts,
    /// See `ChunkModel::ends_open`.
    pub ends_open: bool,
}

/// Where a sequence of edits touched the text: `[lo, hi)` in the new text,
/// and how much longer the text got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EditEnvelope {
    pub lo: usize,
    pub hi: usize,
    pub delta: isize,
}

impl EditEnvelope {
    pub fn of(edits: &[InputEdit]) -> Option<EditEnvelope> {
        let mut envelope: Option<EditEnvelope> = None;
        for edit in edits {
            let growth = edit.new_end_byte as isize - edit.old_end_byte as isize;
            let moved = |offset: usize, inside: usize| {
                if offset <= edit.start_byte {
                    offset
                } else if offset >= edit.old_end_byte {
                    (offset as isize + growth) as usize
                } else {
                    inside
                }
            };
            envelope = Some(match envelope {
                None => EditEnvelope { lo: edit.start_byte, hi: edit.new_end_byte, delta: growth },
                Some(previous) => EditEnvelope {
                    lo: moved(previous.lo, edit.start_byte).min(edit.start_byte),
                    hi: moved(previous.hi, edit.new_end_byte).max(edit.new_end_byte),
                    delta: previous.delta + growth,
                },
            });
        }
        envelope
    }
}

/// Which chunks keep their block tree, for the incremental re-parse after
/// an edit: an open document's large ones. A small chunk (an Action is about
/// 1 KB) is parsed afresh after an edit in about as long as an incremental
/// re-parse takes (its inline trees are parsed afresh either way, see
/// `markdown`), and trees are most of a parse's memory: a 5 MB runbook held
/// hundreds of MB of them. A text that will not be edited keeps none, each
/// tree dropped as soon as it is lowered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trees {
    keep_from: usize,
}

impl Trees {
    pub(crate) const DROP: Trees = Trees { keep_from: usize::MAX };
    pub(crate) const OPEN_DOCUMENT: Trees = Trees { keep_from: 4 * 1024 };

    /// Chunks of `bytes` and more keep their trees (0: all of them, which
    /// the differential tests use to compare incremental trees with fresh ones).
    pub fn keep_from(bytes: usize) -> Trees {
        Trees { keep_from: bytes }
    }

    fn keeps(self, chunk_len: usize) -> bool {
        chunk_len >= self.keep_from
    }
}

/// From this size on, a text parsed from scratch has its chunks parsed in
/// parallel: chunks are independent by construction, and tree-sitter-md
/// reads about 1.6 MB a second, so a large document's first parse is
/// seconds on one core. Below it, the files of a workspace are what runs in
/// parallel (see the index).
const PARALLEL_PARSE_BYTES: usize = 256 * 1024;

/// What the previous parse can lend to this one.
pub(crate) struct Previous<'a> {
    /// Its text, where it is still there (the text of an owned parse is
    /// edited into the new one, see `Document::edited_text`): only debug
    /// builds read it, to check that a kept chunk's text did not change.
    pub text: Option<&'a str>,
    pub chunks: &'a [Chunk],
    /// Its `split_points`.
    pub split_points: &'a [usize],
    pub runbook: PreviousModel<'a>,
    pub edits: &'a [InputEdit],
}

/// Parses `text` as chunks, reusing what `previous` parsed where the edits
/// did not reach, and assembles their models into the model of the text.
/// Also returns the text's `split_points`, for the next version's parse.
pub(crate) fn parse(text: &str, previous: Option<Previous<'_>>, trees: Trees) -> (Vec<Chunk>, Runbook, Vec<usize>) {
    let envelope = previous.as_ref().and_then(|previous| EditEnvelope::of(previous.edits));
    let starts = match (&previous, envelope) {
        (Some(previous), Some(envelope)) if !previous.split_points.is_empty() => {
            split_points_after(text, previous.split_points, envelope)
        }
        _ => split_points(text),
    };
    let end_of = |index: usize| starts.get(index).copied().unwrap_or(text.len());
    // A large text parsed afresh: every chunk between two split points at
    // once. The loop below then only re-parses the rare chunk that ends open
    // together with what follows it, as it would have without this.
    let mut fresh: Vec<Option<(Arc<ParsedChunk>, ChunkModel)>> =
        if previous.is_none() && text.len() >= PARALLEL_PARSE_BYTES {
            (0..starts.len())
                .into_par_iter()
                .map(|index| Some(parse_chunk(text, starts[index], end_of(index + 1), None, None, trees)))
                .collect()
        } else {
            Vec::new()
        };
    // Where each old chunk's items start in the old model.
    let firsts: Vec<Counts> = previous
        .as_ref()
        .map(|previous| {
            let mut first = Counts::default();
            previous
                .chunks
                .iter()
                .map(|chunk| {
                    let this = first;
                    first = first.plus(chunk.parsed.counts);
                    this
                })
                .collect()
        })
        .unwrap_or_default();
    let mut chunks: Vec<Chunk> = Vec::with_capacity(starts.len());
    let mut sources: Vec<(usize, ChunkSource)> = Vec::with_capacity(starts.len());
    let mut index = 0;
    while index < starts.len() {
        let start = starts[index];
        let mut end_index = index + 1;
        loop {
            let end = end_of(end_index);
            let precomputed = if end_index == index + 1 { fresh.get_mut(index).and_then(Option::take) } else { None };
            let (parsed, source) = match precomputed {
                Some((parsed, model)) => (parsed, ChunkSource::Parsed(model)),
                None => match previous
                    .as_ref()
                    .and_then(|previous| Some((previous, reuse(text, start, end, previous, envelope)?)))
                {
                    Some((previous, old)) => {
                        let chunk = &previous.chunks[old];
                        let source =
                            ChunkSource::Kept { first: firsts[old], counts: chunk.parsed.counts, start: chunk.start };
                        (chunk.parsed.clone(), source)
                    }
                    None => {
                        let (parsed, model) = parse_chunk(text, start, end, previous.as_ref(), envelope, trees);
                        (parsed, ChunkSource::Parsed(model))
                    }
                },
            };
            if parsed.ends_open && end_index < starts.len() {
                end_index += 1;
                continue;
            }
            chunks.push(Chunk { start, len: end - start, parsed });
            sources.push((start, source));
            break;
        }
        index = end_index;
    }
    let runbook = assemble(text, sources, previous.map(|previous| previous.runbook));
    (chunks, runbook, starts)
}

/// The index of an old chunk with exactly this text, if the edits did not touch it.
fn reuse(
    text: &str,
    start: usize,
    end: usize,
    previous: &Previous<'_>,
    envelope: Option<EditEnvelope>,
) -> Option<usize> {
    let len = end - start;
    let old_start = match envelope {
        None => start,
        Some(envelope) if end <= envelope.lo => start,
        Some(envelope) if start >= envelope.hi => (start as isize - envelope.delta) as usize,
        Some(_) => return None,
    };
    let index = previous.chunks.binary_search_by_key(&old_start, |chunk| chunk.start).ok()?;
    let chunk = &previous.chunks[index];
    // Same place and length outside the edits means the same text; check in
    // debug builds anyway.
    debug_assert!(
        chunk.len != len || previous.text.is_none_or(|old| old[old_start..old_start + len] == text[start..end])
    );
    (chunk.len == len).then_some(index)
}

/// Parses one chunk, incrementally when a single old chunk held every edit.
fn parse_chunk(
    text: &str,
    start: usize,
    end: usize,
    previous: Option<&Previous<'_>>,
    envelope: Option<EditEnvelope>,
    trees: Trees,
) -> (Arc<ParsedChunk>, ChunkModel) {
    let chunk_text = &text[start..end];
    let old_tree = previous.zip(envelope).and_then(|(previous, envelope)| {
        let old_end = (end as isize - envelope.delta) as usize;
        // The chunk must start before the edits and end after them, in both texts.
        if start > envelope.lo || end < envelope.hi {
            return None;
        }
        let index = previous.chunks.binary_search_by_key(&start, |chunk| chunk.start).ok()?;
        let old = &previous.chunks[index];
        if old.start + old.len != old_end {
            return None;
        }
        // The chunk's first row, counted back from where the edits start
        // (inside the chunk) instead of from the start of the text. The text
        // before that point is the same in both versions.
        let (lo, lo_row) = first_edited(previous.edits)?;
        debug_assert_eq!(lo, envelope.lo);
        let between = &text.as_bytes()[start..lo];
        let start_row = lo_row - memchr::memchr_iter(b'\n', between).count();
        let mut block = old.parsed.block.clone()?;
        for edit in previous.edits {
            block.edit(&relative_edit(edit, start, start_row));
        }
        Some(block)
    });
    let tree = markdown::parse(chunk_text, old_tree.as_ref(), markdown::Inlines::ModelOnly);
    let model = lower::chunk_model(chunk_text, &tree);
    let block = trees.keeps(chunk_text.len()).then(|| tree.block_tree().clone());
    (Arc::new(ParsedChunk { block, counts: Counts::of_chunk(&model), ends_open: model.ends_open() }), model)
}

/// The first byte a sequence of edits changed (`EditEnvelope::lo`) and its
/// row, which is the same in the text before the edits and after them: it is
/// where one of the edits starts, and none of them changed what precedes it.
fn first_edited(edits: &[InputEdit]) -> Option<(usize, usize)> {
    let first = edits.first()?;
    let mut lowest = (first.start_byte, first.start_position.row);
    for edit in &edits[1..] {
        // An edit at or before the lowest point so far moves it there; one
        // after it leaves it (and what precedes it) alone.
        if edit.start_byte <= lowest.0 {
            lowest = (edit.start_byte, edit.start_position.row);
        }
    }
    Some(lowest)
}

/// An edit of the document as an edit of a chunk that starts at byte `start`,
/// row `start_row` (always at a line start, so columns do not change).
fn relative_edit(edit: &InputEdit, start: usize, start_row: usize) -> InputEdit {
    let point = |point: Point| Point { row: point.row - start_row, column: point.column };
    InputEdit {
        start_byte: edit.start_byte - start,
        old_end_byte: edit.old_end_byte - start,
        new_end_byte: edit.new_end_byte - start,
        start_position: point(edit.start_position),
        old_end_position: point(edit.old_end_position),
        new_end_position: point(edit.new_end_position),
    }
}

/// Where chunks may start: offset 0, and the start of every line that is an
/// ATX heading at column 0 after a blank line, outside fenced code, HTML
/// blocks that run past blank lines, and front matter.
pub(crate) fn split_points(text: &str) -> Vec<usize> {
    let mut points = vec![0];
    scan_split_points(text, 0, &mut points, None);
    points
}

/// `split_points` of `text`, edited within `envelope` from a text whose
/// split points were `old`: scanned again only from the last old point at or
/// before the edits, and only until the scan meets, past the edits, a point
/// the old text had. The scanner's state at a split point is always the same
/// (outside every block, after a blank line), so from the first point the two
/// texts share after the edits, they split the same way. Without this, every
/// keystroke scanned every line of the document.
pub(crate) fn split_points_after(text: &str, old: &[usize], envelope: EditEnvelope) -> Vec<usize> {
    // Points before the edits are where they were, and the text before them
    // is unchanged: the scan resumes at the last one, which it checks again
    // (the edit may start on its line), or at 0, which is always a point.
    let kept = old.partition_point(|&point| point <= envelope.lo);
    let resume = kept.checked_sub(1).map_or(0, |last| old[last]);
    let mut points = if resume == 0 { vec![0] } else { old[..kept - 1].to_vec() };
    let resync = Resync { old, from: envelope.hi, delta: envelope.delta };
    scan_split_points(text, resume, &mut points, Some(resync));
    debug_assert_eq!(points, split_points(text), "incremental split points after {envelope:?}");
    points
}

/// Where an incremental scan may stop: at a line start from `from` on (past
/// the edits, in the new text) that was a split point `delta` bytes earlier
/// in the old text.
#[derive(Clone, Copy)]
struct Resync<'a> {
    old: &'a [usize],
    from: usize,
    delta: isize,
}

/// Scans `text` from `line_start` (0, or a split point), pushing the split
/// points it finds onto `points`; with `resync`, stops at the first point
/// shared with the old text and appends the old points after it, moved.
fn scan_split_points(text: &str, mut line_start: usize, points: &mut Vec<usize>, resync: Option<Resync<'_>>) {
    let bytes = text.as_bytes();
    let mut state = State::Normal;
    let mut previous_blank = true;
    let mut first = line_start == 0;
    while line_start < bytes.len() {
        let line_end = memchr::memchr(b'\n', &bytes[line_start..]).map_or(bytes.len(), |i| line_start + i);
        let line = &text[line_start..line_end];
        let line = line.strip_suffix('\r').unwrap_or(line);
        if first && (line == "---" || line == "+++") {
            state = State::FrontMatter(if line == "---" { "---" } else { "+++" });
            first = false;
            previous_blank = false;
            line_start = line_end + 1;
            continue;
        }
        first = false;
        let blank = line.trim().is_empty();
        state = match state {
            State::FrontMatter(fence) => {
                if line.trim_end() == fence || line.trim_end() == "..." {
                    State::Normal
                } else {
                    state
                }
            }
            State::Fence { marker, length } => {
                if closes_fence(line, marker, length) {
                    State::Normal
                } else {
                    state
                }
            }
            State::Html(end) => {
                if line.to_ascii_lowercase().contains(end) {
                    State::Normal
                } else {
                    state
                }
            }
            State::Normal => {
                if previous_blank && line_start > 0 && is_atx_heading(line) {
                    if let Some(Resync { old, from, delta }) = resync
                        && line_start >= from
                        && let Some(at) = line_start.checked_add_signed(-delta)
                        // The old text's start is a point without being a
                        // heading: the scan from a heading is not the scan
                        // from the start (a last heading line without a line
                        // break is not a point, see below).
                        && at > 0
                        && let Ok(index) = old.binary_search(&at)
                    {
                        // The old text's points from here on, in this text.
                        points.extend(old[index..].iter().map(|&point| point.wrapping_add_signed(delta)));
                        return;
                    }
                    points.push(line_start);
                }
                if let Some((marker, length)) = opens_fence(line) {
                    State::Fence { marker, length }
                } else if let Some(end) = indented_up_to_3(line).and_then(html_block_end) {
                    // A block that ends on its own first line stays closed.
                    let rest = &line.to_ascii_lowercase()[line.len() - line.trim_start().len() + 2..];
                    if rest.contains(end) { State::Normal } else { State::Html(end) }
                } else {
                    State::Normal
                }
            }
        };
        previous_blank = blank;
        line_start = line_end + 1;
    }
    // tree-sitter-md reads a text that is one heading line without a line
    // break as an error, not a heading; after other text it is a heading. So
    // a last line like that stays with what comes before it. (A scan that
    // resynchronised took the old text's end, where this was done.)
    if points.len() > 1 && !text[*points.last().expect("there are two points")..].contains('\n') {
        points.pop();
    }
}

#[derive(Debug, Clone, Copy)]
enum State {
    Normal,
    Fence { marker: u8, length: usize },
    Html(&'static str),
    FrontMatter(&'static str),
}

/// `# Title`, `###`, `## x ##`: one to six `#` then a blank or the end.
fn is_atx_heading(line: &str) -> bool {
    let n = line.bytes().take_while(|&byte| byte == b'#').count();
    (1..=6).contains(&n) && line[n..].chars().next().is_none_or(|c| c == ' ' || c == '\t')
}

/// The line without up to three leading spaces, if it is indented less than four.
fn indented_up_to_3(line: &str) -> Option<&str> {
    let n = line.bytes().take_while(|&byte| byte == b' ').count();
    (n <= 3).then(|| &line[n..])
}

fn opens_fence(line: &str) -> Option<(u8, usize)> {
    let rest = indented_up_to_3(line)?;
    let marker = *rest.as_bytes().first()?;
    if marker != b'`' && marker != b'~' {
        return None;
    }
    let length = rest.bytes().take_while(|&byte| byte == marker).count();
    if length < 3 || (marker == b'`' && rest[length..].contains('`')) {
        return None;
    }
    Some((marker, length))
}

fn closes_fence(line: &str, marker: u8, length: usize) -> bool {
    let Some(rest) = indented_up_to_3(line) else { return false };
    let n = rest.bytes().take_while(|&byte| byte == marker).count();
    n >= length && rest[n..].trim().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(text: &str) -> Vec<&str> {
        let points = split_points(text);
        points
            .iter()
            .enumerate()
            .map(|(i, &start)| &text[start..points.get(i + 1).copied().unwrap_or(text.len())])
            .collect()
    }

    #[test]
    fn splits_before_headings_outside_blocks() {
        let text = "# A\n\ntext\n# B (no blank before)\n\n## C\n```\n\n# in code\n```\n\n### D\n<!--\n\n# in comment\n-->\n\n#E not a heading\n\n    # indented\n\n#### F\n";
        assert_eq!(
            chunks(text),
            [
                "# A\n\ntext\n# B (no blank before)\n\n",
                "## C\n```\n\n# in code\n```\n\n",
                "### D\n<!--\n\n# in comment\n-->\n\n#E not a heading\n\n    # indented\n\n",
                "#### F\n",
            ]
        );
        assert_eq!(
            chunks("---\ntitle: x\n\n# yaml\n---\n\n# Real\n"),
            ["---\ntitle: x\n\n# yaml\n---\n\n", "# Real\n"]
        );
        assert_eq!(chunks("<!-- one line -->\n\n# After\n"), ["<!-- one line -->\n\n", "# After\n"]);
        assert_eq!(chunks("a\r\n\r\n# B\r\n"), ["a\r\n\r\n", "# B\r\n"]);
        // A last heading without a line break stays with the text before it.
        assert_eq!(chunks("a\n\n### Relat"), ["a\n\n### Relat"]);
        assert_eq!(chunks("a\n\n### Relat\n"), ["a\n\n", "### Relat\n"]);
    }

    #[test]
    fn envelopes_follow_the_edits() {
        let edit = |start: usize, old_end: usize, new_end: usize| InputEdit {
            start_byte: start,
            old_end_byte: old_end,
            new_end_byte: new_end,
            start_position: Point::default(),
            old_end_position: Point::default(),
            new_end_position: Point::default(),
        };
        assert_eq!(EditEnvelope::of(&[]), None);
        // Insert 3 bytes at 10, then delete 5..7: the first edit moves left.
        let envelope = EditEnvelope::of(&[edit(10, 10, 13), edit(5, 7, 5)]).unwrap();
        assert_eq!(envelope, EditEnvelope { lo: 5, hi: 11, delta: 1 });
        // An edit inside an earlier insertion stays inside it.
        let envelope = EditEnvelope::of(&[edit(10, 10, 20), edit(12, 14, 13)]).unwrap();
        assert_eq!(envelope, EditEnvelope { lo: 10, hi: 19, delta: 9 });
    }

    /// The old text's start is a point without being a heading: a scan that
    /// meets a heading where that start moved to must not take it as a point
    /// the two texts share (found by the differential test of the parse).
    #[test]
    fn a_heading_where_the_start_was_is_scanned_to_the_end() {
        for (old, text) in [("#", "\n#"), ("# A", "\n\n# A"), ("# A\nx\n", "\n# A\nx\n")] {
            let envelope = EditEnvelope { lo: 0, hi: text.len() - old.len(), delta: (text.len() - old.len()) as isize };
            assert_eq!(
                split_points_after(text, &split_points(old), envelope),
                split_points(text),
                "{old:?} → {text:?}"
            );
        }
    }

    /// Lines that open and close what the splitter tracks, and headings.
    /// Mostly headings after blank lines, so that edits fall between split
    /// points and the scan has points to resume from and meet again.
    const LINES: [&str; 24] = [
        "", "", "", "", "", "", "# A", "### B", "## C", "# A", "text", "text", "```", "~~~", "```ts", "<!--", "-->",
        "<pre>", "</pre>", "---", "    # no", "x\r", "#C", "\r",
    ];

    fn lines() -> impl proptest::strategy::Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(LINES.to_vec()), 0..40).prop_map(|lines| lines.join("\n"))
    }

    use proptest::prelude::*;

    proptest! {
        /// Scanning again only around an edit splits as scanning everything does.
        #[test]
        fn incremental_split_points_equal_a_full_scan(
            old in lines(),
            at in 0.0..=1.0f64,
            removed in 0.0..=0.3f64,
            inserted in lines(),
            newline_at_end in any::<bool>(),
        ) {
            let old = if newline_at_end { format!("{old}\n") } else { old };
            let lo = (at * old.len() as f64) as usize;
            let old_hi = (lo + (removed * old.len() as f64) as usize).min(old.len());
            let text = format!("{}{inserted}{}", &old[..lo], &old[old_hi..]);
            let envelope =
                EditEnvelope { lo, hi: lo + inserted.len(), delta: inserted.len() as isize - (old_hi - lo) as isize };
            prop_assert_eq!(split_points_after(&text, &split_points(&old), envelope), split_points(&text));
        }
    }
}
