//! The one place that converts between byte offsets and LSP positions, in
//! the encoding negotiated at `initialize` (UTF-8 when the client offers it,
//! else UTF-16), and the CLI's character columns.

use ropey::Rope;
use runbook_syntax::{
    Encoding, SourcePosition, SourceRange, TextRange, column_width, floor_char_boundary, offset_in_line,
};
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
pub struct Converter<'a> {
    pub text: &'a str,
    rope: &'a Rope,
    pub encoding: Encoding,
}

impl<'a> Converter<'a> {
    /// The converter of an open document's version: `rope` holds the same text as `parse`.
    pub fn for_document(parse: &'a runbook_syntax::Parse, rope: &'a Rope, encoding: Encoding) -> Converter<'a> {
        debug_assert_eq!(rope.len_bytes(), parse.text().len());
        Converter { text: parse.text(), rope, encoding }
    }

    pub fn position(&self, offset: usize) -> Position {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let line = self.rope.byte_to_line(offset);
        let content = self.line_content(line);
        let end = offset.clamp(content.start, content.end);
        Position::new(line as u32, column_width(&self.text[content.start..end], self.encoding))
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

    /// Positions of offsets asked in order, found by walking the text once
    /// instead of looking each up in the rope: semantic tokens position
    /// thousands of offsets per request.
    pub fn in_order(&self) -> OrderedPositions<'_, 'a> {
        OrderedPositions { converter: self, line: 0, line_start: 0, scanned: 0 }
    }

    /// A line's text without its line break.
    fn line_content(&self, line: usize) -> TextRange {
        let start = self.rope.line_to_byte(line);
        let end = if line + 1 < self.rope.len_lines() { self.rope.line_to_byte(line + 1) } else { self.text.len() };
        let content = self.text[start..end].trim_end_matches(['\n', '\r']);
        TextRange::new(start, start + content.len())
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

/// See `Converter::in_order`.
pub struct OrderedPositions<'c, 'a> {
    converter: &'c Converter<'a>,
    line: u32,
    line_start: usize,
    /// The offset up to which line breaks are counted.
    scanned: usize,
}

impl OrderedPositions<'_, '_> {
    /// `Converter::position` of `offset`, which must not be before the
    /// offset asked last.
    pub fn position(&mut self, offset: usize) -> Position {
        let text = self.converter.text;
        let bytes = text.as_bytes();
        let offset = floor_char_boundary(text, offset.min(text.len())).max(self.scanned);
        // Lines end at LF, CRLF and a lone CR; a CRLF counts at its LF.
        for at in memchr::memchr2_iter(b'\n', b'\r', &bytes[self.scanned..offset]) {
            let at = self.scanned + at;
            if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
                continue;
            }
            self.line += 1;
            self.line_start = at + 1;
        }
        self.scanned = offset;
        // Between the CR and the LF of a CRLF is the end of the line's content.
        let end = if offset > self.line_start && bytes[offset - 1] == b'\r' { offset - 1 } else { offset };
        Position::new(self.line, column_width(&text[self.line_start..end], self.converter.encoding))
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
    let line_start = rope.line_to_byte(line);
    let line_slice = rope.line(line);
    let content: String = line_slice.chars().take_while(|&c| c != '\n' && c != '\r').collect();
    line_start + offset_in_line(&content, position.character, encoding)
}

#[cfg(test)]
mod tests {
    use runbook_syntax::{LineCol, LineIndex, Parse};

    use super::*;

    /// The rope's answers equal the line index's (the reference used for
    /// files that are not open), at every byte.
    #[test]
    fn rope_positions_match_the_line_index() {
        let text = "a😀b\r\nçé\rz\n漢字x";
        let parse = Parse::new(text);
        let rope = Rope::from_str(text);
        let index = LineIndex::new(text);
        for encoding in [Encoding::Utf8, Encoding::Utf16] {
            let converter = Converter::for_document(&parse, &rope, encoding);
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
            let parse = Parse::new(text);
            let rope = Rope::from_str(text);
            for encoding in [Encoding::Utf8, Encoding::Utf16] {
                let converter = Converter::for_document(&parse, &rope, encoding);
                let mut in_order = converter.in_order();
                for offset in 0..=text.len() {
                    assert_eq!(in_order.position(offset), converter.position(offset), "{text:?} @ {offset}");
                }
            }
        }
    }

    #[test]
    fn offsets_of_positions_after_multi_byte_text() {
        let text = "é😀`node-x`\r\n漢字 (REV\nend";
        let parse = Parse::new(text);
        let rope = Rope::from_str(text);
        let utf16 = Converter::for_document(&parse, &rope, Encoding::Utf16);
        let utf8 = Converter::for_document(&parse, &rope, Encoding::Utf8);
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
