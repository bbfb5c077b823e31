//! How markdown is parsed into tree-sitter-md's two kinds of trees (one block
//! tree, one inline tree per paragraph, heading or table cell). Lowering the
//! trees to the model is `lower`'s job.
//!
//! This does what `tree_sitter_md::MarkdownParser` does, with one difference
//! that matters for correctness: the block tree is re-parsed incrementally
//! from the old one, but inline trees are always parsed afresh. Reusing old
//! inline trees (as `MarkdownParser` does, pairing them by index, and even
//! when paired by position) made incremental parses differ from fresh ones:
//! the differential test found a `~~` strikethrough lost after a few edits.
//! Inline nodes are a paragraph or a heading each, so parsing them afresh
//! inside the few chunks an edit touches costs little (see `chunks`).

use std::cell::RefCell;
use std::collections::HashMap;

use tree_sitter::{Language, Node, Parser, Range, Tree};

use crate::inline_scan::{self, LONG_INLINE_BYTES, Scanned};

/// The block tree of a text and the inline trees of its inline nodes.
#[derive(Debug, Clone)]
pub struct MarkdownTrees {
    block: Tree,
    inline: Vec<Inline>,
    /// Block node id of an inline node → index into `inline`.
    inline_index: HashMap<usize, usize>,
}

/// What was parsed of one inline node.
#[derive(Debug, Clone)]
struct Inline {
    /// The strong emphasis of a plain field label that starts the node
    /// (see `plain_label`), read without the inline grammar.
    leading_strong: Option<std::ops::Range<usize>>,
    /// The inline tree of the node, or of the rest of it after
    /// `leading_strong`; `None` when that rest holds nothing the model reads
    /// or when the node is long (then `scanned` reads it).
    tree: Option<Tree>,
    /// What `inline_scan` read of a long node (or of the rest of it after
    /// `leading_strong`), in place of its inline tree.
    scanned: Option<Scanned>,
}

impl MarkdownTrees {
    pub fn block_tree(&self) -> &Tree {
        &self.block
    }

    /// The inline tree of an `inline` or `pipe_table_cell` block node (of
    /// what follows its `leading_strong`, when it has one).
    pub fn inline_tree(&self, node: &Node<'_>) -> Option<&Tree> {
        self.inline(node)?.tree.as_ref()
    }

    /// The byte range of the `**Label**` that starts an inline node, when
    /// the node starts with a plain field label (see `plain_label`). The
    /// node's inline tree then covers only what follows it.
    pub fn leading_strong(&self, node: &Node<'_>) -> Option<std::ops::Range<usize>> {
        self.inline(node)?.leading_strong.clone()
    }

    /// What was read of a long `inline` or `pipe_table_cell` block node
    /// without the inline grammar (of what follows its `leading_strong`,
    /// when it has one); such a node has no inline tree.
    pub(crate) fn scanned(&self, node: &Node<'_>) -> Option<&Scanned> {
        self.inline(node)?.scanned.as_ref()
    }

    fn inline(&self, node: &Node<'_>) -> Option<&Inline> {
        self.inline_index.get(&node.id()).map(|&index| &self.inline[index])
    }
}

struct Parsers {
    block: Parser,
    inline: Parser,
}

thread_local! {
    static PARSERS: RefCell<Parsers> = RefCell::new(Parsers {
        block: new_parser(tree_sitter_md::LANGUAGE.into()),
        inline: new_parser(tree_sitter_md::INLINE_LANGUAGE.into()),
    });
}

fn new_parser(language: Language) -> Parser {
    let mut parser = Parser::new();
    parser.set_language(&language).expect("tree-sitter-md's grammars match tree-sitter");
    parser
}

/// Which inline nodes get an inline tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inlines {
    /// Every one: the reference the tests compare against.
    All,
    /// Only those whose text could hold what the model reads from inline
    /// trees (see `may_hold_model_parts`). Inline parsing is two thirds of
    /// the cost of a parse (a paragraph with `**` costs the inline grammar
    /// thirty times one without), and prose and bold titles need none. A
    /// plain field label at the start of a node is read without the grammar
    /// (`plain_label`), which then parses only what follows it.
    ModelOnly,
    /// Only those with a backtick: enough for KEY references (code spans).
    CodeSpans,
}

/// Parses `text`, re-parsing incrementally from `old_block` (a block tree
/// already edited to match `text`).
pub fn parse(text: &str, old_block: Option<&Tree>, inlines: Inlines) -> MarkdownTrees {
    PARSERS.with(|parsers| {
        let mut parsers = parsers.borrow_mut();
        let Parsers { block: block_parser, inline: inline_parser } = &mut *parsers;
        let block = block_parser
            .parse(text, old_block)
            .or_else(|| block_parser.parse(text, None))
            .expect("tree-sitter only withholds a tree on timeout or cancellation, and none is set");
        let mut inline = Vec::new();
        let mut inline_index = HashMap::new();
        for node in inline_nodes(&block) {
            let mut ranges = inline_ranges(node);
            // Only where the model is all that is read: the reference parse
            // (`Inlines::All`) keeps the inline grammar's own reading, which
            // the differential tests compare this with.
            let mut leading_strong = None;
            if inlines == Inlines::ModelOnly
                && let Some(len) = plain_label(text, &ranges)
            {
                let first = &mut ranges[0];
                leading_strong = Some(first.start_byte..first.start_byte + len);
                first.start_byte += len;
                first.start_point.column += len;
            }
            ranges.retain(|range| range.start_byte < range.end_byte);
            let needed = !ranges.is_empty()
                && match inlines {
                    Inlines::All => true,
                    Inlines::ModelOnly => may_hold_model_parts(text, &ranges),
                    Inlines::CodeSpans => ranges.iter().any(|range| range_text(text, range).contains('`')),
                };
            // The node's length is taken from its start, whatever its leading
            // label: every kind of parse decides alike.
            let long = ranges.last().is_some_and(|last| last.end_byte - node.start_byte() >= LONG_INLINE_BYTES);
            let scanned = (needed && long).then(|| {
                let parts: Vec<_> = ranges.iter().map(|range| range.start_byte..range.end_byte).collect();
                inline_scan::scan(text, node.start_byte(), &parts)
            });
            let tree = if needed && !long && inline_parser.set_included_ranges(&ranges).is_ok() {
                // A leading plain label weighs nothing in the decision (one run
                // opens, one closes).
                let parsed = if floods_openers(text, &ranges) {
                    parse_without_openers(inline_parser, text, node.start_byte(), &ranges)
                } else {
                    inline_parser.parse(text, None)
                };
                Some(parsed.expect("tree-sitter only withholds a tree on timeout or cancellation, and none is set"))
            } else {
                None
            };
            if tree.is_some() || scanned.is_some() || leading_strong.is_some() {
                inline_index.insert(node.id(), inline.len());
                inline.push(Inline { leading_strong, tree, scanned });
            }
        }
        let _ = inline_parser.set_included_ranges(&[]);
        MarkdownTrees { block, inline, inline_index }
    })
}

/// The block nodes whose text the inline grammar parses, in document order.
fn inline_nodes(block: &Tree) -> Vec<Node<'_>> {
    let mut nodes = Vec::new();
    let mut stack = vec![block.root_node()];
    while let Some(node) = stack.pop() {
        if matches!(node.kind(), "inline" | "pipe_table_cell") {
            nodes.push(node);
            continue;
        }
        let mut cursor = node.walk();
        let children: Vec<Node<'_>> = node.children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    nodes
}

/// Whether an inline node could hold something the model reads from inline
/// trees (see `Collector`): a code span needs a backtick, an HTML comment
/// `<!--`, and a field a line that starts with `**` (or `__`) and, anywhere
/// after (a label may wrap), `**:` or `:**` for the colon of its label.
/// Necessary conditions only: when one holds, the inline tree decides.
fn may_hold_model_parts(text: &str, ranges: &[Range]) -> bool {
    let parts = || ranges.iter().map(|range| range_text(text, range));
    if parts().any(|part| part.contains('`') || part.contains("<!--")) {
        return true;
    }
    ["**", "__"].into_iter().any(|delimiter| {
        let opens_a_line = parts().any(|part| {
            part.split(['\n', '\r']).any(|line| line.trim_start_matches([' ', '\t', '>']).starts_with(delimiter))
        });
        let colon_before = format!(":{delimiter}");
        let colon_after = format!("{delimiter}:");
        opens_a_line && parts().any(|part| part.contains(&colon_before) || part.contains(&colon_after))
    })
}

/// The length of `**Label**:` or `**Label:**` at the start of an inline
/// node, when the label is plain (letters, digits and a few marks that start
/// no inline construct) and no other `*` or `_` follows in the node: its two
/// runs of `**` then have nothing else to pair with, and are the label's
/// strong emphasis. Runbook fields start this way, and the inline grammar is
/// at its slowest there: after an opening `**` it keeps alternative readings
/// alive to the end of the node (an 85-byte field line costs it eight times
/// the same line without the label). So the label is read here, and the
/// grammar parses what follows. (With another delimiter in the node, or a
/// `[` and a `<`, tree-sitter-md may read the runs otherwise than CommonMark
/// does, and its reading is the one the model follows.)
fn plain_label(text: &str, ranges: &[Range]) -> Option<usize> {
    let (first, later) = ranges.split_first()?;
    let first = range_text(text, first);
    let strong_len = plain_strong_len(first)?;
    let rest = || std::iter::once(&first[strong_len..]).chain(later.iter().map(|range| range_text(text, range)));
    let delimiter = rest().any(|part| part.contains(['*', '_']));
    // tree-sitter-md loses the label's emphasis when a `[` and a `<` follow
    // (`**Location**: x [y<a]`, an HTML tag in a link's text): the
    // differential test found it, and the grammar's reading is the one to keep.
    let bracket_and_tag = rest().any(|part| part.contains('[')) && rest().any(|part| part.contains('<'));
    (!delimiter && !bracket_and_tag).then_some(strong_len)
}

/// The length of the `**Label**:` or `**Label:**` that starts `text`, when
/// its label is plain (see `plain_label`), up to the end of its strong
/// emphasis.
fn plain_strong_len(text: &str) -> Option<usize> {
    let rest = text.strip_prefix("**")?;
    let plain = |byte: &u8| byte.is_ascii_alphanumeric() || b" -/(),.'".contains(byte);
    let len = rest.bytes().take_while(plain).count();
    let label = &rest.as_bytes()[..len];
    // An opening run must be followed, and a closing run preceded, by
    // something that is neither blank nor punctuation.
    if !label.first()?.is_ascii_alphanumeric() || !label.last()?.is_ascii_alphanumeric() {
        return None;
    }
    let after = &rest[len..];
    if after.starts_with("**:") {
        return Some(2 + len + 2);
    }
    // `**Label:**` closes only before a blank or the end of the line.
    let closed = after.strip_prefix(":**")?;
    closed.bytes().next().is_none_or(|byte| matches!(byte, b' ' | b'\t' | b'\r' | b'\n')).then_some(2 + len + 3)
}

/// How many more runs that can open emphasis than runs that can close it,
/// plus twice the image openers `![` beyond the `]` that could close them,
/// an inline node may hold before it is parsed without openers.
const MAX_UNCLOSED_OPENERS: usize = 16;

/// Whether tree-sitter-md's inline grammar would take time and memory out of
/// all proportion to the node: it keeps alternative readings alive for every
/// `*`, `_` or `~` run that may still open emphasis and every `![` that may
/// still open an image, and every later token pays for them. 32 KB of
/// `*a _b `c` **d** ` took it 9 s and 1.8 GB; 64 KB of `![`c` `, 3.6 s and
/// 860 MB. So a node with many unclosed openers is parsed without them (a
/// long node is not parsed at all: see `inline_scan`). Deterministic: the
/// same node text always gets the same reading, whether it is parsed alone,
/// in a chunk or in the whole document.
fn floods_openers(text: &str, ranges: &[Range]) -> bool {
    let parts = || ranges.iter().map(|range| range_text(text, range));
    let mut opening = [0usize; 3];
    let mut closing = [0usize; 3];
    let (mut images, mut brackets) = (0, 0);
    for part in parts() {
        images += part.matches("![").count();
        brackets += part.matches(']').count();
        let bytes = part.as_bytes();
        let mut at = 0;
        while let Some(found) = bytes[at..].iter().position(|&byte| is_emphasis(byte)) {
            let start = at + found;
            let marker = bytes[start];
            let end = start + bytes[start..].iter().take_while(|&&byte| byte == marker).count();
            let kind = EMPHASIS.iter().position(|&c| c == char::from(marker)).expect("an emphasis marker");
            let before = part[..start].chars().next_back();
            let after = part[end..].chars().next();
            if flanks(before, after) {
                opening[kind] += 1;
            }
            if flanks(after, before) {
                closing[kind] += 1;
            }
            at = end;
        }
    }
    let unclosed: usize = (0..3).map(|kind| opening[kind].saturating_sub(closing[kind])).sum();
    // An unclosed `![` inside what may be strong emphasis doubles the
    // grammar's work: 16 of them took it 3.5 ms, 24 took 0.7 s.
    unclosed + 2 * images.saturating_sub(brackets) > MAX_UNCLOSED_OPENERS
}

/// The characters whose runs open and close emphasis (`~` strikethrough).
const EMPHASIS: [char; 3] = ['*', '_', '~'];

fn is_emphasis(byte: u8) -> bool {
    EMPHASIS.contains(&char::from(byte))
}

/// Whether a delimiter run between `before` and `after` is left-flanking
/// (CommonMark 6.2; swap the two for right-flanking): followed by neither
/// a blank nor the end, and if followed by punctuation, preceded by a
/// blank, punctuation or the start.
fn flanks(before: Option<char>, after: Option<char>) -> bool {
    let Some(after) = after else { return false };
    if after.is_whitespace() {
        return false;
    }
    let punctuation = |c: char| c.is_ascii_punctuation() || (!c.is_alphanumeric() && !c.is_whitespace());
    !punctuation(after) || before.is_none_or(|before| before.is_whitespace() || punctuation(before))
}

/// Parses an inline node (starting at `node_start`, parsed over `ranges`)
/// with its `*`, `_`, `~` and the `!` of `![` read as letters: code spans,
/// HTML and links as the grammar reads them (CommonMark gives them
/// precedence over emphasis, and an image's text is read as a link's),
/// without emphasis. A plain field label (`**Label**:`) that starts the
/// node or one of its lines keeps its `**`, and is read as a field.
fn parse_without_openers(parser: &mut Parser, text: &str, node_start: usize, ranges: &[Range]) -> Option<Tree> {
    let start = ranges.first()?.start_byte;
    let end = ranges.last()?.end_byte;
    let bytes = text.as_bytes();
    let mut masked: Vec<u8> = (start..end)
        .map(|at| {
            let byte = bytes[at];
            let image = byte == b'!' && bytes.get(at + 1) == Some(&b'[');
            if is_emphasis(byte) || image { b'x' } else { byte }
        })
        .collect();
    for at in memchr::memmem::find_iter(&bytes[start..end], b"**").map(|at| start + at) {
        if let Some(len) = line_label_len(text, at, node_start, end) {
            masked[at - start..at - start + len].copy_from_slice(&bytes[at..at + len]);
        }
    }
    let mut read = |offset: usize, _| -> &[u8] {
        if offset < start {
            &bytes[offset..start]
        } else if offset < end {
            &masked[offset - start..]
        } else {
            bytes.get(offset..).unwrap_or_default()
        }
    };
    parser.parse_with_options(&mut read, None, None)
}

/// The length of the plain field label (see `plain_strong_len`) at `at`, in
/// an inline node that starts at `node_start` and ends at `end`, where the
/// lowering reads one there: at the node's start or a line's. Both ways of
/// reading a node without its emphasis keep these labels.
pub(crate) fn line_label_len(text: &str, at: usize, node_start: usize, end: usize) -> Option<usize> {
    (at == node_start || starts_line(text, at)).then(|| plain_strong_len(&text[at..end])).flatten()
}

/// Whether only blanks and block-quote markers precede `offset` on its line.
/// Walks back only over those: asked for every strong span of a paragraph,
/// finding the line's start first would make a long line quadratic.
pub(crate) fn starts_line(text: &str, offset: usize) -> bool {
    let before = &text.as_bytes()[..offset];
    let prefix = before.iter().rev().take_while(|&&byte| matches!(byte, b' ' | b'\t' | b'>')).count();
    matches!(before.len().checked_sub(prefix + 1).map(|at| before[at]), None | Some(b'\n' | b'\r'))
}

/// The text a tree-sitter range covers.
fn range_text<'t>(text: &'t str, range: &Range) -> &'t str {
    &text[range.start_byte..range.end_byte]
}

/// An inline node's text without its named children (block continuations,
/// such as a block quote's `>` on later lines), as tree-sitter-md does it.
fn inline_ranges(node: Node<'_>) -> Vec<Range> {
    let mut range = node.range();
    let mut ranges = Vec::new();
    let mut cursor = node.walk();
    for child in node.children(&mut cursor).skip(1) {
        if !child.is_named() {
            continue;
        }
        let child_range = child.range();
        ranges.push(Range {
            start_byte: range.start_byte,
            start_point: range.start_point,
            end_byte: child_range.start_byte,
            end_point: child_range.start_point,
        });
        range.start_byte = child_range.end_byte;
        range.start_point = child_range.end_point;
    }
    ranges.push(range);
    ranges
}
