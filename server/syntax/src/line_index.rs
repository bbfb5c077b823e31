//! Line starts of a text and the column arithmetic of the three LSP position
//! encodings. Lines end at LF, CRLF or a lone CR, exactly as LSP 3.17 says.

use crate::TextRange;

/// How the column of a position is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// UTF-8 code units (bytes).
    Utf8,
    /// UTF-16 code units: what LSP clients use unless they negotiate otherwise.
    Utf16,
    /// Unicode scalar values: what people call "characters" (the CLI's columns).
    Utf32,
}

/// A zero-based line and a zero-based column counted in the given encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

/// A position with its column in every encoding, for places in files that are
/// not open (KEY sources, manifests): computed once from their text, so the
/// LSP layer can pick the negotiated encoding without reading them again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SourcePosition {
    pub line: u32,
    pub utf8: u32,
    pub utf16: u32,
    pub utf32: u32,
}

impl SourcePosition {
    pub const fn col(self, encoding: Encoding) -> u32 {
        match encoding {
            Encoding::Utf8 => self.utf8,
            Encoding::Utf16 => self.utf16,
            Encoding::Utf32 => self.utf32,
        }
    }
}

/// A range in a file that is not open: byte offsets plus precomputed positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SourceRange {
    pub range: TextRange,
    pub start: SourcePosition,
    pub end: SourcePosition,
}

/// Where each line starts, plus which lines hold non-ASCII text (only those
/// need a walk over their characters to convert columns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    /// Byte offset of the first character of each line; `line_starts[0] == 0`.
    line_starts: Vec<u32>,
    /// Byte offset where each line's content ends (before its line break).
    line_ends: Vec<u32>,
    /// Lines with at least one non-ASCII byte, sorted.
    non_ascii_lines: Vec<u32>,
    len: u32,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut line_starts = vec![0u32];
        let mut line_ends = Vec::new();
        let mut non_ascii_lines = Vec::new();
        // Line breaks found with memchr, ASCII checked per line: this runs for
        // every version of an open document.
        let mut line_start = 0;
        let mut breaks = memchr::memchr2_iter(b'\n', b'\r', bytes).peekable();
        while let Some(at) = breaks.next() {
            let crlf = bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n');
            if crlf {
                breaks.next();
            }
            let next_start = at + 1 + usize::from(crlf);
            if !bytes[line_start..at].is_ascii() {
                non_ascii_lines.push((line_starts.len() - 1) as u32);
            }
            line_ends.push(at as u32);
            line_starts.push(next_start as u32);
            line_start = next_start;
        }
        if !bytes[line_start..].is_ascii() {
            non_ascii_lines.push((line_starts.len() - 1) as u32);
        }
        line_ends.push(bytes.len() as u32);
        // Each open version keeps its index, and growth by doubling leaves up
        // to half of each array unused (48% of a 4,259-line runbook's).
        line_starts.shrink_to_fit();
        line_ends.shrink_to_fit();
        non_ascii_lines.shrink_to_fit();
        LineIndex { line_starts, line_ends, non_ascii_lines, len: bytes.len() as u32 }
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The byte range of a line's content, without its line break.
    pub fn line_range(&self, line: u32) -> Option<TextRange> {
        let line = line as usize;
        Some(TextRange::new(*self.line_starts.get(line)? as usize, self.line_ends[line] as usize))
    }

    /// The line holding `offset`. An offset inside a CRLF belongs to the line it ends.
    pub fn line_of(&self, offset: usize) -> u32 {
        let offset = offset.min(self.len as usize) as u32;
        (self.line_starts.partition_point(|&start| start <= offset) - 1) as u32
    }

    /// The position of a byte offset (clamped to the text) with its column
    /// counted in `encoding`. `text` must be the text the index was built from.
    pub fn line_col(&self, text: &str, offset: usize, encoding: Encoding) -> LineCol {
        let offset = floor_char_boundary(text, offset.min(self.len as usize));
        let line = self.line_of(offset);
        let start = self.line_starts[line as usize] as usize;
        // An offset between CR and LF (or past the content) counts as the end of the content.
        let offset = offset.min(self.line_ends[line as usize] as usize).max(start);
        let col = if self.is_ascii_line(line) {
            (offset - start) as u32
        } else {
            column_width(&text[start..offset], encoding)
        };
        LineCol { line, col }
    }

    /// The byte offset of a position; a column past the end of its line clamps to
    /// the line's end, a line past the end of the text clamps to the text's end,
    /// and a column inside a character rounds down to the character's start.
    pub fn offset(&self, text: &str, position: LineCol, encoding: Encoding) -> usize {
        let Some(range) = self.line_range(position.line) else {
            return self.len as usize;
        };
        if self.is_ascii_line(position.line) {
            return (range.start + position.col as usize).min(range.end);
        }
        offset_in_line(&text[range.as_range()], position.col, encoding) + range.start
    }

    pub fn source_position(&self, text: &str, offset: usize) -> SourcePosition {
        let utf8 = self.line_col(text, offset, Encoding::Utf8);
        SourcePosition {
            line: utf8.line,
            utf8: utf8.col,
            utf16: self.line_col(text, offset, Encoding::Utf16).col,
            utf32: self.line_col(text, offset, Encoding::Utf32).col,
        }
    }

    pub fn source_range(&self, text: &str, range: TextRange) -> SourceRange {
        SourceRange {
            range,
            start: self.source_position(text, range.start),
            end: self.source_position(text, range.end),
        }
    }

    fn is_ascii_line(&self, line: u32) -> bool {
        self.non_ascii_lines.binary_search(&line).is_err()
    }

    /// A converter of many offsets that remembers the last one: converting
    /// offsets in increasing order (findings sorted by position) walks each
    /// non-ASCII line once, where `line_col` walks it from its start each time.
    pub fn cursor<'a>(&'a self, text: &'a str, encoding: Encoding) -> LineColCursor<'a> {
        LineColCursor { index: self, text, encoding, last: None }
    }
}

/// See `LineIndex::cursor`.
#[derive(Debug)]
pub struct LineColCursor<'a> {
    index: &'a LineIndex,
    text: &'a str,
    encoding: Encoding,
    /// The last conversion of a non-ASCII line: its offset and position.
    last: Option<(usize, LineCol)>,
}

impl LineColCursor<'_> {
    /// What `LineIndex::line_col` answers, from the last answer when it is on
    /// the same line and not after `offset`.
    pub fn line_col(&mut self, offset: usize) -> LineCol {
        let (index, text) = (self.index, self.text);
        let offset = floor_char_boundary(text, offset.min(index.len as usize));
        let line = index.line_of(offset);
        if index.is_ascii_line(line) {
            return index.line_col(text, offset, self.encoding);
        }
        let start = index.line_starts[line as usize] as usize;
        let offset = offset.min(index.line_ends[line as usize] as usize).max(start);
        let (from, col) = match self.last {
            Some((last_offset, last)) if last.line == line && last_offset <= offset => (last_offset, last.col),
            _ => (start, 0),
        };
        let position = LineCol { line, col: col + column_width(&text[from..offset], self.encoding) };
        self.last = Some((offset, position));
        position
    }
}

/// The width of `text` in code units of `encoding`.
pub fn column_width(text: &str, encoding: Encoding) -> u32 {
    if encoding == Encoding::Utf8 || text.is_ascii() {
        return text.len() as u32;
    }
    match encoding {
        Encoding::Utf8 => text.len() as u32,
        Encoding::Utf16 => text.chars().map(|c| c.len_utf16() as u32).sum(),
        Encoding::Utf32 => text.chars().count() as u32,
    }
}

/// The byte offset inside `line` that is `col` code units of `encoding` from its
/// start, clamped to the line and rounded down to a character boundary.
pub fn offset_in_line(line: &str, col: u32, encoding: Encoding) -> usize {
    let mut units = 0u32;
    for (offset, c) in line.char_indices() {
        let width = match encoding {
            Encoding::Utf8 => c.len_utf8() as u32,
            Encoding::Utf16 => c.len_utf16() as u32,
            Encoding::Utf32 => 1,
        };
        if units + width > col {
            return offset;
        }
        units += width;
    }
    line.len()
}

/// The start of the line holding `offset`: after the previous LF or CR.
pub fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind(['\n', '\r']).map_or(0, |i| i + 1)
}

/// The end of the line holding `offset`, before its line break.
pub fn line_end(text: &str, offset: usize) -> usize {
    text[offset..].find(['\n', '\r']).map_or(text.len(), |i| offset + i)
}

/// The largest character boundary at or before `offset`.
pub fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cursor answers what `line_col` answers, in any order of offsets.
    #[test]
    fn the_cursor_agrees_with_line_col() {
        let text = "a😀b\r\nçé\rz\n漢字x `é` 😀 end";
        let index = LineIndex::new(text);
        let mut offsets: Vec<usize> = (0..=text.len() + 2).collect();
        offsets.extend((0..=text.len()).rev());
        for encoding in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
            let mut cursor = index.cursor(text, encoding);
            for &offset in &offsets {
                assert_eq!(cursor.line_col(offset), index.line_col(text, offset, encoding), "{offset} {encoding:?}");
            }
        }
    }

    /// `check` converts every finding of a long non-ASCII line: sixteen
    /// n-unit lines take as long as one 16n-unit line through the cursor
    /// (converting from the line's start each time took 16 times as long).
    #[test]
    fn the_cursor_is_linear_on_one_long_line() {
        fn convert_every_span(n_units: usize, times: usize) -> std::time::Duration {
            let text = "é `node-x` 😀 ".repeat(n_units);
            let index = LineIndex::new(&text);
            let spans: Vec<usize> = text.match_indices('`').map(|(at, _)| at).collect();
            let start = std::time::Instant::now();
            for _ in 0..times {
                let mut cursor = index.cursor(&text, Encoding::Utf32);
                for &at in &spans {
                    std::hint::black_box(cursor.line_col(at));
                }
            }
            start.elapsed()
        }
        let (mut short, mut long) = (std::time::Duration::MAX, std::time::Duration::MAX);
        for _ in 0..3 {
            short = short.min(convert_every_span(1_000, 16));
            long = long.min(convert_every_span(16 * 1_000, 1));
        }
        let ratio = long.as_secs_f64() / short.as_secs_f64();
        assert!(ratio < 4.0, "one 16 times longer line took {ratio:.1} times as long as 16 short ones");
    }

    fn roundtrip(text: &str, encoding: Encoding) {
        let index = LineIndex::new(text);
        for (offset, _) in text.char_indices().chain([(text.len(), ' ')]) {
            let pos = index.line_col(text, offset, encoding);
            let back = index.offset(text, pos, encoding);
            // Offsets inside a line break map to the end of the line's content.
            let line_end = index.line_range(pos.line).unwrap().end;
            assert_eq!(back, offset.min(line_end), "{text:?} @ {offset} -> {pos:?}");
        }
    }

    #[test]
    fn columns_in_every_encoding() {
        let text = "a😀b\nçé\r\n漢字x\rlast";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 4);
        let b = text.find('b').unwrap();
        assert_eq!(index.line_col(text, b, Encoding::Utf8), LineCol { line: 0, col: 5 });
        assert_eq!(index.line_col(text, b, Encoding::Utf16), LineCol { line: 0, col: 3 });
        assert_eq!(index.line_col(text, b, Encoding::Utf32), LineCol { line: 0, col: 2 });
        let x = text.find('x').unwrap();
        assert_eq!(index.line_col(text, x, Encoding::Utf16), LineCol { line: 2, col: 2 });
        let last = text.find("last").unwrap();
        assert_eq!(index.line_col(text, last, Encoding::Utf16), LineCol { line: 3, col: 0 });
        for encoding in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
            roundtrip(text, encoding);
            roundtrip("e\u{301}\u{301}\r\n\r\n\n", encoding);
            roundtrip("", encoding);
        }
    }

    #[test]
    fn clamps_out_of_range_positions() {
        let text = "ab\r\n😀\n";
        let index = LineIndex::new(text);
        assert_eq!(index.offset(text, LineCol { line: 0, col: 99 }, Encoding::Utf16), 2);
        assert_eq!(index.offset(text, LineCol { line: 9, col: 0 }, Encoding::Utf16), text.len());
        // Inside the surrogate pair of the emoji: rounds down to its start.
        assert_eq!(index.offset(text, LineCol { line: 1, col: 1 }, Encoding::Utf16), 4);
        assert_eq!(index.offset(text, LineCol { line: 1, col: 2 }, Encoding::Utf16), 8);
        // An offset between CR and LF is the end of the line's content.
        assert_eq!(index.line_col(text, 3, Encoding::Utf16), LineCol { line: 0, col: 2 });
        assert_eq!(index.line_col(text, text.len(), Encoding::Utf16), LineCol { line: 2, col: 0 });
    }
}
