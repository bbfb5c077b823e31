//! The one place that converts between byte offsets and LSP positions, in
//! the encoding negotiated at `initialize` (UTF-8 when the client offers it,
//! else UTF-16), and the CLI's character columns.

use ropey::Rope;
use runbook_syntax::{Encoding, SourcePosition, SourceRange, TextRange, column_width, floor_char_boundary};
use tower_lsp_server::ls_types::{ClientCapabilities, Position, PositionEncodingKind, Range};

/// Picks the encoding from what the client offers (LSP 3.17).
pub fn negotiate(capabilities: &ClientCapabilities) -> Encoding {
    let offered = capabilities.general.as_ref().and_then(|general| general.position_encodings.as_ref());
    if offered.is_some_and(|kinds| kinds.contains(&PositionEncodingKind::UTF8)) {
        Encoding::Utf8
    } else {
        Encoding::Utf16
    }
}

pub fn encoding_kind(encoding: Encoding) -> PositionEncodingKind {
    match encoding {
        Encoding::Utf8 => PositionEncodingKind::UTF8,
        Encoding::Utf16 => PositionEncodingKind::UTF16,
        Encoding::Utf32 => PositionEncodingKind::UTF32,
    }
}

/// Offsets of one version of an open document to positions, and back,
/// through the rope the text came from: its lines end exactly where LSP's do
/// and it answers in O(log n), without the O(n) scan a line index costs per
/// version, which matters when a large document changes on every keystroke.
/// It needs no parse, so a document too large to parse still gets positions.
pub struct Converter<'a> {
    rope: &'a Rope,
    pub encoding: Encoding,
}

impl<'a> Converter<'a> {
    /// The converter of an open document's version, from its rope.
    pub fn new(rope: &'a Rope, encoding: Encoding) -> Converter<'a> {
        Converter { rope, encoding }
    }

    pub fn position(&self, offset: usize) -> Position {
        // A byte inside a character maps to that character: its start is the floor.
        let offset = self.rope.char_to_byte(self.rope.byte_to_char(offset.min(self.rope.len_bytes())));
        let line = self.rope.byte_to_line(offset);
        let start = self.rope.line_to_byte(line);
        let end = offset.min(line_content_end(self.rope, line));
        Position::new(line as u32, columns_between(self.rope, start, end, self.encoding) as u32)
    }

    pub fn range(&self, range: TextRange) -> Range {
        Range::new(self.position(range.start), self.position(range.end))
    }

    /// The byte offset of a client position (a request's cursor). A column
    /// past the end of its line clamps to the line's end, a line past the
    /// last to the end of the text, and a column inside a character (half a
    /// surrogate pair, a byte of a UTF-8 sequence) rounds down to its start.
    pub fn offset(&self, position: Position) -> usize {
        rope_offset(self.rope, position, self.encoding)
    }
}

/// A range of a parsed text that is not open (a runbook read from disk),
/// through its line index, in the given encoding.
pub fn parse_range(parse: &runbook_syntax::Parse, range: TextRange, encoding: Encoding) -> Range {
    let position = |offset| {
        let position = parse.line_index().line_col(parse.text(), offset, encoding);
        Position::new(position.line, position.col)
    };
    Range::new(position(range.start), position(range.end))
}

/// Positions of offsets asked in increasing order, by one walk over the
/// text: semantic tokens convert thousands of offsets per request, and a
/// lookup in the rope's tree for each (where the line starts, whether the
/// offset is a character boundary, the width since the line's start) cost
/// more than the tokens themselves. The text must be the version the
/// positions are for (the parse's text of the document's version). Lines end
/// at LF, CRLF and lone CR, as the rope's and LSP's do.
pub struct OrderedPositions<'t> {
    text: &'t str,
    encoding: Encoding,
    /// The offset asked last and its position.
    last: usize,
    line: u32,
    column: u32,
}

impl<'t> OrderedPositions<'t> {
    pub fn new(text: &'t str, encoding: Encoding) -> OrderedPositions<'t> {
        OrderedPositions { text, encoding, last: 0, line: 0, column: 0 }
    }

    /// `Converter::position` of `offset` when it is not before the offset
    /// asked last, else `converter`'s answer: for offsets mostly in order
    /// (the ranges of findings sorted by their start).
    pub fn position_or(&mut self, offset: usize, converter: &Converter<'_>) -> Position {
        if floor_char_boundary(self.text, offset) < self.last {
            return converter.position(offset);
        }
        self.position(offset)
    }

    /// `Converter::position` of `offset`; an offset before the one asked
    /// last counts as that one.
    pub fn position(&mut self, offset: usize) -> Position {
        let text = self.text;
        let offset = floor_char_boundary(text, offset);
        if offset > self.last {
            let base = self.last;
            let mut from = base;
            for at in memchr::memchr2_iter(b'\n', b'\r', &text.as_bytes()[base..offset]).map(|at| base + at) {
                if at < from {
                    // The LF of a CRLF, consumed with its CR.
                    continue;
                }
                let crlf = text.as_bytes()[at] == b'\r' && text.as_bytes().get(at + 1) == Some(&b'\n');
                let break_end = if crlf { at + 2 } else { at + 1 };
                if break_end > offset {
                    // Between the CR and the LF of a CRLF: the end of the
                    // line's content, as for any offset in a line break.
                    self.column += column_width(&text[from..at], self.encoding);
                    from = offset;
                    break;
                }
                self.line += 1;
                self.column = 0;
                from = break_end;
            }
            if from < offset {
                self.column += column_width(&text[from..offset], self.encoding);
            }
            self.last = offset;
        }
        Position::new(self.line, self.column)
    }
}

/// A range in a file that is not open, in the given encoding.
pub fn source_range(range: &SourceRange, encoding: Encoding) -> Range {
    let position = |position: SourcePosition| Position::new(position.line, position.col(encoding));
    Range::new(position(range.start), position(range.end))
}

/// The byte offset of a client position in a rope, for applying edits: the
/// rope's lines end exactly where LSP's do (LF, CRLF, lone CR). Positions past
/// the end of a line clamp to the line's end, past the last line to the end
/// of the text.
pub fn rope_offset(rope: &Rope, position: Position, encoding: Encoding) -> usize {
    let line = position.line as usize;
    if line >= rope.len_lines() {
        return rope.len_bytes();
    }
    let start = rope.line_to_byte(line);
    let end = line_content_end(rope, line);
    let column = position.character as usize;
    // Each step is a lookup in the rope's tree: a column on a long line
    // costs no walk over the characters before it.
    let char_index = match encoding {
        // Rounded down to its character's start by the round trip through chars.
        Encoding::Utf8 => rope.byte_to_char((start + column).min(end)),
        Encoding::Utf16 => {
            let line_start = rope.char_to_utf16_cu(rope.byte_to_char(start));
            let line_end = rope.char_to_utf16_cu(rope.byte_to_char(end));
            // Half a surrogate pair maps to the character it belongs to.
            rope.utf16_cu_to_char((line_start + column).min(line_end))
        }
        Encoding::Utf32 => (rope.byte_to_char(start) + column).min(rope.byte_to_char(end)),
    };
    rope.char_to_byte(char_index)
}

/// Where a line's content ends, before its line break (LF, CRLF or lone CR,
/// which end the rope's lines as they end LSP's).
fn line_content_end(rope: &Rope, line: usize) -> usize {
    if line + 1 >= rope.len_lines() {
        return rope.len_bytes();
    }
    let next_start = rope.line_to_byte(line + 1);
    match (rope.byte(next_start - 1), next_start.checked_sub(2).map(|at| rope.byte(at))) {
        (b'\n', Some(b'\r')) => next_start - 2,
        _ => next_start - 1,
    }
}

/// The width of `start..end` (character boundaries on one line) in
/// `encoding`, from the rope's indexes rather than by counting characters,
/// so that converting many offsets of one long line stays linear overall.
fn columns_between(rope: &Rope, start: usize, end: usize, encoding: Encoding) -> usize {
    match encoding {
        Encoding::Utf8 => end - start,
        Encoding::Utf16 => {
            rope.char_to_utf16_cu(rope.byte_to_char(end)) - rope.char_to_utf16_cu(rope.byte_to_char(start))
        }
        Encoding::Utf32 => rope.byte_to_char(end) - rope.byte_to_char(start),
    }
}

#[cfg(test)]
mod tests {
    use runbook_syntax::{LineCol, LineIndex};

    use super::*;

    /// The rope's answers equal the line index's (the reference used for
    /// files that are not open), at every byte.
    #[test]
    fn rope_positions_match_the_line_index() {
        let text = "a😀b\r\nçé\rz\n漢字x";
        let rope = Rope::from_str(text);
        let index = LineIndex::new(text);
        for encoding in [Encoding::Utf8, Encoding::Utf16] {
            let converter = Converter::new(&rope, encoding);
            for offset in 0..=text.len() {
                let LineCol { line, col } = index.line_col(text, offset, encoding);
                let position = converter.position(offset);
                assert_eq!(position, Position::new(line, col), "{offset}");
                let line_end = index.line_range(position.line).unwrap().end;
                let expected = floor_char_boundary(text, offset).min(line_end);
                assert_eq!(converter.offset(position), expected, "{offset}");
                assert_eq!(converter.offset(position), index.offset(text, LineCol { line, col }, encoding));
            }
            for position in [Position::new(0, 999), Position::new(1, 1), Position::new(99, 0), Position::new(3, 7)] {
                let expected = index.offset(text, LineCol { line: position.line, col: position.character }, encoding);
                assert_eq!(converter.offset(position), expected, "{position:?}");
            }
            assert_eq!(rope_offset(&rope, Position::new(0, 999), encoding), text.find('\r').unwrap());
            assert_eq!(rope_offset(&rope, Position::new(99, 0), encoding), text.len());
        }
    }

    /// Positions asked in order equal those asked one by one, at every byte.
    #[test]
    fn positions_in_order_match_the_rope() {
        for text in ["a😀b\r\nçé\rz\n漢字x\r\n\r\n\n\rend\r", "", "\n", "\r\n", "x"] {
            let rope = Rope::from_str(text);
            for encoding in [Encoding::Utf8, Encoding::Utf16] {
                let converter = Converter::new(&rope, encoding);
                for step in 1..=3 {
                    let mut in_order = OrderedPositions::new(text, encoding);
                    for offset in (0..=text.len()).step_by(step) {
                        assert_eq!(in_order.position(offset), converter.position(offset), "{text:?} @ {offset}");
                        // Asked again, and an offset before it: the same answer.
                        assert_eq!(in_order.position(offset), converter.position(offset), "{text:?} @ {offset}");
                        assert_eq!(in_order.position(offset.saturating_sub(1)), converter.position(offset));
                    }
                }
                // Out of order, with the converter answering what is behind.
                let mut mostly = OrderedPositions::new(text, encoding);
                for offset in (0..=text.len()).rev().chain(0..=text.len()) {
                    assert_eq!(
                        mostly.position_or(offset, &converter),
                        converter.position(offset),
                        "{text:?} @ {offset}"
                    );
                }
            }
        }
    }

    #[test]
    fn offsets_of_positions_after_multi_byte_text() {
        let text = "é😀`node-x`\r\n漢字 (REV\nend";
        let rope = Rope::from_str(text);
        let utf16 = Converter::new(&rope, Encoding::Utf16);
        let utf8 = Converter::new(&rope, Encoding::Utf8);
        let backtick = text.find('`').unwrap();
        // é is 1 UTF-16 unit and 2 bytes, 😀 2 units and 4 bytes.
        assert_eq!(utf16.offset(Position::new(0, 3)), backtick);
        assert_eq!(utf8.offset(Position::new(0, 6)), backtick);
        // Inside the surrogate pair or the UTF-8 sequence of 😀: its start.
        assert_eq!(utf16.offset(Position::new(0, 2)), 2);
        assert_eq!(utf8.offset(Position::new(0, 4)), 2);
        let rev_end = text.find("\nend").unwrap();
        assert_eq!(utf16.offset(Position::new(1, 7)), rev_end);
        assert_eq!(utf8.offset(Position::new(1, 11)), rev_end);
        // Past the line's end, and past the last line.
        assert_eq!(utf16.offset(Position::new(0, 99)), text.find('\r').unwrap());
        assert_eq!(utf8.offset(Position::new(9, 0)), text.len());
        let index = LineIndex::new(text);
        for converter in [&utf16, &utf8] {
            for (offset, _) in text.char_indices() {
                let line_end = index.line_range(converter.position(offset).line).unwrap().end;
                assert_eq!(converter.offset(converter.position(offset)), offset.min(line_end));
            }
        }
    }

    /// Converting every finding of one long line must cost about the same
    /// per finding however long the line is (a 1 MB line of code spans took
    /// a minute when each conversion walked the line from its start). The
    /// findings of sixteen n-unit lines are timed against those of one
    /// 16n-unit line: linear work takes as long for both, the old quadratic
    /// work 16 times as long for the long line; 4 leaves room for a busy
    /// machine without letting that through.
    #[test]
    fn conversions_on_one_long_line_scale_linearly() {
        fn convert_every_span(n_units: usize, times: usize) -> std::time::Duration {
            let text = "é `node-x` 😀 ".repeat(n_units);
            let rope = Rope::from_str(&text);
            let spans: Vec<usize> = text.match_indices('`').map(|(at, _)| at).collect();
            let start = std::time::Instant::now();
            for _ in 0..times {
                for encoding in [Encoding::Utf16, Encoding::Utf8] {
                    let converter = Converter::new(&rope, encoding);
                    for &at in &spans {
                        let position = converter.position(at);
                        assert_eq!(rope_offset(&rope, position, encoding), at);
                    }
                }
            }
            start.elapsed()
        }
        // Interleaved and the fastest of three, so that a burst of load on a
        // shared machine hits both alike.
        let (mut short, mut long) = (std::time::Duration::MAX, std::time::Duration::MAX);
        for _ in 0..3 {
            short = short.min(convert_every_span(100, 16));
            long = long.min(convert_every_span(16 * 100, 1));
        }
        let ratio = long.as_secs_f64() / short.as_secs_f64();
        assert!(ratio < 4.0, "one 16 times longer line took {ratio:.1} times as long as 16 short ones");
    }

    #[test]
    fn negotiation_prefers_utf8() {
        use tower_lsp_server::ls_types::GeneralClientCapabilities;
        let mut capabilities = ClientCapabilities::default();
        assert_eq!(negotiate(&capabilities), Encoding::Utf16);
        capabilities.general = Some(GeneralClientCapabilities {
            position_encodings: Some(vec![PositionEncodingKind::UTF16, PositionEncodingKind::UTF8]),
            ..Default::default()
        });
        assert_eq!(negotiate(&capabilities), Encoding::Utf8);
    }
}
