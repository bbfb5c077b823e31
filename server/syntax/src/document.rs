//! An open document: its text in a rope, edited in place, and its parse,
//! computed lazily and incrementally from the edits since the last one.
//! Cloning a document is cheap and gives a snapshot that later edits of the
//! original never change.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};

use ropey::Rope;
use tree_sitter::{InputEdit, Point};

use crate::chunks::{self, Chunk, Trees};
use crate::lower::{self, PreviousModel};
use crate::markdown;
use crate::{LineIndex, Runbook, TextRange};

/// One parsed version of a document: its chunks (see `chunks`), each with
/// its own block and inline trees, and the model of the whole text.
#[derive(Debug)]
pub struct Parse {
    /// A `String` behind the `Arc`, not a `str`: `Arc<str>` from a `String`
    /// copies it, and a keystroke's parse already copied the rope once.
    text: Arc<String>,
    chunks: Vec<Chunk>,
    /// Where the text may be split (see `chunks::split_points`): the next
    /// version scans again only around its edits.
    split_points: Vec<usize>,
    runbook: Runbook,
    line_index: OnceLock<LineIndex>,
}

impl Parse {
    /// Parses a whole text from scratch, keeping what an open document keeps.
    pub fn new(text: &str) -> Parse {
        Parse::with_trees(text, Trees::OPEN_DOCUMENT)
    }

    /// Parses a whole text from scratch, keeping the block trees `trees` says.
    pub fn with_trees(text: &str, trees: Trees) -> Parse {
        Parse::from_chunks(Arc::new(text.to_string()), None, trees)
    }

    /// Parses a text that will not be edited (a file on disk, a CLI input):
    /// its syntax trees are dropped once lowered, since only an edit would
    /// reuse them, and they are most of a parse's memory.
    pub fn standalone(text: &str) -> Parse {
        Parse::standalone_shared(Arc::new(text.to_string()))
    }

    /// `standalone`, keeping the text it is given rather than a copy.
    pub fn standalone_shared(text: Arc<String>) -> Parse {
        let mut parse = Parse::from_chunks(text, None, Trees::DROP);
        // The chunks' models are in the runbook now, and they hold no trees.
        parse.chunks = Vec::new();
        parse.split_points = Vec::new();
        parse
    }

    /// The reference the chunked parse must equal: one tree-sitter-md parse of
    /// the whole text, lowered in one go. Used by tests and benchmarks.
    pub fn whole_document(text: &str) -> Runbook {
        let tree = markdown::parse(text, None, markdown::Inlines::All);
        lower::lower(text, &tree)
    }

    fn from_chunks(text: Arc<String>, previous: Option<chunks::Previous<'_>>, trees: Trees) -> Parse {
        let (chunks, runbook, split_points) = chunks::parse(&text, previous, trees);
        Parse { text, chunks, split_points, runbook, line_index: OnceLock::new() }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn runbook(&self) -> &Runbook {
        &self.runbook
    }

    /// The block trees of the chunks, with the offset each chunk starts at.
    /// (Inline trees are dropped once lowered: they are the bulk of a parse's
    /// memory, and a later parse never reuses them.)
    pub fn block_trees(&self) -> impl Iterator<Item = (usize, &tree_sitter::Tree)> {
        self.chunks.iter().filter_map(|chunk| Some((chunk.start, chunk.parsed.block.as_ref()?)))
    }

    pub fn line_index(&self) -> &LineIndex {
        self.line_index.get_or_init(|| LineIndex::new(&self.text))
    }
}

/// How many edits an unparsed version may carry from the last parse.
const MAX_PENDING_EDITS: usize = 256;

#[derive(Clone)]
pub struct Document {
    rope: Rope,
    trees: Trees,
    syntax: Arc<SyntaxCell>,
    /// Whether the text may hold a lone CR: the rope's lines (which end at
    /// LF, CRLF and lone CR, as LSP's do) then differ from tree-sitter's rows
    /// (which end at LF), and points are counted the slow way.
    may_have_lone_cr: bool,
}

/// The parse of one text version, computed on first use from the last
/// computed parse and the edits made since.
struct SyntaxCell {
    parse: OnceLock<Arc<Parse>>,
    /// What the parse starts from. Back to `Base::None` once `parse` is set,
    /// so that a parsed version does not keep its predecessor alive.
    base: Mutex<Base>,
    /// Signalled when a parse that took its base over (`Base::Taken`) ends,
    /// whether it set `parse` or failed.
    ended: Condvar,
}

impl SyntaxCell {
    fn new(base: Base) -> SyntaxCell {
        SyntaxCell { parse: OnceLock::new(), base: Mutex::new(base), ended: Condvar::new() }
    }

    fn base(&self) -> MutexGuard<'_, Base> {
        self.base.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The parse of this version: waits for it while a parse that took the
    /// base over runs; `None` when nobody parses it or that parse failed.
    fn parse_or_wait(&self) -> Option<Arc<Parse>> {
        let mut base = self.base();
        loop {
            if let Some(parse) = self.parse.get() {
                return Some(parse.clone());
            }
            if !matches!(*base, Base::Taken) {
                return None;
            }
            base = self.ended.wait(base).unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// What the parse of a version starts from.
enum Base {
    /// Nothing: a whole-document parse.
    None,
    /// The last computed parse and the edits since. Read, not taken, while
    /// something else holds that parse (a snapshot of its version): an edit
    /// made while this version is parsed (the server parses on another
    /// thread) then chains from it too.
    Parse(Arc<Parse>, Vec<InputEdit>),
    /// The parse of this version is running, and took over the previous
    /// parse, which nothing else held: its model becomes the new one in
    /// place, instead of being copied (see `assemble`).
    Taken,
    /// The parse of an earlier version, running when this version was made
    /// (its base was `Taken`), and the edits since: an edit made while a
    /// parse runs still chains from that parse instead of starting over
    /// with a whole-document parse.
    After(Arc<SyntaxCell>, Vec<InputEdit>),
}

/// What `Document::parse` found to start from. Lives on the stack for one
/// parse: boxing the owned parse would only add an allocation.
#[expect(clippy::large_enum_variant, reason = "one short-lived value per parse")]
enum Start {
    Fresh,
    Owned(Parse, Vec<InputEdit>),
    Shared(Arc<Parse>, Vec<InputEdit>),
}

/// Ends a parse of `cell`, however it ends: its base goes, and whoever waits
/// for it (`SyntaxCell::parse_or_wait`) is woken.
struct EndParse<'a>(&'a SyntaxCell);

impl Drop for EndParse<'_> {
    fn drop(&mut self) {
        *self.0.base() = Base::None;
        self.0.ended.notify_all();
    }
}

/// `edits`, then `edit`; `None` past `MAX_PENDING_EDITS`.
fn and_then(edits: &[InputEdit], edit: InputEdit) -> Option<Vec<InputEdit>> {
    (edits.len() < MAX_PENDING_EDITS).then(|| {
        let mut edits = edits.to_vec();
        edits.push(edit);
        edits
    })
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document").field("len", &self.rope.len_bytes()).finish_non_exhaustive()
    }
}

impl Document {
    pub fn new(text: &str) -> Document {
        Document {
            rope: Rope::from_str(text),
            trees: Trees::OPEN_DOCUMENT,
            syntax: Arc::new(SyntaxCell::new(Base::None)),
            may_have_lone_cr: has_lone_cr(text),
        }
    }

    /// The same document, with the chunks `trees` says keeping their block
    /// trees (the differential tests keep them all).
    pub fn keeping_trees(mut self, trees: Trees) -> Document {
        self.trees = trees;
        self
    }

    pub fn rope(&self) -> &Rope {
        &self.rope
    }

    pub fn len(&self) -> usize {
        self.rope.len_bytes()
    }

    pub fn is_empty(&self) -> bool {
        self.rope.len_bytes() == 0
    }

    /// Replaces `range` (clamped to the text and to character boundaries) by `new_text`.
    pub fn edit(&mut self, range: TextRange, new_text: &str) {
        let len = self.rope.len_bytes();
        let start_byte = self.floor_boundary(range.start.min(len));
        let old_end_byte = self.floor_boundary(range.end.clamp(start_byte, len));
        if start_byte == old_end_byte && new_text.is_empty() {
            return;
        }
        // Joining a CR to what follows it can leave it alone (or pair it).
        let after_cr = start_byte > 0 && self.rope.byte(start_byte - 1) == b'\r';
        if after_cr || new_text.contains('\r') {
            self.may_have_lone_cr = true;
        }
        let start_position = self.tree_sitter_point(start_byte);
        let old_end_position = self.tree_sitter_point(old_end_byte);
        let start_char = self.rope.byte_to_char(start_byte);
        let old_end_char = self.rope.byte_to_char(old_end_byte);
        self.rope.remove(start_char..old_end_char);
        self.rope.insert(start_char, new_text);
        let new_end_byte = start_byte + new_text.len();
        let edit = InputEdit {
            start_byte,
            old_end_byte,
            new_end_byte,
            start_position,
            old_end_position,
            new_end_position: self.tree_sitter_point(new_end_byte),
        };
        let base = {
            // `parse` sets the parse before it drops the base, under this
            // lock: one of the two is there unless the text never had a parse.
            let base = self.syntax.base();
            match (self.syntax.parse.get(), &*base) {
                (Some(parse), _) => Base::Parse(parse.clone(), vec![edit]),
                // Edits pile up only while nobody asks for a parse (a document
                // above the live-analysis limit): past a few hundred the old
                // parse is dropped, so that it is not kept alive and each
                // keystroke does not copy an ever longer list; the next parse
                // starts afresh.
                (None, Base::Parse(parse, edits)) => {
                    and_then(edits, edit).map_or(Base::None, |edits| Base::Parse(parse.clone(), edits))
                }
                (None, Base::After(cell, edits)) => {
                    and_then(edits, edit).map_or(Base::None, |edits| Base::After(cell.clone(), edits))
                }
                (None, Base::Taken) => Base::After(self.syntax.clone(), vec![edit]),
                (None, Base::None) => Base::None,
            }
        };
        self.syntax = Arc::new(SyntaxCell::new(base));
    }

    /// Replaces the whole text (a full-document change).
    pub fn replace_all(&mut self, text: &str) {
        *self = Document::new(text).keeping_trees(self.trees);
    }

    /// The parse of the current text, computed once per text version.
    pub fn parse(&self) -> Arc<Parse> {
        let end = EndParse(&self.syntax);
        let parse = self
            .syntax
            .parse
            .get_or_init(|| {
                let start = self.start();
                #[cfg(test)]
                tests::WHILE_PARSING.with(|hook| hook.borrow_mut().as_mut().map(|hook| hook()));
                Arc::new(match start {
                    Start::Fresh => Parse::from_chunks(self.text(), None, self.trees),
                    Start::Shared(base, edits) => {
                        let previous = chunks::Previous {
                            text: Some(&base.text),
                            chunks: &base.chunks,
                            split_points: &base.split_points,
                            runbook: PreviousModel::Shared(&base.runbook),
                            edits: &edits,
                        };
                        Parse::from_chunks(self.text(), Some(previous), self.trees)
                    }
                    Start::Owned(base, edits) => {
                        let Parse { text: base_text, chunks, split_points, runbook, line_index: _ } = base;
                        // Debug builds keep a copy, to check that kept chunks kept their text.
                        let old_text = cfg!(debug_assertions).then(|| base_text.to_string());
                        let text = self.edited_text(base_text, &edits);
                        let previous = chunks::Previous {
                            text: old_text.as_deref(),
                            chunks: &chunks,
                            split_points: &split_points,
                            runbook: PreviousModel::Owned(runbook),
                            edits: &edits,
                        };
                        Parse::from_chunks(text, Some(previous), self.trees)
                    }
                })
            })
            .clone();
        drop(end);
        parse
    }

    /// This version's text, copied out of the rope.
    fn text(&self) -> Arc<String> {
        // One allocation of the right size (`to_string` grows as it goes).
        let mut text = String::with_capacity(self.rope.len_bytes());
        for chunk in self.rope.chunks() {
            text.push_str(chunk);
        }
        Arc::new(text)
    }

    /// This version's text, made from `old`, the text of the parse the
    /// `edits` were made after, in place where nothing else holds it: one
    /// splice of the bytes the edits reached. Copying the rope instead held
    /// both versions' texts at once, a second copy of the document during
    /// every edit's parse.
    fn edited_text(&self, old: Arc<String>, edits: &[InputEdit]) -> Arc<String> {
        let Some(envelope) = chunks::EditEnvelope::of(edits) else { return self.text() };
        let Ok(mut text) = Arc::try_unwrap(old) else { return self.text() };
        let old_hi = envelope.hi.checked_add_signed(-envelope.delta).unwrap_or(usize::MAX);
        let inserted = self.rope.get_byte_slice(envelope.lo..envelope.hi);
        let (Some(inserted), true, true) =
            (inserted, text.is_char_boundary(envelope.lo), text.is_char_boundary(old_hi))
        else {
            return self.text();
        };
        if envelope.lo > old_hi {
            return self.text();
        }
        let inserted: String = inserted.chunks().collect();
        let growth = inserted.len().saturating_sub(old_hi - envelope.lo);
        if text.capacity() - text.len() < growth {
            // Room for the next keystrokes too, not the doubling a splice
            // would grow the text by.
            text.reserve_exact(growth + text.len() / 64);
        }
        text.replace_range(envelope.lo..old_hi, &inserted);
        debug_assert!(text.len() == self.rope.len_bytes() && self.rope == text.as_str());
        Arc::new(text)
    }

    /// What this version's parse starts from, its base taken over when
    /// nothing else holds it (see `Base`).
    fn start(&self) -> Start {
        let mut base = self.syntax.base();
        match std::mem::replace(&mut *base, Base::None) {
            Base::Parse(parse, edits) => match Arc::try_unwrap(parse) {
                // Nothing but this base held it (a holder clones it from a
                // base, under its lock, or keeps it in a parsed version's
                // cell, which counts), so nothing can clone it now.
                Ok(parse) => {
                    *base = Base::Taken;
                    Start::Owned(parse, edits)
                }
                Err(parse) => {
                    *base = Base::Parse(parse.clone(), edits.clone());
                    Start::Shared(parse, edits)
                }
            },
            Base::After(cell, edits) => {
                *base = Base::After(cell.clone(), edits.clone());
                drop(base);
                match cell.parse_or_wait() {
                    Some(parse) => Start::Shared(parse, edits),
                    None => Start::Fresh,
                }
            }
            Base::Taken | Base::None => Start::Fresh,
        }
    }

    /// The tree-sitter point of a byte offset: rows count LF only and columns
    /// are bytes since the last LF, which is what tree-sitter's lexer assumes
    /// (the markdown scanner measures indentation with them).
    fn tree_sitter_point(&self, offset: usize) -> Point {
        if self.may_have_lone_cr {
            return tree_sitter_point_slow(&self.rope, offset);
        }
        // Without lone CRs the rope's lines are LF lines (CRLF ends at its LF).
        let row = self.rope.byte_to_line(offset);
        Point { row, column: offset - self.rope.line_to_byte(row) }
    }

    fn floor_boundary(&self, offset: usize) -> usize {
        // A byte inside a character maps to that character, whose start is the floor.
        self.rope.char_to_byte(self.rope.byte_to_char(offset))
    }
}

fn has_lone_cr(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'\r', bytes).any(|at| bytes.get(at + 1) != Some(&b'\n'))
}

/// `Document::tree_sitter_point` by counting LFs from the start.
fn tree_sitter_point_slow(rope: &Rope, offset: usize) -> Point {
    let mut row = 0;
    let mut last_line_start = 0;
    let mut chunk_start = 0;
    for chunk in rope.byte_slice(..offset).chunks() {
        for (i, byte) in chunk.bytes().enumerate() {
            if byte == b'\n' {
                row += 1;
                last_line_start = chunk_start + i + 1;
            }
        }
        chunk_start += chunk.len();
    }
    Point { row, column: offset - last_line_start }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::sync::mpsc;

    use super::*;

    thread_local! {
        /// Run by `Document::parse` on this thread once it has read its base:
        /// lets a test make an edit land while a parse is running.
        pub(super) static WHILE_PARSING: RefCell<Option<Box<dyn FnMut()>>> = const { RefCell::new(None) };
    }

    /// The first chunk's parse, shared between versions that did not re-parse it.
    fn first_chunk(parse: &Parse) -> &Arc<crate::chunks::ParsedChunk> {
        &parse.chunks[0].parsed
    }

    /// Parses `snapshot` on another thread, which pauses once the parse has
    /// taken what it starts from, until the test sends on the returned
    /// channel; it then runs `after_pause` (a test's way to make it fail).
    fn paused_parse(
        snapshot: Document,
        after_pause: impl FnOnce() + Send + 'static,
    ) -> (mpsc::Sender<()>, std::thread::JoinHandle<Arc<Parse>>) {
        let (started, parse_started) = mpsc::channel();
        let (go_on, carry_on) = mpsc::channel::<()>();
        let parsing = std::thread::spawn(move || {
            let mut after_pause = Some(after_pause);
            WHILE_PARSING.with(|hook| {
                *hook.borrow_mut() = Some(Box::new(move || {
                    started.send(()).expect("the test waits");
                    carry_on.recv().expect("the test lets the parse go on");
                    if let Some(after_pause) = after_pause.take() {
                        after_pause();
                    }
                }));
            });
            snapshot.parse()
        });
        parse_started.recv().expect("the parse runs");
        (go_on, parsing)
    }

    /// The server parses a version on another thread while the client keeps
    /// typing. An edit that lands then must still chain from the last parse:
    /// starting over means a whole-document parse (~200 ms for a
    /// 10,000-line runbook), during which the next keystrokes start over
    /// again, so latency grew for as long as the typing went on.
    #[test]
    fn an_edit_during_a_parse_keeps_the_next_parse_incremental() {
        let text = "## Section\n\nA `node-key` reference.\n\n".repeat(50);
        let mut document = Document::new(&text);
        let first = document.parse();
        document.edit(TextRange::new(text.len(), text.len()), "a");

        let (go_on, parsing) = paused_parse(document.clone(), || {});
        document.edit(TextRange::new(text.len() + 1, text.len() + 1), "b");
        go_on.send(()).expect("the parse waits");
        let during = parsing.join().expect("the parse does not panic");

        let after = document.parse();
        assert_eq!(after.text(), format!("{text}ab"));
        // The edits are in the last chunk: the first one is shared by every
        // version parsed incrementally, and a fresh parse makes a new one.
        assert!(Arc::ptr_eq(first_chunk(&first), first_chunk(&during)));
        assert!(Arc::ptr_eq(first_chunk(&during), first_chunk(&after)), "the parse after the edit started over");
    }

    /// A parse that nothing else holds is taken over by the next version's
    /// parse, its model made the new one in place. An edit that lands while
    /// that parse runs finds no parse to chain from: it chains from the
    /// running parse instead, and the parse of its version waits for it.
    #[test]
    fn an_edit_during_a_parse_that_took_its_base_over_chains_from_that_parse() {
        let text = "## Section\n\nA `node-key` reference.\n\n".repeat(50);
        let mut document = Document::new(&text);
        let parse = document.parse();
        let first = first_chunk(&parse).clone();
        let base = Arc::downgrade(&parse);
        drop(parse);
        document.edit(TextRange::new(text.len(), text.len()), "a");

        let (go_on, parsing) = paused_parse(document.clone(), || {});
        // Taken over: nothing holds the previous parse any more.
        assert!(base.upgrade().is_none(), "the parse copied a base nothing else held");
        document.edit(TextRange::new(text.len() + 1, text.len() + 1), "b");
        let next = document.clone();
        let (ended, next_ended) = mpsc::channel();
        let waiting = std::thread::spawn(move || {
            let parse = next.parse();
            ended.send(()).expect("the test waits");
            parse
        });
        assert!(
            next_ended.recv_timeout(std::time::Duration::from_millis(200)).is_err(),
            "the next version's parse did not wait for the one it chains from"
        );
        go_on.send(()).expect("the parse waits");
        let during = parsing.join().expect("the parse does not panic");
        let after = waiting.join().expect("the next parse does not panic");

        assert_eq!(during.text(), format!("{text}a"));
        assert_eq!(after.text(), format!("{text}ab"));
        assert_eq!(after.runbook(), Parse::new(after.text()).runbook());
        assert!(Arc::ptr_eq(&first, first_chunk(&during)));
        assert!(Arc::ptr_eq(first_chunk(&during), first_chunk(&after)), "the parse after the edit started over");
    }

    /// A parse that fails (a bug: the request that ran it fails) does not
    /// leave the versions that chain from it waiting: they parse afresh.
    #[test]
    fn a_failed_parse_leaves_nothing_waiting_for_it() {
        let text = "## Section\n\nA `node-key` reference.\n\n".repeat(5);
        let mut document = Document::new(&text);
        document.parse();
        document.edit(TextRange::new(0, 0), "a");
        let (go_on, parsing) = paused_parse(document.clone(), || panic!("a parse that fails"));
        document.edit(TextRange::new(0, 0), "b");
        let next = document.clone();
        let waiting = std::thread::spawn(move || next.parse());
        go_on.send(()).expect("the parse waits");
        assert!(parsing.join().is_err());
        let after = waiting.join().expect("the next parse does not panic");
        assert_eq!(after.text(), format!("ba{text}"));
        assert_eq!(after.runbook(), Parse::new(after.text()).runbook());
    }

    /// Each version keeps only the last parse and the edits since, until it
    /// is parsed itself: the chain of parses never grows.
    #[test]
    fn a_parsed_version_drops_its_predecessor() {
        let mut document = Document::new("# A\n\ntext\n");
        let first = Arc::downgrade(&document.parse());
        document.edit(TextRange::new(2, 3), "B");
        document.edit(TextRange::new(2, 3), "C");
        assert!(first.upgrade().is_some(), "an unparsed version needs the last parse");
        let second = Arc::downgrade(&document.parse());
        assert!(first.upgrade().is_none(), "a parsed version keeps its predecessor alive");
        document.edit(TextRange::new(2, 3), "D");
        document.parse();
        assert!(second.upgrade().is_none(), "a parsed version keeps its predecessor alive");
    }

    /// The parse of an edit that nothing else holds the last parse of
    /// edits that parse's text in place: one text in memory, never two.
    /// A snapshot holding the last parse leaves its text alone.
    #[test]
    fn an_edit_reuses_the_text_of_the_parse_it_follows() {
        let text = "# A\n\nsome text\n\n## B\n\nmore text\n".repeat(50);
        let mut document = Document::new(&text);
        let address = |parse: &Parse| parse.text().as_ptr() as usize;
        let first = address(&document.parse());
        document.edit(TextRange::new(2, 3), "");
        document.edit(TextRange::new(30, 31), "");
        let shorter = document.parse();
        assert_eq!(address(&shorter), first, "a deletion copied the text");
        assert_eq!(shorter.text(), document.rope().to_string());
        drop(shorter);
        // Growing reserves some room once; the next keystrokes fit in it.
        document.edit(TextRange::empty(40), "xyz");
        let grown = address(&document.parse());
        document.edit(TextRange::empty(41), "ab");
        assert_eq!(address(&document.parse()), grown, "an insertion copied the text");
        document.edit(TextRange::empty(100), "\n\n### Action 1: New (SAFE)\n\n");
        let parse = document.parse();
        assert_eq!(parse.text(), document.rope().to_string());
        assert_eq!(parse.runbook(), Parse::new(parse.text()).runbook());
        // Held elsewhere (a snapshot's parse): copied, and left as it was.
        let before = parse.text().to_string();
        document.edit(TextRange::empty(0), "x");
        let after = document.parse();
        assert_ne!(address(&after), address(&parse));
        assert_eq!(parse.text(), before);
        assert_eq!(after.text(), document.rope().to_string());
    }

    /// An open document keeps the block trees of its large chunks only (the
    /// small ones are parsed afresh after an edit), and a standalone parse none.
    #[test]
    fn only_large_chunks_keep_their_trees() {
        let small = "## Action 1: A\n\nSome text.\n\n";
        let large = format!("## Big\n\n{}\n", "A long paragraph line.\n".repeat(400));
        let text = format!("{small}{large}{small}");
        let parse = Document::new(&text).parse();
        let starts: Vec<usize> = parse.block_trees().map(|(start, _)| start).collect();
        assert_eq!(starts, [small.len()]);
        assert_eq!(Parse::standalone(&text).block_trees().count(), 0);
        assert_eq!(Parse::with_trees(&text, Trees::keep_from(0)).block_trees().count(), 3);
    }

    #[test]
    fn snapshots_do_not_change() {
        let mut doc = Document::new("# A\n\ntext\n");
        let snapshot = doc.clone();
        doc.edit(TextRange::new(2, 3), "B");
        assert_eq!(snapshot.parse().text(), "# A\n\ntext\n");
        assert_eq!(doc.parse().text(), "# B\n\ntext\n");
        let parse = doc.parse();
        assert_eq!(parse.runbook().headings[0].text(parse.text()), "B");
    }

    #[test]
    fn edits_without_parses_stop_holding_the_old_parse() {
        let mut doc = Document::new("# A\n\ntext\n");
        let first = doc.parse();
        for _ in 0..MAX_PENDING_EDITS + 1 {
            doc.edit(TextRange::new(0, 0), "x");
        }
        assert_eq!(Arc::strong_count(&first), 1, "only this test holds the first parse");
        let expected = format!("{}# A\n\ntext\n", "x".repeat(MAX_PENDING_EDITS + 1));
        assert_eq!(doc.parse().text(), expected);
    }

    #[test]
    fn points_count_lf_only() {
        let document = Document::new("a\r\nb\rc\nd");
        assert!(document.may_have_lone_cr);
        let point = |offset| document.tree_sitter_point(offset);
        assert_eq!(point(0), Point { row: 0, column: 0 });
        assert_eq!(point(3), Point { row: 1, column: 0 });
        assert_eq!(point(6), Point { row: 1, column: 3 });
        assert_eq!(point(7), Point { row: 2, column: 0 });
        assert_eq!(point(8), Point { row: 2, column: 1 });
        // Without lone CRs the fast path must agree with counting.
        let mut crlf = Document::new("a\r\nb\r\n\nc");
        assert!(!crlf.may_have_lone_cr);
        for offset in 0..=crlf.len() {
            assert_eq!(crlf.tree_sitter_point(offset), tree_sitter_point_slow(crlf.rope(), offset), "{offset}");
        }
        crlf.edit(TextRange::new(2, 3), "");
        assert!(crlf.may_have_lone_cr, "deleting the LF of a CRLF leaves the CR alone");
    }
}
