//! Where the cursor is, as completion sees it. The document is usually
//! mid-edit, so the model alone cannot tell (an unclosed backtick is not a
//! code span, `import { re` is not yet an import): the context is read from
//! the text of the cursor's line, or of its code block, and the model only
//! says which code block and which Action the cursor is in.

use runbook_syntax::{FieldLabel, Runbook, TextRange, line_end, line_start};

/// What to add around an inserted KEY slug or path so that it ends up in a
/// code span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wrap {
    /// Inside a closed code span: insert the bare text.
    Nothing,
    /// After an opening backtick with no closing one: close it.
    CloseBacktick,
    /// After `**KEY**:` with no backtick: write the whole code span.
    Backticks,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Context {
    /// A KEY slug in a code span or after `**KEY**:`.
    KeySlug { range: TextRange, wrap: Wrap },
    /// The path of a `**Location**:` field.
    Location { range: TextRange, wrap: Wrap },
    /// After `(` in an Action heading, or after `**Safety**:`.
    SafetyClass { range: TextRange },
    /// After `**` at the start of a line. `suffix` is what closes the label.
    FieldLabel { range: TextRange, suffix: &'static str },
    /// A heading (`### Act`) or a line (`act`) that could become an Action
    /// section; `level` is the number of `#` typed, if any. When they are
    /// followed by a blank they stay (`keeps_marker`) and `range` is the
    /// heading's text, so that the word an editor replaces on its own is
    /// the one the item replaces.
    ActionSection { range: TextRange, level: Option<u8>, keeps_marker: bool },
    /// An import specifier that is the start of a root's import prefix (`@/no`).
    ImportPrefix { range: TextRange },
    /// The folder segment of a specifier under a root (`@/node-keys/str`).
    KeyFolder { import_prefix: String, range: TextRange },
    /// The segment after a KEY folder (`@/node-keys/x/s`).
    KeyModule { import_prefix: String, folder: String, range: TextRange },
    /// A name inside `import { … }`: `specifier` once the `from` is written,
    /// `imported` the names already there.
    ImportedName { specifier: Option<String>, imported: Vec<String>, range: TextRange },
    /// An identifier in a script code block, where an imported name can be called.
    CallSite { code_block: usize, range: TextRange },
}

/// The context at `offset` (a character boundary of `text`). `import_prefixes`
/// are the key roots' import specifier prefixes (`@/node-keys/`).
pub(crate) fn detect(text: &str, runbook: &Runbook, offset: usize, import_prefixes: &[String]) -> Option<Context> {
    match runbook.code_block_at(offset) {
        Some((index, block)) => {
            if !block.is_script {
                return None;
            }
            script_context(text, index, block.content_range, offset, import_prefixes)
        }
        None => markdown_context(text, offset),
    }
}

/// The offset reached by moving left from `offset` over characters matching
/// `keep`, not past `limit`.
fn extend_left(text: &str, offset: usize, limit: usize, keep: impl Fn(char) -> bool) -> usize {
    let mut start = offset;
    for (i, c) in text[limit..offset].char_indices().rev() {
        if !keep(c) {
            break;
        }
        start = limit + i;
    }
    start
}

/// The offset reached by moving right from `offset` over characters matching
/// `keep`, not past `limit`.
fn extend_right(text: &str, offset: usize, limit: usize, keep: impl Fn(char) -> bool) -> usize {
    let rest = &text[offset..limit];
    offset + rest.find(|c: char| !keep(c)).unwrap_or(rest.len())
}

fn is_slug_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

fn is_path_char(c: char) -> bool {
    !c.is_whitespace() && c != '`'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// The length of a line's block-quote markers and list marker (`> - `, `1. `).
fn container_prefix_len(line: &str) -> usize {
    let mut rest = line;
    loop {
        let trimmed = rest.trim_start_matches([' ', '\t']);
        if let Some(after) = trimmed.strip_prefix('>') {
            rest = after;
            continue;
        }
        let marker_len = if trimmed.starts_with(['-', '*', '+']) {
            1
        } else {
            let digits = trimmed.len() - trimmed.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            if (1..=9).contains(&digits) && trimmed[digits..].starts_with(['.', ')']) { digits + 1 } else { 0 }
        };
        // A list marker needs a blank after it (`**Label**` starts with `*` too).
        if marker_len > 0 && trimmed[marker_len..].starts_with([' ', '\t']) {
            rest = &trimmed[marker_len..];
            continue;
        }
        return line.len() - trimmed.len();
    }
}

/// `**Label**:` or `**Label:**` at the start of `rest`: the label and the
/// length up to the value (after the colon and its blanks).
fn field_opener(rest: &str) -> Option<(Option<FieldLabel>, usize)> {
    let inner = rest.strip_prefix("**")?;
    let close = inner.find("**")?;
    let label_text = &inner[..close];
    let mut end = 2 + close + 2;
    let label_text = match label_text.strip_suffix(':') {
        Some(label_text) => label_text,
        None => {
            if !rest[end..].starts_with(':') {
                return None;
            }
            end += 1;
            label_text
        }
    };
    let after = &rest[end..];
    let value_start = end + after.len() - after.trim_start_matches([' ', '\t']).len();
    Some((FieldLabel::parse(label_text), value_start))
}

/// The run of backticks starting at or after byte `from`, as `(start, end)`.
/// A backslash outside a code span escapes the next byte (`escapes`), as in
/// CommonMark; inside one it is literal.
fn next_backtick_run(bytes: &[u8], from: usize, escapes: bool) -> Option<(usize, usize)> {
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if escapes => i += 2,
            b'`' => {
                let end = i + bytes[i..].iter().take_while(|&&byte| byte == b'`').count();
                return Some((i, end));
            }
            _ => i += 1,
        }
    }
    None
}

/// The code span open at the end of `line`: the offset (in `line`) where its
/// content starts, and the length of its backtick run.
fn open_code_span(line: &str) -> Option<(usize, usize)> {
    let bytes = line.as_bytes();
    let mut open: Option<(usize, usize)> = None;
    let mut from = 0;
    while let Some((start, end)) = next_backtick_run(bytes, from, open.is_none()) {
        let run = end - start;
        match open {
            Some((_, open_run)) if open_run == run => open = None,
            Some(_) => {}
            None => open = Some((end, run)),
        }
        from = end;
    }
    open.map(|(start, run)| (start.min(line.len()), run))
}

/// Whether `after` (the rest of the line) closes a code span of `run` backticks.
fn closes_code_span(after: &str, run: usize) -> bool {
    let bytes = after.as_bytes();
    let mut from = 0;
    while let Some((start, end)) = next_backtick_run(bytes, from, false) {
        if end - start == run {
            return true;
        }
        from = end;
    }
    false
}

fn markdown_context(text: &str, offset: usize) -> Option<Context> {
    let start = line_start(text, offset);
    let end = line_end(text, offset);
    let before = &text[start..offset];
    let after = &text[offset..end];
    let prefix_len = container_prefix_len(before);
    let rest = &before[prefix_len..];
    let rest_start = start + prefix_len;
    if rest.starts_with("```") || rest.starts_with("~~~") {
        return None;
    }

    if let Some(context) = heading_context(text, rest, rest_start, offset, end, after) {
        return Some(context);
    }

    let field = field_opener(rest).filter(|&(_, value_start)| rest_start + value_start <= offset);
    let field_label = field.and_then(|(label, _)| label);

    if let Some((content_start, run)) = open_code_span(before) {
        let content_start = start + content_start;
        let typed = &text[content_start..offset];
        let wrap = if closes_code_span(after, run) { Wrap::Nothing } else { Wrap::CloseBacktick };
        if field_label == Some(FieldLabel::Location) {
            if !typed.chars().all(is_path_char) {
                return None;
            }
            let range = TextRange::new(content_start, extend_right(text, offset, end, is_path_char));
            return Some(Context::Location { range, wrap });
        }
        if !typed.chars().all(is_slug_char) {
            return None;
        }
        let range = TextRange::new(content_start, extend_right(text, offset, end, is_slug_char));
        return Some(Context::KeySlug { range, wrap });
    }

    if let Some((label, value_start)) = field {
        let value_start = rest_start + value_start;
        let typed = &text[value_start..offset];
        return match label? {
            FieldLabel::Safety if typed.chars().all(|c| c.is_ascii_alphabetic()) => {
                let range = TextRange::new(value_start, extend_right(text, offset, end, |c| c.is_ascii_alphabetic()));
                Some(Context::SafetyClass { range })
            }
            FieldLabel::Key if typed.chars().all(is_slug_char) => {
                let range = TextRange::new(value_start, extend_right(text, offset, end, is_slug_char));
                Some(Context::KeySlug { range, wrap: Wrap::Backticks })
            }
            FieldLabel::Location if typed.chars().all(is_path_char) => {
                let range = TextRange::new(value_start, extend_right(text, offset, end, is_path_char));
                Some(Context::Location { range, wrap: Wrap::Backticks })
            }
            _ => None,
        };
    }

    if let Some(label) = rest.strip_prefix("**")
        && !label.contains('*')
        && label.chars().all(|c| c.is_alphabetic() || c == ' ')
        && !label.starts_with(' ')
    {
        let label_start = rest_start + 2;
        let word_end = extend_right(text, offset, end, char::is_alphabetic);
        let closing = &text[word_end..end];
        let (range_end, suffix) = if let Some(after_colon) = closing.strip_prefix("**:").or(closing.strip_prefix(":**"))
        {
            let blank = after_colon.starts_with([' ', '\t']);
            (word_end + 3, if blank { "**:" } else { "**: " })
        } else if closing.starts_with("**") {
            (word_end + 2, "**: ")
        } else {
            (word_end, "**: ")
        };
        return Some(Context::FieldLabel { range: TextRange::new(label_start, range_end), suffix });
    }

    // A bare word at the start of an otherwise empty line: `act` for a new Action.
    let typed = rest.trim_start();
    if prefix_len == 0
        && !typed.is_empty()
        && typed.len() == rest.len()
        && after.trim().is_empty()
        && "action".starts_with(&typed.to_ascii_lowercase())
    {
        return Some(Context::ActionSection { range: TextRange::new(start, end), level: None, keeps_marker: false });
    }
    None
}

/// Inside an ATX heading: a safety class after `(` in an Action heading, or
/// a new Action section on a heading that says no more than `Action`.
fn heading_context(
    text: &str,
    rest: &str,
    rest_start: usize,
    offset: usize,
    line_end: usize,
    after: &str,
) -> Option<Context> {
    let indent = rest.len() - rest.trim_start_matches(' ').len();
    if indent > 3 || rest_start + indent != line_start(text, offset) {
        return None;
    }
    let hashes = &rest[indent..];
    let level = hashes.len() - hashes.trim_start_matches('#').len();
    if !(1..=6).contains(&level) {
        return None;
    }
    let after_hashes = &hashes[level..];
    if !after_hashes.is_empty() && !after_hashes.starts_with([' ', '\t']) {
        return None;
    }
    let heading = after_hashes.trim_start();
    if heading.get(.."action".len()).is_some_and(|head| head.eq_ignore_ascii_case("action"))
        && let Some(open) = heading.rfind('(')
    {
        let word = &heading[open + 1..];
        if !heading[open..].contains(')') && word.chars().all(|c| c.is_ascii_alphabetic()) {
            let word_start = offset - word.len();
            let range = TextRange::new(word_start, extend_right(text, offset, line_end, |c| c.is_ascii_alphabetic()));
            return Some(Context::SafetyClass { range });
        }
    }
    let lower = heading.to_ascii_lowercase();
    if after.trim().is_empty() && "action".starts_with(lower.trim_end()) {
        let keeps_marker = !after_hashes.is_empty();
        let start = if keeps_marker { offset - heading.len() } else { line_start(text, offset) };
        let range = TextRange::new(start, line_end);
        return Some(Context::ActionSection { range, level: Some(level as u8), keeps_marker });
    }
    None
}

/// What a script line holds at its end.
enum LineState {
    Code,
    /// Inside a string opened at this offset of the line, with this quote.
    String(usize, char),
    Comment,
}

fn line_state(line: &str) -> LineState {
    let mut state = LineState::Code;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match state {
            LineState::Code => match c {
                '\'' | '"' | '`' => state = LineState::String(i, c),
                '/' if chars.peek().is_some_and(|&(_, next)| next == '/') => return LineState::Comment,
                _ => {}
            },
            LineState::String(_, quote) => match c {
                '\\' => {
                    chars.next();
                }
                _ if c == quote => state = LineState::Code,
                _ => {}
            },
            LineState::Comment => return LineState::Comment,
        }
    }
    state
}

/// Whether `text` ends with the keyword `word` (not as the end of a longer identifier).
fn ends_with_keyword(text: &str, word: &str) -> bool {
    text.strip_suffix(word).is_some_and(|head| !head.chars().next_back().is_some_and(is_ident_char))
}

fn script_context(
    text: &str,
    code_block: usize,
    content: TextRange,
    offset: usize,
    import_prefixes: &[String],
) -> Option<Context> {
    let start = line_start(text, offset).max(content.start);
    let end = line_end(text, offset).min(content.end.max(offset));
    let before = &text[start..offset];
    match line_state(before) {
        LineState::Comment => None,
        LineState::String(quote_at, quote) => {
            let head = before[..quote_at].trim_end();
            if quote == '`' || !(ends_with_keyword(head, "from") || ends_with_keyword(head, "import")) {
                return None;
            }
            let specifier_start = start + quote_at + 1;
            let specifier_end = extend_right(text, offset, end, |c| c != quote);
            specifier_context(text, specifier_start, specifier_end, offset, import_prefixes)
        }
        LineState::Code => named_import_context(text, content, offset)
            .or_else(|| call_site_context(text, code_block, start, end, offset)),
    }
}

fn specifier_context(
    text: &str,
    specifier_start: usize,
    specifier_end: usize,
    offset: usize,
    import_prefixes: &[String],
) -> Option<Context> {
    let typed = &text[specifier_start..offset];
    let mut prefixes: Vec<&String> = import_prefixes.iter().collect();
    prefixes.sort_by_key(|prefix| std::cmp::Reverse(prefix.len()));
    for prefix in &prefixes {
        let Some(rest) = typed.strip_prefix(prefix.as_str()) else { continue };
        let segment_start = specifier_start + prefix.len() + rest.rfind('/').map_or(0, |slash| slash + 1);
        let segment_end = extend_right(text, offset, specifier_end, |c| c != '/');
        let range = TextRange::new(segment_start, segment_end);
        return match rest.split_once('/') {
            None => Some(Context::KeyFolder { import_prefix: prefix.to_string(), range }),
            Some((folder, module)) if !module.contains('/') => {
                Some(Context::KeyModule { import_prefix: prefix.to_string(), folder: folder.to_string(), range })
            }
            Some(_) => None,
        };
    }
    prefixes
        .iter()
        .any(|prefix| prefix.starts_with(typed))
        .then(|| Context::ImportPrefix { range: TextRange::new(specifier_start, specifier_end) })
}

/// The start of the last `import` keyword that begins a statement in `code`.
fn last_import_keyword(code: &str) -> Option<usize> {
    let mut search_end = code.len();
    while let Some(at) = code[..search_end].rfind("import") {
        let before_ok = code[..at].trim_end_matches([' ', '\t']).chars().next_back().is_none_or(|c| {
            c == '\n' || c == '\r' || c == ';' || c == '>' // `> ` of a code block in a block quote
        });
        let after_ok = !code[at + "import".len()..].chars().next().is_some_and(is_ident_char);
        if before_ok && after_ok {
            return Some(at);
        }
        search_end = at;
    }
    None
}

fn named_import_context(text: &str, content: TextRange, offset: usize) -> Option<Context> {
    let code_before = &text[content.start..offset];
    let import_at = content.start + last_import_keyword(code_before)?;
    let statement = &text[import_at + "import".len()..offset];
    let open = statement.find('{')?;
    let in_braces = &statement[open + 1..];
    if in_braces.contains(['}', ';', '\'', '"', '`']) {
        return None;
    }
    let head = statement[..open].trim();
    let head = head.strip_prefix("type").map_or(head, str::trim_start);
    if !(head.is_empty() || head.ends_with(',')) {
        return None;
    }
    let braces_start = import_at + "import".len() + open + 1;
    let word_start = extend_left(text, offset, braces_start, is_ident_char);
    let word_end = extend_right(text, offset, content.end.max(offset), is_ident_char);
    // `b as c|`: the local name is the user's to choose.
    if ends_with_keyword(text[braces_start..word_start].trim_end(), "as") {
        return None;
    }
    // The rest of the statement: the closing brace and the specifier, if
    // written yet. Only names, commas and blanks may come before the brace;
    // anything else means the braces are still open and the text is other code.
    let after = &text[word_end..content.end.max(word_end)];
    let close = after
        .find(|c: char| !(is_ident_char(c) || c.is_whitespace() || c == ','))
        .filter(|&stop| after[stop..].starts_with('}'));
    let braces_end = close.map_or(word_end, |close| word_end + close);
    let mut imported: Vec<String> = Vec::new();
    for (part_start, part) in split_with_offsets(&text[braces_start..braces_end], ',', braces_start) {
        // The part being typed is not yet imported.
        if TextRange::new(part_start, part_start + part.len()).contains_range(TextRange::new(word_start, word_end)) {
            continue;
        }
        let part = part.trim();
        let part = part.strip_prefix("type ").map_or(part, str::trim_start);
        let name: String = part.chars().take_while(|&c| is_ident_char(c)).collect();
        if !name.is_empty() {
            imported.push(name);
        }
    }
    let specifier = close.and_then(|close| specifier_after_braces(&after[close + 1..]));
    Some(Context::ImportedName { specifier, imported, range: TextRange::new(word_start, word_end) })
}

/// `text` split at `separator`, each part with its offset (`base` added).
fn split_with_offsets(text: &str, separator: char, base: usize) -> Vec<(usize, &str)> {
    let mut parts = Vec::new();
    let mut part_start = 0;
    for (i, c) in text.char_indices() {
        if c == separator {
            parts.push((base + part_start, &text[part_start..i]));
            part_start = i + 1;
        }
    }
    parts.push((base + part_start, &text[part_start..]));
    parts
}

/// `from '<specifier>'` after the closing brace.
fn specifier_after_braces(after: &str) -> Option<String> {
    let rest = after.trim_start().strip_prefix("from")?.trim_start();
    let quote = rest.chars().next().filter(|&c| c == '\'' || c == '"')?;
    let inner = &rest[1..];
    let close = inner.find([quote, '\n', '\r'])?;
    Some(inner[..close].to_string())
}

fn call_site_context(text: &str, code_block: usize, start: usize, end: usize, offset: usize) -> Option<Context> {
    let word_start = extend_left(text, offset, start, is_ident_char);
    let word_end = extend_right(text, offset, end, is_ident_char);
    let before_word = text[start..word_start].trim_end();
    if before_word.ends_with('.') || text[word_start..offset].starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let line = before_word.trim_start();
    if line.starts_with("import") || line.starts_with("export") {
        return None;
    }
    if word_start == offset {
        // Nothing typed yet: only where a call would start an expression.
        let expression_start = before_word.is_empty()
            || ends_with_keyword(before_word, "await")
            || ends_with_keyword(before_word, "return")
            || before_word.ends_with(['=', '(', ',', ';', '{']);
        if !expression_start {
            return None;
        }
    }
    Some(Context::CallSite { code_block, range: TextRange::new(word_start, word_end) })
}
