//! Inlay hints (SPEC 4, presentation): after the first reference to each KEY
//! in an Action, what the KEY declares that the Action does not say: its
//! safety class when the Action states none or a weaker one, and how many
//! of its side effects the Action's Side Effects field does not mention.
//! Off when the `inlay-hints` setting is false.

use runbook_keys::{Key, KeyCatalog};
use runbook_syntax::{FieldLabel, Parse, SafetyClass, TextRange};

use crate::IdeConfig;
use crate::action_view::ActionView;
use crate::classify::is_key_reference;
use crate::hover::markup::{code, escape};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlayHint {
    /// Where the hint goes: right after the KEY reference's code span.
    pub offset: usize,
    pub label: String,
    pub kind: InlayHintKind,
    /// Markdown.
    pub tooltip: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InlayHintKind {
    /// The class the KEY declares, stricter than the Action's.
    DeclaredSafety(SafetyClass),
    /// How many side effects the KEY declares that the Action does not list.
    UnlistedSideEffects(usize),
}

/// The hints of a runbook whose offset lies in `range` (all with `None`),
/// in document order. Needs the catalog: without it nothing is declared.
pub(crate) fn inlay_hints(
    parse: &Parse,
    range: Option<TextRange>,
    catalog: &KeyCatalog,
    config: &IdeConfig,
) -> Vec<InlayHint> {
    if !config.inlay_hints {
        return Vec::new();
    }
    let runbook = parse.runbook();
    let mut hints = Vec::new();
    for view in ActionView::all(runbook) {
        if range.is_some_and(|range| view.own_range.end < range.start || range.end < view.own_range.start) {
            continue;
        }
        let listed =
            view.field(FieldLabel::SideEffects).map(|field| listed_items(&parse.text()[field.value_range.as_range()]));
        let mut seen: Vec<&str> = Vec::new();
        for key_ref in view.key_refs.iter().filter(|key_ref| is_key_reference(key_ref, config, Some(catalog))) {
            let Some(key) = catalog.key(&key_ref.slug) else { continue };
            if seen.contains(&key.slug.as_str()) {
                continue;
            }
            seen.push(&key.slug);
            let offset = key_ref.span_range.end;
            if range.is_some_and(|range| !range.touches(offset)) {
                continue;
            }
            hints.extend(declared_safety(&view, key, offset));
            hints.extend(unlisted_side_effects(&view, key, listed.as_deref(), offset));
        }
    }
    hints
}

fn declared_safety(view: &ActionView<'_>, key: &Key, offset: usize) -> Option<InlayHint> {
    let declared = key.declared_safety()?;
    let effective = view.effective_class();
    if effective >= Some(declared) {
        return None;
    }
    let states = match effective {
        Some(class) => format!("states **{class}**"),
        None => "states no safety class".to_string(),
    };
    Some(InlayHint {
        offset,
        label: format!("declares {declared}"),
        kind: InlayHintKind::DeclaredSafety(declared),
        tooltip: format!("KEY {} declares **{declared}**; Action {} {states}.", code(&key.slug), view.action.number),
    })
}

fn unlisted_side_effects(
    view: &ActionView<'_>,
    key: &Key,
    listed: Option<&[String]>,
    offset: usize,
) -> Option<InlayHint> {
    let declared = declared_side_effects(key);
    let unlisted: Vec<&String> = declared
        .iter()
        .filter(|effect| !listed.unwrap_or_default().iter().any(|item| mentions(item, effect)))
        .collect();
    if unlisted.is_empty() {
        return None;
    }
    let n = unlisted.len();
    let where_ = if listed.is_some() {
        "its **Side Effects** field does not mention"
    } else {
        "it has no **Side Effects** field"
    };
    let mut tooltip = format!(
        "KEY {} declares {n} side effect{} that Action {} does not list ({where_}):",
        code(&key.slug),
        if n == 1 { "" } else { "s" },
        view.action.number
    );
    for effect in &unlisted {
        tooltip.push_str(&format!("\n- {}", escape(effect)));
    }
    Some(InlayHint {
        offset,
        label: format!("{n} side effect{} not listed", if n == 1 { "" } else { "s" }),
        kind: InlayHintKind::UnlistedSideEffects(n),
        tooltip,
    })
}

/// The KEY's side effects: its manifest's, then the `@sideEffect`s of its
/// exports that say something else, as hover lists them.
fn declared_side_effects(key: &Key) -> Vec<String> {
    let mut effects: Vec<String> =
        key.manifest.as_ref().map(|manifest| manifest.side_effects.clone()).unwrap_or_default();
    for export in key.exports() {
        for effect in export.doc.iter().flat_map(|doc| &doc.side_effects) {
            if !effects.iter().any(|known| known.eq_ignore_ascii_case(effect)) {
                effects.push(effect.clone());
            }
        }
    }
    effects
}

/// The items of a Side Effects value: its lines (list markers dropped) and
/// the parts of a line separated by `;`.
fn listed_items(value: &str) -> Vec<String> {
    value
        .lines()
        .flat_map(|line| line.split(';'))
        .map(|item| item.trim().trim_start_matches(['-', '*', '+']).trim().to_string())
        .filter(|item| !item.is_empty())
        .collect()
}

/// Words too common to tell one side effect from another.
const STOP_WORDS: [&str; 16] = [
    "the", "and", "with", "from", "for", "into", "that", "this", "its", "are", "was", "all", "any", "via", "per",
    "each",
];

/// The words of a side effect that carry its meaning: lowercase, three
/// letters or more, stop words left out.
fn significant_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|word| word.chars().count() >= 3)
        .map(str::to_lowercase)
        .filter(|word| !STOP_WORDS.contains(&word.as_str()))
        .collect()
}

/// Whether a listed item mentions a declared side effect: it holds at least
/// half of the effect's significant words (`Restarts the service` mentions
/// `Restarts the application service`). Authors paraphrase; an exact match
/// would flag nearly every hand-written list.
fn mentions(item: &str, effect: &str) -> bool {
    let wanted = significant_words(effect);
    if wanted.is_empty() {
        return item.trim().eq_ignore_ascii_case(effect.trim());
    }
    let have = significant_words(item);
    let found = wanted.iter().filter(|word| have.contains(word)).count();
    found > 0 && found * 2 >= wanted.len()
}

#[cfg(test)]
mod tests;
