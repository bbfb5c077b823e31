//! The one place that converts between byte offsets and LSP positions, in
//! the encoding negotiated at `initialize` (UTF-8 when the client offers it,
//! else UTF-16), and the CLI's character columns.

use ropey::Rope;
use runbook_syntax::{Encoding, LineCol, LineIndex, SourcePosition, SourceRange, TextRange, offset_in_line};
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

/// Offsets of one text version to positions, and back.
pub struct Converter<'a> {
    pub text: &'a str,
    pub line_index: &'a LineIndex,
    pub encoding: Encoding,
}

impl<'a> Converter<'a> {
    /// The converter of one parsed document version.
    pub fn for_parse(parse: &'a runbook_syntax::Parse, encoding: Encoding) -> Converter<'a> {
        Converter { text: parse.text(), line_index: parse.line_index(), encoding }
    }

    pub fn position(&self, offset: usize) -> Position {
        let LineCol { line, col } = self.line_index.line_col(self.text, offset, self.encoding);
        Position::new(line, col)
    }

    pub fn range(&self, range: TextRange) -> Range {
        Range::new(self.position(range.start), self.position(range.end))
    }

    /// The byte offset of a client position (a request's cursor). A column
    /// past the end of its line clamps to the line's end, a line past the
    /// last to the end of the text, and a column inside a character (half a
    /// surrogate pair, a byte of a UTF-8 sequence) rounds down to its start.
    pub fn offset(&self, position: Position) -> usize {
        self.line_index.offset(self.text, LineCol { line: position.line, col: position.character }, self.encoding)
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
    use super::*;

    #[test]
    fn rope_offsets_match_the_line_index() {
        let text = "a😀b\r\nçé\rz\n漢字x";
        let rope = Rope::from_str(text);
        let index = LineIndex::new(text);
        for encoding in [Encoding::Utf8, Encoding::Utf16] {
            let converter = Converter { text, line_index: &index, encoding };
            for (offset, _) in text.char_indices() {
                let position = converter.position(offset);
                let line_end = index.line_range(position.line).unwrap().end;
                assert_eq!(rope_offset(&rope, position, encoding), offset.min(line_end), "{offset}");
            }
            assert_eq!(rope_offset(&rope, Position::new(0, 999), encoding), text.find('\r').unwrap());
            assert_eq!(rope_offset(&rope, Position::new(99, 0), encoding), text.len());
        }
    }

    #[test]
    fn offsets_of_positions_after_multi_byte_text() {
        let text = "é😀`node-x`\r\n漢字 (REV\nend";
        let index = LineIndex::new(text);
        let utf16 = Converter { text, line_index: &index, encoding: Encoding::Utf16 };
        let utf8 = Converter { text, line_index: &index, encoding: Encoding::Utf8 };
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
