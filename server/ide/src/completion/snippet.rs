//! The Action section snippet (title, safety, Preconditions, KEY, Location,
//! Side Effects from the manifest, Execution with the import and a dry-run
//! call, Manual Alternative, Verification, Rollback), and the snippet syntax
//! itself: escaping text into it, and turning a snippet into plain text for
//! editors that cannot expand snippets.

use runbook_keys::{Export, Key, KeyCatalog};
use runbook_syntax::SafetyClass;

use crate::hover::{key_title, same_statement};

/// `text` as literal snippet text on one line: `$`, `}` and `\` escaped.
pub(crate) fn escape_snippet(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, word) in text.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        for c in word.chars() {
            if matches!(c, '$' | '}' | '\\') {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// What a snippet inserts when no placeholder is edited: each placeholder's
/// default (a choice's first option), tab stops removed, escapes resolved.
pub fn snippet_to_plain_text(snippet: &str) -> String {
    let chars: Vec<char> = snippet.chars().collect();
    let mut out = String::with_capacity(snippet.len());
    plain_text_until(&chars, &mut 0, None, &mut out);
    out
}

/// Copies the plain text of `chars[*at..]` to `out` up to an unescaped
/// `stop` character (consumed), handling nested placeholders.
fn plain_text_until(chars: &[char], at: &mut usize, stop: Option<char>, out: &mut String) {
    while *at < chars.len() {
        let c = chars[*at];
        if Some(c) == stop {
            *at += 1;
            return;
        }
        match c {
            '\\' if *at + 1 < chars.len() && matches!(chars[*at + 1], '$' | '}' | '\\' | ',' | '|') => {
                out.push(chars[*at + 1]);
                *at += 2;
            }
            '$' if chars.get(*at + 1).is_some_and(char::is_ascii_digit) => {
                *at += 1;
                while chars.get(*at).is_some_and(char::is_ascii_digit) {
                    *at += 1;
                }
            }
            '$' if chars.get(*at + 1) == Some(&'{') => {
                *at += 2;
                while chars.get(*at).is_some_and(char::is_ascii_digit) {
                    *at += 1;
                }
                match chars.get(*at) {
                    Some(':') => {
                        *at += 1;
                        plain_text_until(chars, at, Some('}'), out);
                    }
                    Some('|') => {
                        *at += 1;
                        // The first option, up to an unescaped `,` or `|`.
                        while *at < chars.len() && !matches!(chars[*at], ',' | '|') {
                            if chars[*at] == '\\' && *at + 1 < chars.len() {
                                out.push(chars[*at + 1]);
                                *at += 2;
                            } else {
                                out.push(chars[*at]);
                                *at += 1;
                            }
                        }
                        // Skip the other options and the closing `|}`.
                        while *at < chars.len() && !(chars[*at] == '|' && chars.get(*at + 1) == Some(&'}')) {
                            *at += if chars[*at] == '\\' { 2 } else { 1 };
                        }
                        *at = (*at + 2).min(chars.len());
                    }
                    _ => {
                        // `${1}`: a bare tab stop.
                        while *at < chars.len() && chars[*at] != '}' {
                            *at += 1;
                        }
                        *at = (*at + 1).min(chars.len());
                    }
                }
            }
            _ => {
                out.push(c);
                *at += 1;
            }
        }
    }
}

/// Where the snippet goes: the Action number and heading level to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SnippetPlace {
    pub number: u32,
    pub level: u8,
}

/// A numbered snippet placeholder with default text.
struct Placeholders {
    next: u32,
}

impl Placeholders {
    fn text(&mut self, default: &str) -> String {
        let n = self.next;
        self.next += 1;
        format!("${{{n}:{}}}", escape_snippet(default))
    }
}

/// The title a new Action gets from its KEY: the manifest's, else the folder
/// name in words (`webhook-monitoring` → `Webhook Monitoring`).
fn action_title(key: &Key) -> String {
    match key_title(key) {
        Some(title) => crate::hover::markup::clip(title, crate::hover::markup::MAX_TEXT_BYTES).into_owned(),
        None => key
            .folder
            .split(['-', '_'])
            .filter(|word| !word.is_empty())
            .map(|word| {
                let mut chars = word.chars();
                chars.next().map(|first| first.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// The import specifier of a KEY's entry (`@/node-keys/x/src`), if its root has one.
pub(crate) fn entry_specifier(key: &Key, catalog: &KeyCatalog) -> Option<String> {
    let prefix = catalog.roots().get(key.root)?.import.as_deref()?;
    key.entry.as_ref()?;
    Some(format!("{prefix}{}/src", key.folder))
}

/// The function an Action most likely calls: the callable export whose name
/// shares the most words with the KEY's folder (`replayFailedWebhooks` for
/// `stripe-webhook-replay`), then the one as strict as the KEY, then by name.
fn main_callable(key: &Key) -> Option<&Export> {
    let words: Vec<String> =
        key.folder.split(['-', '_']).filter(|word| word.len() > 2).map(str::to_ascii_lowercase).collect();
    let declared = key.declared_safety();
    key.exports().iter().filter(|export| export.kind.is_callable()).min_by_key(|export| {
        let name = export.name.to_ascii_lowercase();
        let shared = words.iter().filter(|word| name.contains(word.as_str())).count();
        let as_strict = export.doc.as_ref().and_then(|doc| doc.safety_class) == declared && declared.is_some();
        (std::cmp::Reverse(shared), !as_strict, export.name.clone())
    })
}

/// The manifest's entries, then the JSDoc's that say something new (ignoring
/// case): at most `MAX_LIST_ITEMS` of each, each cut to `MAX_TEXT_BYTES`, so
/// that a huge manifest neither floods the snippet nor makes the comparison slow.
pub(crate) fn merged(manifest: &[String], jsdoc: &[String]) -> Vec<String> {
    use crate::hover::markup::{MAX_LIST_ITEMS, MAX_TEXT_BYTES, clip};
    let entry = |text: &String| clip(text, MAX_TEXT_BYTES).into_owned();
    let mut merged: Vec<String> = manifest.iter().take(MAX_LIST_ITEMS).map(entry).collect();
    for jsdoc_entry in jsdoc.iter().take(MAX_LIST_ITEMS) {
        let jsdoc_entry = entry(jsdoc_entry);
        if !merged.iter().any(|known| same_statement(known, &jsdoc_entry)) {
            merged.push(jsdoc_entry);
        }
    }
    merged
}

/// The whole Action section for `key`, as a snippet.
pub(crate) fn action_section(key: &Key, catalog: &KeyCatalog, place: SnippetPlace) -> String {
    let mut stops = Placeholders { next: 1 };
    let manifest = key.manifest.as_ref();
    let declared = key.declared_safety();
    // A plain placeholder, not a choice: Helix 25.01 renders a choice empty,
    // and `()` is no class (issue 12). The KEY's own class is the likely one;
    // without one, REVERSIBLE asks for a Rollback without claiming SAFE.
    let class = declared.unwrap_or(SafetyClass::Reversible);
    let callable = main_callable(key);

    let mut lines: Vec<String> = Vec::new();
    let hashes = "#".repeat(usize::from(place.level.clamp(1, 6)));
    let number = stops.text(&place.number.to_string());
    let title = stops.text(&action_title(key));
    let safety = stops.text(class.as_str());
    lines.push(format!("{hashes} Action {number}: {title} ({safety})"));
    lines.push(String::new());

    lines.push("**Preconditions**:".to_string());
    let doc = callable.and_then(|export| export.doc.as_ref());
    let preconditions = merged(
        manifest.map_or(&[][..], |manifest| &manifest.preconditions),
        doc.map_or(&[][..], |doc| &doc.preconditions),
    );
    match preconditions.split_first() {
        Some((first, others)) => {
            lines.push(format!("- {}", stops.text(first)));
            lines.extend(others.iter().map(|other| format!("- {}", escape_snippet(other))));
        }
        None => lines.push(format!("- {}", stops.text("What must be true before running"))),
    }
    lines.push(String::new());

    if class == SafetyClass::Irreversible {
        lines.push(format!("**Warning**: {}", stops.text("What cannot be undone")));
        lines.push(String::new());
    }

    lines.push("**Automated (Preferred)**:".to_string());
    lines.push(format!("- **KEY**: `{}`", key.slug));
    if let Some(entry) = key.entry.as_deref().and_then(|entry| catalog.relative_path(entry)) {
        lines.push(format!("- **Location**: `{}`", escape_snippet(&entry)));
    }
    lines.push("- **Side Effects**:".to_string());
    let effects = merged(
        manifest.map_or(&[][..], |manifest| &manifest.side_effects),
        doc.map_or(&[][..], |doc| &doc.side_effects),
    );
    if effects.is_empty() {
        let default = if declared == Some(SafetyClass::Safe) { "None (read-only)" } else { "What the KEY changes" };
        lines.push(format!("  - {}", stops.text(default)));
    } else {
        lines.extend(effects.iter().map(|effect| format!("  - {}", escape_snippet(effect))));
    }
    lines.push(String::new());

    match (callable, entry_specifier(key, catalog)) {
        (Some(export), Some(specifier)) => {
            lines.push("**Execution**:".to_string());
            lines.push("```typescript".to_string());
            let name = escape_snippet(&export.name);
            lines.push(format!("import {{ {name} \\}} from '{}';", escape_snippet(&specifier)));
            lines.push(String::new());
            lines.push(format!("await {name}({{ dryRun: true \\}});"));
            lines.push("```".to_string());
        }
        _ => lines.push(format!("**Execution**: {}", stops.text("How to run the KEY"))),
    }
    lines.push(String::new());

    lines.push(format!("**Manual Alternative (If Automation Fails)**: {}", stops.text("How to do it by hand")));
    lines.push(String::new());
    lines.push(format!("**Verification**: {}", stops.text("How to tell that it worked")));
    lines.push(String::new());
    let rollback = manifest
        .and_then(|manifest| manifest.rollback.clone())
        .or_else(|| callable.and_then(|export| export.doc.as_ref()?.rollback.clone()))
        .unwrap_or_else(|| "How to undo it".to_string());
    let rollback = crate::hover::markup::clip(&rollback, crate::hover::markup::MAX_TEXT_BYTES);
    lines.push(format!("**Rollback**: {}", stops.text(&rollback)));
    lines.push("$0".to_string());
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_of_snippets() {
        assert_eq!(
            snippet_to_plain_text(r"a ${1:one} $2 ${3|X,Y|} \$4 \} \\ ${5:nested ${6:in}} ${7}$0"),
            r"a one  X $4 } \ nested in "
        );
        assert_eq!(escape_snippet("costs $5 {a}\nnext \\"), r"costs \$5 {a\} next \\");
        assert_eq!(snippet_to_plain_text(&escape_snippet("costs $5 {a} \\")), r"costs $5 {a} \");
        // Unterminated placeholders end the text instead of panicking.
        assert_eq!(snippet_to_plain_text("${1:open"), "open");
        assert_eq!(snippet_to_plain_text("${2|a,b"), "a");
        assert_eq!(snippet_to_plain_text("$"), "$");
    }
}
