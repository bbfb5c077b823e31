//! Heading text read as an Action or a Step: `Action <n>[:.-] <title>
//! [(<SAFETY>[ - note])]`, and which parenthetical words are meant as a
//! safety class.

use std::sync::Arc;

use super::first_word;
use crate::model::*;
use crate::{SafetyClass, TextRange};

pub(super) struct NumberedHeading {
    pub(super) number: u32,
    pub(super) title: Arc<str>,
    pub(super) safety: Option<Word>,
}

/// `Action <n>[:.-] <title> [(<SAFETY>[ - note])]`, and the same for `Step`.
pub(super) fn parse_numbered_heading(text: &str, heading: &Heading, keyword: &str) -> Option<NumberedHeading> {
    let heading_text = heading.text(text);
    let head = heading_text.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = &heading_text[keyword.len()..];
    let after_keyword = rest.trim_start();
    if after_keyword.len() == rest.len() {
        return None; // `Actions`, `Actionable`: not `Action <n>`.
    }
    let digits = after_keyword.len() - after_keyword.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return None;
    }
    let number = after_keyword[..digits].parse().ok()?;
    let after_number = &after_keyword[digits..];
    let title = after_number.trim_start();
    let title = title.strip_prefix([':', '.', '-', '–', '—']).unwrap_or(title);
    if !after_number.is_empty() && title.len() == after_number.len() && !after_number.starts_with(char::is_whitespace) {
        return None; // `Action 1b`: not a number followed by a title.
    }
    let lead = title.len() - title.trim_start().len();
    let title_start = heading.text_range.start + heading_text.len() - title.len() + lead;
    let title_text = title.trim();
    let mut title = title_text;
    let mut safety = None;
    if title_text.ends_with(')')
        && let Some(open) = matching_open_paren(title_text)
    {
        let inner = TextRange::new(title_start + open + 1, title_start + title_text.len() - 1);
        let inner_text = text[inner.as_range()].trim();
        let word = first_word(text, inner).filter(|word| is_safety_candidate(word, inner_text));
        if word.is_some() {
            title = title_text[..open].trim_end();
        }
        safety = word;
    }
    Some(NumberedHeading { number, title: Arc::from(title), safety })
}

/// Whether the first word of a heading's parenthetical is meant as a safety
/// class: it is one, or it is close to one and written like one (in capitals,
/// or alone, or before ` - note`). `(Save to S3)` is a title, `(REVERSABLE)` a typo.
fn is_safety_candidate(word: &Word, parenthetical: &str) -> bool {
    if word.safety_class().is_some() {
        return true;
    }
    if SafetyClass::closest(&word.text).is_none() {
        return false;
    }
    let after = parenthetical[word.text.len().min(parenthetical.len())..].trim_start();
    let is_upper = word.text.chars().all(|c| !c.is_lowercase());
    is_upper || after.is_empty() || after.starts_with(['-', '–', '—', ':', ','])
}

fn matching_open_paren(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (offset, c) in text.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(offset);
                }
            }
            _ => {}
        }
    }
    None
}
