//! The client's side of text synchronisation: a shadow copy of a document and
//! LSP positions computed from it, independently of the server's code.

use serde_json::{Value, json};

/// LSP line breaks: LF, CRLF, lone CR.
fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                starts.push(i + 2);
                i += 2;
                continue;
            }
            b'\r' | b'\n' => starts.push(i + 1),
            _ => {}
        }
        i += 1;
    }
    starts
}

/// The LSP position of a byte offset, with UTF-16 or UTF-8 columns.
pub fn position(text: &str, offset: usize, utf8: bool) -> Value {
    let starts = line_starts(text);
    let line = starts.partition_point(|&start| start <= offset) - 1;
    let prefix = &text[starts[line]..offset];
    let character = if utf8 { prefix.len() } else { prefix.encode_utf16().count() };
    json!({ "line": line, "character": character })
}

/// The byte offset of an LSP position (the inverse of `position`), clamped
/// to the end of its line.
pub fn offset(text: &str, line: usize, character: usize, utf8: bool) -> usize {
    let starts = line_starts(text);
    let Some(&start) = starts.get(line) else { return text.len() };
    let end = starts.get(line + 1).copied().unwrap_or(text.len());
    let content = text[start..end].trim_end_matches(['\n', '\r']);
    let mut units = 0;
    for (index, c) in content.char_indices() {
        if units >= character {
            return start + index;
        }
        units += if utf8 { c.len_utf8() } else { c.len_utf16() };
    }
    start + content.len()
}

pub fn range(text: &str, start: usize, end: usize, utf8: bool) -> Value {
    json!({ "start": position(text, start, utf8), "end": position(text, end, utf8) })
}

/// A small deterministic random generator (xorshift), so failures reproduce.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// A character boundary of `text`, at random.
    pub fn boundary(&mut self, text: &str) -> usize {
        let mut offset = self.below(text.len() + 1);
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }
}
