//! Markdown built from untrusted text. Manifests and JSDoc come from the
//! repository, not from the user, so nothing in them may become a link, an
//! image, HTML, an entity, a heading, a list, a table or emphasis in what the
//! editor renders. Some editors (Neovim, Helix) show the markdown source
//! rather than rendering it, so only what would change the rendering is
//! backslash-escaped: `STRIPE_WEBHOOK_SECRET`, `service.` and `a - b` stay as
//! they are. A code span the author wrote (`` `webhook_events` ``) stays a
//! code span: CommonMark interprets nothing inside one. Fixed text goes in a
//! code span or block whose fence is longer than any backtick run inside it.

use std::borrow::Cow;

/// The most bytes of one piece of untrusted text (a title, a side effect, a
/// tag) a hover or completion shows: manifests and sources can be any size,
/// and what an editor receives must not be (a 100 MB key.json made a 106 MB
/// hover).
pub(crate) const MAX_TEXT_BYTES: usize = 1_000;
/// The most bytes of untrusted text shown as paragraphs or a code block (a
/// description, a JSDoc summary, a signature).
pub(crate) const MAX_BLOCK_BYTES: usize = 4_000;
/// The most bytes of a name or path shown as a code span.
pub(crate) const MAX_CODE_BYTES: usize = 300;
/// The most entries of one list (side effects, env vars, exports) shown.
pub(crate) const MAX_LIST_ITEMS: usize = 30;

/// `text` cut to at most `max_bytes` (at a character boundary), ending with
/// a visible "…" when anything was cut.
pub(crate) fn clip(text: &str, max_bytes: usize) -> Cow<'_, str> {
    if text.len() <= max_bytes {
        return Cow::Borrowed(text);
    }
    let mut cut = max_bytes;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    Cow::Owned(format!("{}…", text[..cut].trim_end()))
}

/// The first `MAX_LIST_ITEMS` items, then how many were left out.
pub(crate) fn clip_list<T>(items: impl IntoIterator<Item = T>) -> (Vec<T>, usize) {
    let mut shown = Vec::new();
    let mut n_left_out = 0;
    for item in items {
        if shown.len() < MAX_LIST_ITEMS {
            shown.push(item);
        } else {
            n_left_out += 1;
        }
    }
    (shown, n_left_out)
}

/// `text` as literal inline markdown, on one line.
pub(crate) fn escape(text: &str) -> String {
    let text = clip(text, MAX_TEXT_BYTES);
    let line: Vec<char> = text.split_whitespace().collect::<Vec<_>>().join(" ").chars().collect();
    let verbatim = code_spans(&line);
    let mut escaped = vec![false; line.len()];
    for (i, &c) in line.iter().enumerate() {
        if !verbatim[i] {
            escaped[i] = changes_inline_rendering(&line, i, c);
        }
    }
    if let Some(i) = block_marker(&line)
        && !verbatim[i]
    {
        escaped[i] = true;
    }
    let mut out = String::with_capacity(line.len() + 8);
    for (i, &c) in line.iter().enumerate() {
        if escaped[i] {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Which characters of `line` belong to a code span (CommonMark 6.1: a
/// backtick run up to the next run of the same length). The backticks of
/// runs that close nothing are escaped by `changes_inline_rendering`.
fn code_spans(line: &[char]) -> Vec<bool> {
    let run_end = |start: usize| start + line[start..].iter().take_while(|&&c| c == '`').count();
    let mut verbatim = vec![false; line.len()];
    let mut i = 0;
    while i < line.len() {
        if line[i] != '`' {
            i += 1;
            continue;
        }
        let open_end = run_end(i);
        let mut j = open_end;
        let mut close = None;
        while j < line.len() {
            if line[j] == '`' {
                let end = run_end(j);
                if end - j == open_end - i {
                    close = Some(end);
                    break;
                }
                j = end;
            } else {
                j += 1;
            }
        }
        match close {
            Some(end) => {
                verbatim[i..end].fill(true);
                i = end;
            }
            None => i = open_end,
        }
    }
    verbatim
}

/// Whether the character `c` at `i` of `line`, outside code spans, could
/// start or take part in inline markup, wherever the line is placed.
fn changes_inline_rendering(line: &[char], i: usize, c: char) -> bool {
    let before = i.checked_sub(1).map(|b| line[b]);
    let after = line.get(i + 1).copied();
    match c {
        // A backslash escapes the punctuation after it, and ends a line with a hard break.
        '\\' => after.is_none_or(|next| next.is_ascii_punctuation()),
        // An unmatched backtick run (matched ones are code spans).
        '`' => true,
        // Links, images, footnotes and reference definitions all need a `[`.
        '[' => true,
        // Raw HTML, HTML blocks and autolinks start `<` + letter, `/`, `!` or `?`.
        '<' => after.is_some_and(|next| next.is_ascii_alphabetic() || matches!(next, '/' | '!' | '?')),
        // `&amp;`, `&#123;`: an entity reference.
        '&' => {
            let name = line[i + 1..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == '#').count();
            name > 0 && line.get(i + 1 + name) == Some(&';')
        }
        // A delimiter run flanked by blanks on both sides opens and closes
        // nothing (CommonMark 6.2); the line's ends count as unknown.
        '*' | '~' => {
            let (run_before, run_after) = run_neighbours(line, i, c);
            !(run_before == Some(' ') && run_after == Some(' '))
        }
        // `_` inside a word (`STRIPE_WEBHOOK_SECRET`) is no emphasis either.
        '_' => {
            let (run_before, run_after) = run_neighbours(line, i, c);
            let in_word = run_before.is_some_and(char::is_alphanumeric) && run_after.is_some_and(char::is_alphanumeric);
            let between_blanks = run_before == Some(' ') && run_after == Some(' ');
            !(in_word || between_blanks)
        }
        // Extended autolinks (GFM 6.9): `scheme://`, `www.` and `name@host`.
        ':' => {
            before.is_some_and(|prev| prev.is_ascii_alphanumeric())
                && after == Some('/')
                && line.get(i + 2) == Some(&'/')
        }
        '.' => {
            i >= 3
                && line[i - 3..i].iter().collect::<String>().eq_ignore_ascii_case("www")
                && (i == 3 || !line[i - 4].is_alphanumeric())
        }
        '@' => {
            before.is_some_and(|prev| prev.is_ascii_alphanumeric() || matches!(prev, '.' | '_' | '+' | '-'))
                && after.is_some_and(|next| next.is_ascii_alphanumeric() || matches!(next, '_' | '-'))
        }
        _ => false,
    }
}

/// The characters just before and just after the run of `c` holding `i`.
fn run_neighbours(line: &[char], i: usize, c: char) -> (Option<char>, Option<char>) {
    let start = line[..i].iter().rposition(|&found| found != c).map_or(0, |b| b + 1);
    let end = line[i..].iter().position(|&found| found != c).map_or(line.len(), |a| i + a);
    (start.checked_sub(1).map(|b| line[b]), line.get(end).copied())
}

/// The character to escape so that `line` starts no block (CommonMark 4 and 5,
/// GFM tables): an ATX heading, a block quote, a bullet or ordered list item,
/// or a thematic break, setext underline or table delimiter row. Fences and
/// HTML blocks start with characters `changes_inline_rendering` escapes.
fn block_marker(line: &[char]) -> Option<usize> {
    let first = *line.first()?;
    let blank_or_end = |at: usize| line.get(at).is_none_or(|&c| c == ' ');
    let hashes = line.iter().take_while(|&&c| c == '#').count();
    if (1..=6).contains(&hashes) && blank_or_end(hashes) {
        return Some(0);
    }
    if first == '>' || (matches!(first, '-' | '+' | '*') && blank_or_end(1)) {
        return Some(0);
    }
    let digits = line.iter().take_while(|c| c.is_ascii_digit()).count();
    if (1..=9).contains(&digits) && matches!(line.get(digits), Some('.' | ')')) && blank_or_end(digits + 1) {
        return Some(digits);
    }
    if line.iter().all(|c| matches!(c, '-' | '=' | '*' | '_' | '|' | ':' | ' ')) {
        return Some(0);
    }
    None
}

/// `text` as literal markdown keeping its paragraphs: lines are escaped one
/// by one (so none can start a block) and blank lines separate paragraphs.
pub(crate) fn escape_paragraphs(text: &str) -> String {
    let text = clip(text, MAX_BLOCK_BYTES);
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
    let text = clip(text, MAX_CODE_BYTES);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let fence = "`".repeat(longest_run(&text, '`') + 1);
    // A span that starts or ends with a backtick needs a space of padding,
    // which CommonMark strips again; so does one that starts and ends with a space.
    let pad = if text.starts_with('`') || text.ends_with('`') || text.is_empty() { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// `text` as a fenced code block tagged `language`.
pub(crate) fn code_block(language: &str, text: &str) -> String {
    let text = clip(text, MAX_BLOCK_BYTES);
    let text = text.as_ref();
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

    /// Untrusted text → what the hover shows. Hostile input must come out
    /// inert; benign input must come out as written.
    const ESCAPES: &[(&str, &str)] = &[
        // Benign: nothing here renders differently from how it reads.
        (r"Restarts the application service.", r"Restarts the application service."),
        (
            r"Updates the STRIPE_WEBHOOK_SECRET environment variable",
            r"Updates the STRIPE_WEBHOOK_SECRET environment variable",
        ),
        (r"Writes to the `webhook_events` table", r"Writes to the `webhook_events` table"),
        (r"REVERSIBLE - events are idempotent (see docs)!", r"REVERSIBLE - events are idempotent (see docs)!"),
        (r"5 * 3 = 15, a _ b, x > y, a < 5, R&D, C:\Users\ops", r"5 * 3 = 15, a _ b, x > y, a < 5, R&D, C:\Users\ops"),
        (r"time: 10:30 {a} $HOME ^ + = # | ]", r"time: 10:30 {a} $HOME ^ + = # | ]"),
        (r"-5 degrees, #hashtag, 2024 was, +1", r"-5 degrees, #hashtag, 2024 was, +1"),
        ("  spread   over\n lines  ", r"spread over lines"),
        (r"snake_case and __proto__ and _private", r"snake_case and \_\_proto\_\_ and \_private"),
        // Links, images and autolinks.
        (r"[x](javascript:alert(1))", r"\[x](javascript:alert(1))"),
        (r"![img](http://evil.example/p.png)", r"!\[img](http\://evil.example/p.png)"),
        (r"<http://x>", r"\<http\://x>"),
        (r"<ops@example.com>", r"\<ops\@example.com>"),
        (r"[ref]: http://x", r"\[ref]: http\://x"),
        (r"see https://evil.example or www.evil.example", r"see https\://evil.example or www\.evil.example"),
        (r"mail ops@example.com", r"mail ops\@example.com"),
        // Raw HTML and entities.
        (r"<script>alert(1)</script>", r"\<script>alert(1)\</script>"),
        (r"<img src=x onerror=alert(1)>", r"\<img src=x onerror=alert(1)>"),
        (r"<!-- hidden --> <?php", r"\<!-- hidden --> \<?php"),
        (r"&lt;b&gt; &#60; &#x3C;", r"\&lt;b\&gt; \&#60; \&#x3C;"),
        // Emphasis and strikethrough.
        (r"*emph* and **strong**", r"\*emph\* and \*\*strong\*\*"),
        (r"_emph_ and ~~strike~~ ~5 min", r"\_emph\_ and \~\~strike\~\~ \~5 min"),
        // Backticks: a matched code span is kept, stray ones are escaped.
        (r"`code` and a stray ` tick", r"`code` and a stray \` tick"),
        (r"``a ` b`` then ```", r"``a ` b`` then \`\`\`"),
        (r"`[x](javascript:alert(1))`", r"`[x](javascript:alert(1))`"),
        (r"\`not code`", r"\\`not code`"),
        // Backslashes that would escape something, or break the line.
        (r"a \* b and a trailing \", r"a \\\* b and a trailing \\"),
        // Block starts at the beginning of the line.
        (r"# Heading", r"\# Heading"),
        (r"###### six", r"\###### six"),
        (r"> quote", r"\> quote"),
        (r"- item", r"\- item"),
        (r"+ item", r"\+ item"),
        (r"* item", r"\* item"),
        (r"1. item", r"1\. item"),
        (r"12) item", r"12\) item"),
        (r"---", r"\---"),
        (r"===", r"\==="),
        (r"| --- | :-: |", r"\| --- | :-: |"),
        (r"```ts", r"\`\`\`ts"),
        (r"~~~", r"\~\~\~"),
    ];

    #[test]
    fn escape_changes_only_what_would_render() {
        let mut failures = Vec::new();
        for &(input, expected) in ESCAPES {
            let escaped = escape(input);
            if escaped != expected {
                failures.push(format!("{input:?}\n  got      {escaped:?}\n  expected {expected:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// The node kinds tree-sitter-md (the parser Neovim highlights hovers
    /// with) finds in `markdown`, block and inline trees together.
    fn markdown_node_kinds(markdown: &str) -> Vec<String> {
        let tree = tree_sitter_md::MarkdownParser::default().parse(markdown.as_bytes(), None).expect("parses");
        let mut cursor = tree.walk();
        let mut kinds = Vec::new();
        loop {
            if cursor.node().is_named() {
                kinds.push(cursor.node().kind().to_string());
            }
            if cursor.goto_first_child() {
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    return kinds;
                }
            }
        }
    }

    /// A second opinion on the table from a real CommonMark parser: each
    /// escaped text adds nothing but text, code spans and escapes to the
    /// markdown around it, wherever hovers put it.
    #[test]
    fn escaped_text_parses_as_plain_text_in_context() {
        let allowed = ["code_span", "code_span_delimiter", "backslash_escape"];
        let contexts = [("", ""), ("x ", " y"), ("a\n", ""), ("- **Safety**: ", " (`@sideEffect` of `evil`)")];
        for &(input, _) in ESCAPES {
            for (before, after) in contexts {
                let mut baseline = markdown_node_kinds(&format!("{before}text{after}"));
                let markdown = format!("{before}{}{after}", escape(input));
                let mut unexpected = Vec::new();
                for kind in markdown_node_kinds(&markdown) {
                    match baseline.iter().position(|known| *known == kind) {
                        Some(known) => drop(baseline.remove(known)),
                        None if allowed.contains(&kind.as_str()) => {}
                        None => unexpected.push(kind),
                    }
                }
                assert!(unexpected.is_empty(), "{input:?} as {markdown:?} parses with {unexpected:?}");
            }
        }
    }

    #[test]
    fn paragraphs_keep_their_breaks_and_start_no_block() {
        assert_eq!(escape_paragraphs("# Title\n\n1. item\n    indented"), "\\# Title\n\n1\\. item\nindented");
        assert_eq!(escape_paragraphs("a | b\n--|--\nsetext\n==="), "a | b\n\\--|--\nsetext\n\\===");
        assert_eq!(escape_paragraphs("line one\n- not a list\r\n"), "line one\n\\- not a list");
    }

    #[test]
    fn code_spans_and_blocks_outlast_their_content() {
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x`"), "`` `x` ``");
        assert_eq!(code("multi\nline"), "`multi line`");
        assert_eq!(code_block("ts", "a ```` b"), "`````ts\na ```` b\n`````");
        assert_eq!(code_block("ts", "plain"), "```ts\nplain\n```");
    }
}
