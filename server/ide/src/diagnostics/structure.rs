//! The canonical runbook structure: ten sections, in the order an incident
//! unfolds (`missing-section`, `section-order`), for files matched by the
//! `runbooks` globs.

use runbook_syntax::{Heading, Runbook, TextRange};

use crate::{Diagnostic, DiagnosticCode};

/// The canonical sections in their order, with the heading people write.
pub const CANONICAL_SECTIONS: [&str; 10] = [
    "Scope",
    "When to Use This Runbook",
    "When NOT to Use This Runbook",
    "Immediate Safety Checks (First 2 Minutes)",
    "Diagnosis Flow",
    "Action Steps",
    "Verification",
    "Rollback / Escalation",
    "Evidence & Audit Notes",
    "Post-Incident Follow-Ups",
];

/// Which canonical section a heading is, from its usual words
/// ("When NOT to Use This Runbook", "Rollback / Escalation", …).
pub fn canonical_section(heading_text: &str) -> Option<usize> {
    let without_parenthetical = match heading_text.find('(') {
        Some(open) => &heading_text[..open],
        None => heading_text,
    };
    let words: Vec<String> = without_parenthetical
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect();
    let text = format!(" {} ", words.join(" "));
    let has = |phrase: &str| text.contains(&format!(" {phrase} "));
    let index = if has("when not to use") || has("when not") {
        2
    } else if has("when to use") {
        1
    } else if has("scope") {
        0
    } else if has("immediate safety") || has("safety checks") {
        3
    } else if has("diagnosis") || has("diagnostic flow") {
        4
    } else if has("action steps") || text == " actions " {
        5
    } else if has("rollback") || has("escalation") {
        7
    } else if has("verification") {
        6
    } else if has("evidence") || has("audit notes") {
        8
    } else if has("post incident") || has("follow ups") || has("follow up") || has("followups") {
        9
    } else {
        return None;
    };
    Some(index)
}

pub(super) fn check(runbook: &Runbook, text: &str, found: &mut Vec<Diagnostic>) {
    let Some(level) = section_level(&runbook.headings) else { return };
    // Each canonical section once, at its first heading, in document order.
    let mut present: Vec<(usize, &Heading)> = Vec::new();
    for heading in runbook.headings.iter().filter(|heading| heading.level == level) {
        if let Some(index) = canonical_section(heading.text(text))
            && !present.iter().any(|(seen, _)| *seen == index)
        {
            present.push((index, heading));
        }
    }
    let anchor = runbook.headings.first().map_or(TextRange::empty(0), |heading| heading.text_range);
    let marker = "#".repeat(level as usize);
    for (index, name) in CANONICAL_SECTIONS.iter().enumerate() {
        if present.iter().any(|(seen, _)| *seen == index) {
            continue;
        }
        let place = match index.checked_sub(1).map(|before| CANONICAL_SECTIONS[before]) {
            Some(before) => format!("after {before}"),
            None => "first".to_string(),
        };
        found.push(Diagnostic::new(
            DiagnosticCode::MissingSection,
            anchor,
            format!("this runbook has no `{marker} {name}` section (it comes {place})"),
        ));
    }
    // The sections that keep their order are the longest increasing run of
    // canonical indices; every other one is out of place.
    let indices: Vec<usize> = present.iter().map(|(index, _)| *index).collect();
    let in_order = longest_increasing(&indices);
    for (position, (index, heading)) in present.iter().enumerate() {
        if in_order.contains(&position) {
            continue;
        }
        let expected_after = CANONICAL_SECTIONS[..*index]
            .iter()
            .rev()
            .find(|name| present.iter().any(|(seen, _)| CANONICAL_SECTIONS[*seen] == **name));
        let hint = match expected_after {
            Some(before) => format!("it belongs after `{before}`"),
            None => "it belongs first".to_string(),
        };
        found.push(Diagnostic::new(
            DiagnosticCode::SectionOrder,
            heading.text_range,
            format!("`{}` is out of the canonical order: {hint}", heading.text(text)),
        ));
    }
}

/// The level of the canonical sections: `##` under a `#` title, else the
/// top level of the document.
fn section_level(headings: &[Heading]) -> Option<u8> {
    let top = headings.iter().map(|heading| heading.level).min()?;
    let n_top = headings.iter().filter(|heading| heading.level == top).count();
    if top == 1 && n_top == 1 && headings.iter().any(|heading| heading.level == 2) { Some(2) } else { Some(top) }
}

/// Positions of one longest strictly increasing subsequence.
fn longest_increasing(values: &[usize]) -> Vec<usize> {
    let n = values.len();
    let mut length = vec![1usize; n];
    let mut previous = vec![usize::MAX; n];
    for i in 0..n {
        for j in 0..i {
            if values[j] < values[i] && length[j] + 1 > length[i] {
                length[i] = length[j] + 1;
                previous[i] = j;
            }
        }
    }
    let Some(mut at) = (0..n).max_by_key(|&i| (length[i], std::cmp::Reverse(i))) else { return Vec::new() };
    let mut positions = vec![at];
    while previous[at] != usize::MAX {
        at = previous[at];
        positions.push(at);
    }
    positions
}
