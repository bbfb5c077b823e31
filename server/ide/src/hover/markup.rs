//! Markdown built from untrusted text. Manifests and JSDoc come from the
//! repository, not from the user, so nothing in them may become a link, an
//! image, HTML, a heading or a list in what the editor renders: every piece
//! is either backslash-escaped or put in a code span or block whose fence is
//! longer than any backtick run inside it (CommonMark: nothing inside is
//! interpreted).

/// ASCII punctuation that could start markup: emphasis, code, links and
/// images, HTML and entities, headings, lists, block quotes, tables,
/// strikethrough, autolinks (`https:`, `www.`) and math. CommonMark lets a
/// backslash escape any of them, and an escaped character is always literal.
const MARKUP_CHARACTERS: &[char] = &[
    '\\', '`', '*', '_', '[', ']', '<', '>', '#', '|', '~', '!', '&', '(', ')', '{', '}', '+', '-', '.', ':', '=', '$',
    '^',
];

/// `text` as literal inline markdown, on one line.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars() {
            if MARKUP_CHARACTERS.contains(&c) {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// `text` as literal markdown keeping its paragraphs: lines are escaped one
/// by one (so none can start a block) and blank lines separate paragraphs.
pub(crate) fn escape_paragraphs(text: &str) -> String {
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                paragraphs.push(current.join("\n"));
                current.clear();
            }
        } else {
            current.push(escape(line));
        }
    }
    if !current.is_empty() {
        paragraphs.push(current.join("\n"));
    }
    paragraphs.join("\n\n")
}

/// `text` as an inline code span on one line.
pub(crate) fn code(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let fence = "`".repeat(longest_run(&text, '`') + 1);
    // A span that starts or ends with a backtick needs a space of padding,
    // which CommonMark strips again; so does one that starts and ends with a space.
    let pad = if text.starts_with('`') || text.ends_with('`') || text.is_empty() { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// `text` as a fenced code block tagged `language`.
pub(crate) fn code_block(language: &str, text: &str) -> String {
    let fence = "`".repeat(longest_run(text, '`').max(2) + 1);
    format!("{fence}{language}\n{}\n{fence}", text.trim_end_matches(['\n', '\r']))
}

fn longest_run(text: &str, c: char) -> usize {
    let mut longest = 0;
    let mut current = 0;
    for found in text.chars() {
        if found == c {
            current += 1;
            longest = longest.max(current);
        } else {
            current = 0;
        }
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_untrusted_becomes_markup() {
        assert_eq!(
            escape("[click](command:workbench.action.terminal.new) <img src=x> # no"),
            r"\[click\]\(command\:workbench\.action\.terminal\.new\) \<img src\=x\> \# no"
        );
        assert_eq!(escape("line one\n- not a list\r\n"), r"line one \- not a list");
        assert_eq!(
            escape("visit https://evil.example or www.evil.example"),
            r"visit https\://evil\.example or www\.evil\.example"
        );
        assert_eq!(escape_paragraphs("# Title\n\n1. item\n    indented"), "\\# Title\n\n1\\. item\nindented");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x`"), "`` `x` ``");
        assert_eq!(code("multi\nline"), "`multi line`");
        assert_eq!(code_block("ts", "a ```` b"), "`````ts\na ```` b\n`````");
        assert_eq!(code_block("ts", "plain"), "```ts\nplain\n```");
    }
}
