//! Edits of one reference list of a `pack.json` that keep its formatting:
//! removing an entry takes its string and one separator with it, adding
//! entries puts them after the last kept entry with the separator the list
//! already uses (one line each in a list written one per line).

use runbook_syntax::TextRange;

use crate::pack::{Pack, PackList};

/// The edits that remove `remove` from `list` and add `add` to it (slugs
/// already listed are not added twice).
pub(super) fn edits(pack: &Pack, list: &PackList, add: &[String], remove: &[String]) -> Vec<(TextRange, String)> {
    let text = &*pack.text;
    let entries = &list.entries;
    // Entry ranges are inside the quotes; the strings include them.
    let string = |index: usize| {
        let range = entries[index].range;
        TextRange::new(range.start - 1, range.end + 1)
    };
    let removed: Vec<bool> = entries.iter().map(|entry| remove.contains(&entry.slug)).collect();
    let mut edits = Vec::new();

    // Runs of removed entries: each run goes with the separator after it, or
    // before it when it ends the list.
    let mut index = 0;
    while index < entries.len() {
        if !removed[index] {
            index += 1;
            continue;
        }
        let first = index;
        while index + 1 < entries.len() && removed[index + 1] {
            index += 1;
        }
        let last = index;
        let range = if last + 1 < entries.len() {
            TextRange::new(string(first).start, string(last + 1).start)
        } else if first > 0 {
            TextRange::new(string(first - 1).end, string(last).end)
        } else {
            TextRange::new(string(first).start, string(last).end)
        };
        edits.push((range, String::new()));
        index += 1;
    }

    let new: Vec<&String> = add
        .iter()
        .filter(|slug| !entries.iter().zip(&removed).any(|(entry, gone)| !gone && entry.slug == **slug))
        .collect();
    if new.is_empty() {
        return edits;
    }
    let quoted: Vec<String> = new.iter().map(|slug| serde_json::Value::from(slug.as_str()).to_string()).collect();
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let inside = TextRange::new(list.range.start + 1, list.range.end - 1);
    let one_per_line = text[inside.as_range()].contains(['\n', '\r']);
    let separator = match entries.len() {
        0 | 1 if one_per_line => {
            let indent = match entries.first() {
                Some(_) => indentation(text, string(0).start).to_string(),
                None => format!("{}  ", indentation(text, list.range.end - 1)),
            };
            format!(",{eol}{indent}")
        }
        0 | 1 => ", ".to_string(),
        _ => text[string(0).end..string(1).start].to_string(),
    };
    match (0..entries.len()).rev().find(|index| !removed[*index]) {
        Some(kept) => {
            edits.push((TextRange::empty(string(kept).end), format!("{separator}{}", quoted.join(&separator))))
        }
        None if !entries.is_empty() => {
            edits.push((TextRange::empty(string(0).start), quoted.join(&separator)));
        }
        None if one_per_line => {
            let lead = separator.trim_start_matches(',');
            edits.push((TextRange::empty(inside.start), format!("{lead}{}", quoted.join(&separator))));
        }
        None => edits.push((TextRange::empty(inside.start), quoted.join(&separator))),
    }
    edits.sort_by_key(|(range, _)| (range.start, !range.is_empty()));
    edits
}

/// The blanks before `offset` on its line.
fn indentation(text: &str, offset: usize) -> &str {
    let start = runbook_syntax::line_start(text, offset);
    let line = &text[start..offset];
    &line[..line.len() - line.trim_start().len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(text: &str, add: &[&str], remove: &[&str]) -> String {
        let pack = Pack::parse(text);
        let list = pack.list("references_node_keys").expect("the list");
        let add: Vec<String> = add.iter().map(|slug| slug.to_string()).collect();
        let remove: Vec<String> = remove.iter().map(|slug| slug.to_string()).collect();
        let mut out = text.to_string();
        for (range, new_text) in edits(&pack, list, &add, &remove).into_iter().rev() {
            out.replace_range(range.as_range(), &new_text);
        }
        out
    }

    #[test]
    fn inline_lists() {
        let text = r#"{"references_node_keys": ["node-a", "node-b", "node-c"]}"#;
        assert_eq!(
            apply(text, &["node-d"], &[]),
            r#"{"references_node_keys": ["node-a", "node-b", "node-c", "node-d"]}"#
        );
        assert_eq!(apply(text, &[], &["node-a"]), r#"{"references_node_keys": ["node-b", "node-c"]}"#);
        assert_eq!(apply(text, &[], &["node-b", "node-c"]), r#"{"references_node_keys": ["node-a"]}"#);
        assert_eq!(apply(text, &[], &["node-a", "node-c"]), r#"{"references_node_keys": ["node-b"]}"#);
        assert_eq!(
            apply(text, &["node-x"], &["node-a", "node-b", "node-c"]),
            r#"{"references_node_keys": ["node-x"]}"#
        );
        assert_eq!(
            apply(text, &["node-x", "node-y"], &["node-c"]),
            r#"{"references_node_keys": ["node-a", "node-b", "node-x", "node-y"]}"#
        );
        // Already listed: nothing to add.
        assert_eq!(apply(text, &["node-a"], &[]), text);
        let compact = r#"{"references_node_keys":["node-a","node-b"]}"#;
        assert_eq!(apply(compact, &["node-c"], &[]), r#"{"references_node_keys":["node-a","node-b","node-c"]}"#);
        assert_eq!(
            apply(r#"{"references_node_keys": []}"#, &["node-a", "node-b"], &[]),
            r#"{"references_node_keys": ["node-a", "node-b"]}"#
        );
        assert_eq!(
            apply(r#"{"references_node_keys": ["node-a"]}"#, &["node-b"], &[]),
            r#"{"references_node_keys": ["node-a", "node-b"]}"#
        );
    }

    #[test]
    fn one_entry_per_line_lists_keep_their_lines_and_line_endings() {
        let text = "{\r\n  \"references_node_keys\": [\r\n    \"node-a\",\r\n    \"node-b\"\r\n  ]\r\n}\r\n";
        assert_eq!(
            apply(text, &["node-c"], &["node-a"]),
            "{\r\n  \"references_node_keys\": [\r\n    \"node-b\",\r\n    \"node-c\"\r\n  ]\r\n}\r\n"
        );
        let one = "{\n  \"references_node_keys\": [\n    \"node-a\"\n  ]\n}\n";
        assert_eq!(
            apply(one, &["node-b"], &[]),
            "{\n  \"references_node_keys\": [\n    \"node-a\",\n    \"node-b\"\n  ]\n}\n"
        );
        assert_eq!(apply(one, &[], &["node-a"]), "{\n  \"references_node_keys\": [\n    \n  ]\n}\n");
        let empty = "{\n  \"references_node_keys\": [\n  ]\n}\n";
        assert_eq!(apply(empty, &["node-a"], &[]), "{\n  \"references_node_keys\": [\n    \"node-a\"\n  ]\n}\n");
    }
}
