//! A change to the workspace's files that a feature proposes (a rename, a
//! quick fix): text edits per file and file-system edits, as plain data
//! (rust-analyzer's `SourceChange`). Every edit is positioned in every
//! encoding when it is made, so the server converts it for any client and
//! `check --fix` applies it by bytes, without reading the file again.

use std::collections::BTreeMap;
use std::path::PathBuf;

use runbook_syntax::SourceRange;

/// Replaces `range` (bytes and positions in the file's current text) by `new_text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextEdit {
    pub range: SourceRange,
    pub new_text: String,
}

/// A change to the files themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileSystemEdit {
    /// Moves a file or a folder (with everything in it).
    Rename { from: PathBuf, to: PathBuf },
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceChange {
    /// Edits by file, each file's edits sorted by position and not overlapping.
    pub edits: BTreeMap<PathBuf, Vec<TextEdit>>,
    /// Applied after the text edits, in order.
    pub file_system_edits: Vec<FileSystemEdit>,
}

impl SourceChange {
    pub fn is_empty(&self) -> bool {
        self.edits.values().all(Vec::is_empty) && self.file_system_edits.is_empty()
    }

    /// Adds an edit of `path`. An edit overlapping one already there is
    /// dropped (the first wins): applying both could not be right. At one
    /// offset, an insertion goes before a replacement that starts there.
    pub fn insert(&mut self, path: PathBuf, edit: TextEdit) {
        let key = |edit: &TextEdit| (edit.range.range.start, !edit.range.range.is_empty());
        let edits = self.edits.entry(path).or_default();
        let at = edits.partition_point(|known| key(known) <= key(&edit));
        let range = edit.range.range;
        let overlaps_before = at > 0 && {
            let previous = edits[at - 1].range.range;
            previous.end > range.start || (previous == range && range.is_empty())
        };
        let overlaps_after = edits.get(at).is_some_and(|next| next.range.range.start < range.end);
        if !overlaps_before && !overlaps_after {
            edits.insert(at, edit);
        }
    }

    /// Adds every edit of `other`.
    pub fn merge(&mut self, other: SourceChange) {
        for (path, edits) in other.edits {
            for edit in edits {
                self.insert(path.clone(), edit);
            }
        }
        self.file_system_edits.extend(other.file_system_edits);
    }

    /// The text of a file after this change's edits of it.
    pub fn apply(&self, path: &std::path::Path, text: &str) -> String {
        let Some(edits) = self.edits.get(path) else { return text.to_string() };
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for edit in edits {
            let range = edit.range.range;
            out.push_str(&text[last..range.start]);
            out.push_str(&edit.new_text);
            last = range.end;
        }
        out.push_str(&text[last..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use runbook_syntax::{LineIndex, TextRange};

    use super::*;

    #[test]
    fn edits_apply_in_order_and_overlaps_are_dropped() {
        let text = "one two three";
        let index = LineIndex::new(text);
        let edit = |start, end, new_text: &str| TextEdit {
            range: index.source_range(text, TextRange::new(start, end)),
            new_text: new_text.to_string(),
        };
        let path = PathBuf::from("/ws/a.md");
        let mut change = SourceChange::default();
        change.insert(path.clone(), edit(8, 13, "3"));
        change.insert(path.clone(), edit(0, 3, "1"));
        change.insert(path.clone(), edit(2, 5, "x"));
        change.insert(path.clone(), edit(13, 13, "!"));
        change.insert(path.clone(), edit(13, 13, "?"));
        change.insert(path.clone(), edit(4, 7, "2"));
        change.insert(path.clone(), edit(4, 4, ">"));
        assert_eq!(change.apply(&path, text), "1 >2 3!");
        assert_eq!(change.apply(std::path::Path::new("/ws/b.md"), text), text);
    }
}
