//! Reading a `/** … */` comment into a `JsDoc`: the summary and the tags SPEC 1
//! names (`@param`, `@returns`, `@safety`, `@sideEffect`, `@precondition`,
//! `@rollback`).

use runbook_syntax::SafetyClass;

use crate::JsDoc;

/// The JSDoc of a comment's text, or `None` when it is not a `/** */` comment
/// or says nothing.
pub(crate) fn parse_jsdoc(comment: &str) -> Option<JsDoc> {
    // `/**/` is an empty block comment, not documentation: it has no `/**` and `*/` apart.
    let body = comment.strip_prefix("/**")?.strip_suffix("*/")?;
    let mut doc = JsDoc::default();
    let mut summary_lines: Vec<&str> = Vec::new();
    let mut tag: Option<(String, String)> = None;
    let mut in_fence = false;
    for raw_line in body.lines() {
        let line = strip_leading_star(raw_line);
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            in_fence = !in_fence;
        }
        // An `@` inside a fenced example (`@decorator`) does not start a tag.
        let tag_start = (!in_fence).then(|| tag_name(trimmed)).flatten();
        if let Some(name) = tag_start {
            if let Some((name, text)) = tag.take() {
                apply_tag(&mut doc, &name, text.trim());
            }
            tag = Some((name.to_string(), trimmed[1 + name.len()..].trim().to_string()));
        } else if let Some((_, text)) = &mut tag {
            if !trimmed.is_empty() {
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(trimmed.trim_end());
            }
        } else {
            summary_lines.push(line.trim_end());
        }
    }
    if let Some((name, text)) = tag.take() {
        apply_tag(&mut doc, &name, text.trim());
    }
    doc.summary = summary_lines.join("\n").trim().to_string();
    (doc != JsDoc::default()).then_some(doc)
}

/// A line of the comment without its leading ` * ` decoration.
fn strip_leading_star(line: &str) -> &str {
    let trimmed = line.trim_start();
    match trimmed.strip_prefix('*') {
        Some(rest) => rest.strip_prefix(' ').unwrap_or(rest),
        None => trimmed,
    }
}

/// The tag name when `line` starts a block tag (`@param …`).
fn tag_name(line: &str) -> Option<&str> {
    let rest = line.strip_prefix('@')?;
    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')).unwrap_or(rest.len());
    (end > 0 && rest.starts_with(|c: char| c.is_ascii_alphabetic())).then(|| &rest[..end])
}

fn apply_tag(doc: &mut JsDoc, name: &str, text: &str) {
    let name = name.to_ascii_lowercase().replace(['-', '_'], "");
    match name.as_str() {
        "param" | "arg" | "argument" => {
            if let Some(param) = parse_param(text) {
                doc.params.push(param);
            }
        }
        "returns" | "return" => doc.returns = Some(strip_dash(skip_type(text)).to_string()),
        "safety" => {
            let class_word = text.split(|c: char| !c.is_ascii_alphabetic()).next().unwrap_or("");
            doc.safety_class = SafetyClass::parse(class_word);
            doc.safety = Some(text.to_string());
        }
        "sideeffect" | "sideeffects" => doc.side_effects.push(text.to_string()),
        "precondition" | "preconditions" => doc.preconditions.push(text.to_string()),
        "rollback" => doc.rollback = Some(text.to_string()),
        _ => {}
    }
}

/// `name - text`, `{T} name text`, `[name] text` or `[name=default] - text`.
fn parse_param(text: &str) -> Option<(String, String)> {
    let rest = skip_type(text);
    let (name, rest) = if let Some(optional) = rest.strip_prefix('[') {
        let close = optional.find(']')?;
        let name = optional[..close].split('=').next().unwrap_or("").trim();
        (name, &optional[close + 1..])
    } else {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        (&rest[..end], &rest[end..])
    };
    if name.is_empty() {
        return None;
    }
    Some((name.to_string(), strip_dash(rest).to_string()))
}

/// The text after a leading `{Type}` (braces may nest: `{{ a: string }}`).
fn skip_type(text: &str) -> &str {
    let text = text.trim_start();
    if !text.starts_with('{') {
        return text;
    }
    let mut depth = 0usize;
    for (offset, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return text[offset + 1..].trim_start();
                }
            }
            _ => {}
        }
    }
    // An unclosed type swallows the rest: there is no name or text to find.
    ""
}

fn strip_dash(text: &str) -> &str {
    let text = text.trim();
    text.strip_prefix('-').map_or(text, str::trim_start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        let doc = parse_jsdoc(
            "/**\n * Rotates the secret.\n * Second line.\n *\n * @param {string} id the id\n * @param [force=false] - skip checks\n * @param options - Options,\n *   continued here\n * @returns {Promise<void>} - nothing\n * @safety reversible: keeps the old one\n * @sideEffect writes A\n * @sideEffect writes B\n * @precondition A exists\n * @rollback restore A\n * @example\n * ```ts\n * @decorator\n * ```\n */",
        )
        .unwrap();
        assert_eq!(doc.summary, "Rotates the secret.\nSecond line.");
        assert_eq!(
            doc.params,
            vec![
                ("id".to_string(), "the id".to_string()),
                ("force".to_string(), "skip checks".to_string()),
                ("options".to_string(), "Options, continued here".to_string()),
            ]
        );
        assert_eq!(doc.returns.as_deref(), Some("nothing"));
        assert_eq!(doc.safety.as_deref(), Some("reversible: keeps the old one"));
        assert_eq!(doc.safety_class, Some(SafetyClass::Reversible));
        assert_eq!(doc.side_effects, vec!["writes A", "writes B"]);
        assert_eq!(doc.preconditions, vec!["A exists"]);
        assert_eq!(doc.rollback.as_deref(), Some("restore A"));
        assert_eq!(parse_jsdoc("/* plain */"), None);
        assert_eq!(parse_jsdoc("/**/"), None);
        assert_eq!(parse_jsdoc("/** */"), None);
        assert_eq!(parse_jsdoc("/** One line. */").unwrap().summary, "One line.");
    }
}
