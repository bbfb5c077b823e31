//! Inserting missing fields into an Action: the canonical order of an
//! Action's fields says where each goes (after the last field that comes
//! before it, else before the first that comes after), its neighbour says
//! how it is written (a paragraph or a list item, the indentation, the
//! colon inside or outside the strong text), the document says which line
//! ending to use, and the KEY's manifest and the JSDoc of the functions the
//! Action calls say what it holds; else a `TODO:` placeholder to replace.

use runbook_keys::{Export, Key, KeyCatalog};
use runbook_syntax::{FieldContainer, FieldLabel, Runbook, SafetyClass, line_end, line_start};

use super::FixContext;
use crate::action_view::ActionView;
use crate::completion::snippet::merged;

/// The order of an Action's fields (the seed's complete example): what must
/// hold and what to beware of before anything runs, then what runs and what
/// it changes, how to run it, and how to check and undo it.
const CANONICAL_ORDER: [FieldLabel; 13] = [
    FieldLabel::Precondition,
    FieldLabel::Warning,
    FieldLabel::Action,
    FieldLabel::Automated,
    FieldLabel::Key,
    FieldLabel::Location,
    FieldLabel::SideEffects,
    FieldLabel::Safety,
    FieldLabel::Execution,
    FieldLabel::ManualAlternative,
    FieldLabel::Expected,
    FieldLabel::Verification,
    FieldLabel::Rollback,
];

/// Fields that join the list of an Action's KEY details when their
/// neighbour is in one (`- **KEY**: …`, `- **Side Effects**: …`, as the seed
/// writes them); the others are paragraphs of their own.
const LIST_FIELDS: [FieldLabel; 5] =
    [FieldLabel::Precondition, FieldLabel::Key, FieldLabel::Location, FieldLabel::SideEffects, FieldLabel::Safety];

fn rank(label: FieldLabel) -> usize {
    CANONICAL_ORDER.iter().position(|known| *known == label).unwrap_or(CANONICAL_ORDER.len())
}

/// What a field holds: one line after the label, or a list under it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    Inline(String),
    Items(Vec<String>),
}

/// Where a field goes: a line start (or the end of the text), and how it is written.
struct Placement {
    at: usize,
    /// `Some(prefix)` for a list item (`- `, `  * `), `None` for a paragraph.
    list_prefix: Option<String>,
    /// What starts a paragraph line there (empty, or a blockquote's `> `).
    paragraph_prefix: String,
    colon_inside: bool,
}

/// The insertions that add `labels` to the Action `action`: one per place,
/// several fields at the same place joined in canonical order.
pub(super) fn insertions(context: &FixContext<'_>, action: usize, labels: &[FieldLabel]) -> Vec<(usize, String)> {
    let runbook = context.parse.runbook();
    if action >= runbook.actions.len() {
        return Vec::new();
    }
    let text = context.parse.text();
    let view = ActionView::new(runbook, action);
    let eol = line_ending(text, view.action.heading_range.end);
    let sources = context.workspace.catalog.map(|catalog| Sources::of(&view, runbook, catalog));

    let mut labels: Vec<FieldLabel> = labels.iter().copied().filter(|label| !view.has_field(*label)).collect();
    labels.sort_by_key(|label| rank(*label));
    labels.dedup();
    let mut groups: Vec<(Placement, Vec<Block>)> = Vec::new();
    for label in labels {
        let placement = placement(text, &view, label);
        let value = value(label, sources.as_ref());
        let block = Block::new(label, &value, &placement);
        match groups.iter_mut().find(|(known, _)| known.at == placement.at) {
            Some((_, blocks)) => blocks.push(block),
            None => groups.push((placement, vec![block])),
        }
    }
    groups.into_iter().map(|(placement, blocks)| (placement.at, join(text, placement.at, &blocks, eol))).collect()
}

/// The line ending the document uses after `offset` (LF when there is none).
fn line_ending(text: &str, offset: usize) -> &'static str {
    let end = line_end(text, offset);
    if text[end..].starts_with("\r\n") {
        "\r\n"
    } else if text[end..].starts_with('\r') {
        "\r"
    } else {
        "\n"
    }
}

/// The start of the line after the one holding `offset`, or the end of the text.
fn line_after(text: &str, offset: usize) -> usize {
    let end = line_end(text, offset);
    let rest = &text[end..];
    end + if rest.starts_with("\r\n") {
        2
    } else if rest.starts_with(['\n', '\r']) {
        1
    } else {
        0
    }
}

fn placement(text: &str, view: &ActionView<'_>, label: FieldLabel) -> Placement {
    let labelled = || view.fields.iter().filter(|field| field.label.is_some());
    let before = labelled().rfind(|field| field.label.is_some_and(|other| rank(other) < rank(label)));
    let after = || labelled().find(|field| field.label.is_some_and(|other| rank(other) > rank(label)));
    let (at, anchor) = match before {
        Some(field) => (line_after(text, field.range.end), Some(field)),
        None => match after() {
            Some(field) => (line_start(text, field.range.start), Some(field)),
            // No field to go by: after the last text of the Action.
            None => {
                let own = &text[view.own_range.start..view.own_range.end];
                (line_after(text, view.own_range.start + own.trim_end().len()), None)
            }
        },
    };
    let Some(anchor) = anchor else {
        return Placement { at, list_prefix: None, paragraph_prefix: String::new(), colon_inside: false };
    };
    let prefix = &text[line_start(text, anchor.range.start)..anchor.range.start];
    let colon_inside = text[anchor.label_range.end..].starts_with(':');
    let is_list = anchor.container == FieldContainer::ListItem;
    let paragraph_prefix = if is_list { blockquote_prefix(prefix) } else { prefix.to_string() };
    let list_prefix = (is_list && LIST_FIELDS.contains(&label)).then(|| prefix.to_string());
    Placement { at, list_prefix, paragraph_prefix, colon_inside }
}

/// The `> ` markers of a line prefix, without its list marker.
fn blockquote_prefix(prefix: &str) -> String {
    match prefix.rfind('>') {
        Some(last) => format!("{} ", &prefix[..=last]),
        None => String::new(),
    }
}

/// The prefix of the lines that continue a list item: the marker becomes spaces.
fn continuation(prefix: &str) -> String {
    prefix.chars().map(|c| if c == '>' || c.is_whitespace() { c } else { ' ' }).collect()
}

/// One inserted field, as lines.
struct Block {
    lines: Vec<String>,
    is_list_item: bool,
}

impl Block {
    fn new(label: FieldLabel, value: &Value, placement: &Placement) -> Block {
        let strong = if placement.colon_inside {
            format!("**{}:**", label.display())
        } else {
            format!("**{}**:", label.display())
        };
        let (first_prefix, item_prefix) = match &placement.list_prefix {
            Some(prefix) => (prefix.clone(), continuation(prefix)),
            None => (placement.paragraph_prefix.clone(), placement.paragraph_prefix.clone()),
        };
        let mut lines = Vec::new();
        match value {
            Value::Inline(inline) => lines.push(format!("{first_prefix}{strong} {inline}")),
            Value::Items(items) => {
                lines.push(format!("{first_prefix}{strong}"));
                lines.extend(items.iter().map(|item| format!("{item_prefix}- {item}")));
            }
        }
        Block { lines, is_list_item: placement.list_prefix.is_some() }
    }
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// Whether a line is a field of a paragraph (`**Label**: …`), so that a
/// field between two of them keeps their one-per-line style.
fn is_field_line(line: &str) -> bool {
    line.trim_start_matches([' ', '\t', '>']).starts_with("**")
}

/// The text inserted at `at` for `blocks`: paragraphs get blank lines around
/// them where the neighbours need one, list items and one-per-line fields do not.
fn join(text: &str, at: usize, blocks: &[Block], eol: &str) -> String {
    let at_end_without_break = at == text.len() && !text.is_empty() && !text.ends_with(['\n', '\r']);
    // The line before `at`, without its line break.
    let previous_end = if text[..at].ends_with("\r\n") { at - 2 } else { at.saturating_sub(1) };
    let previous_line = if at == 0 { "" } else { &text[line_start(text, previous_end)..previous_end] };
    let next_line = &text[at..line_end(text, at)];
    let previous_blank = at == 0 || is_blank(previous_line) || at_end_without_break;
    let next_blank = at == text.len() || is_blank(next_line);
    let one_line_paragraphs = blocks.iter().all(|block| !block.is_list_item && block.lines.len() == 1);
    let tight = one_line_paragraphs
        && !previous_blank
        && !next_blank
        && is_field_line(previous_line)
        && is_field_line(next_line);

    let mut out = String::new();
    if at_end_without_break {
        out.push_str(eol);
    }
    let first_is_paragraph = !blocks[0].is_list_item;
    if first_is_paragraph && !previous_blank && !tight || at_end_without_break && first_is_paragraph {
        out.push_str(eol);
    }
    for (index, block) in blocks.iter().enumerate() {
        if index > 0 {
            let both_list = block.is_list_item && blocks[index - 1].is_list_item;
            out.push_str(eol);
            if !both_list && !tight {
                out.push_str(eol);
            }
        }
        out.push_str(&block.lines.join(eol));
    }
    out.push_str(eol);
    let last_is_paragraph = !blocks[blocks.len() - 1].is_list_item;
    if last_is_paragraph && !next_blank && !tight {
        out.push_str(eol);
    }
    out
}

/// What an Action runs, as far as the catalog knows: its KEYs and the
/// exports it calls (or imports, when it calls none).
struct Sources<'c> {
    keys: Vec<&'c Key>,
    exports: Vec<&'c Export>,
    /// The strictest class the Action's KEYs declare (what the safety rules compare with).
    declared: Option<SafetyClass>,
}

impl<'c> Sources<'c> {
    fn of(view: &ActionView<'_>, runbook: &Runbook, catalog: &'c KeyCatalog) -> Sources<'c> {
        let mut keys: Vec<&Key> = view.key(catalog).map(|action_key| action_key.key).into_iter().collect();
        let mut exports = Vec::new();
        for (offset, import) in view.imports.iter().enumerate() {
            let Some(key) = catalog.resolve_import(&import.specifier).entry() else { continue };
            if !keys.iter().any(|known| known.slug == key.slug) {
                keys.push(key);
            }
            let import_index = view.first_import + offset;
            let is_called =
                |name: usize| runbook.calls.iter().any(|call| call.import == import_index && call.name == name);
            let called: Vec<usize> = (0..import.names.len()).filter(|name| is_called(*name)).collect();
            let used = if called.is_empty() { (0..import.names.len()).collect() } else { called };
            exports.extend(used.into_iter().filter_map(|name| key.export(&import.names[name].name)));
        }
        let declared = crate::diagnostics::strictest_declared(view, catalog).map(|(class, _)| class);
        Sources { keys, exports, declared }
    }

    fn manifest_lists(&self, list: impl Fn(&runbook_keys::Manifest) -> &[String]) -> Vec<String> {
        self.keys.iter().filter_map(|key| key.manifest.as_ref()).flat_map(|manifest| list(manifest).to_vec()).collect()
    }

    fn jsdoc_lists(&self, list: impl Fn(&runbook_keys::JsDoc) -> &[String]) -> Vec<String> {
        self.exports.iter().filter_map(|export| export.doc.as_ref()).flat_map(|doc| list(doc).to_vec()).collect()
    }
}

/// The text of a manifest or JSDoc entry on one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn items_or(items: Vec<String>, placeholder: &str) -> Value {
    let mut items: Vec<String> = items.iter().map(|item| one_line(item)).filter(|item| !item.is_empty()).collect();
    items.dedup();
    match items.len() {
        0 => Value::Inline(placeholder.to_string()),
        1 => Value::Inline(items.remove(0)),
        _ => Value::Items(items),
    }
}

fn value(label: FieldLabel, sources: Option<&Sources<'_>>) -> Value {
    let placeholder = placeholder(label);
    let Some(sources) = sources else { return Value::Inline(placeholder.to_string()) };
    match label {
        FieldLabel::Precondition => items_or(
            merged(
                &sources.manifest_lists(|manifest| &manifest.preconditions),
                &sources.jsdoc_lists(|doc| &doc.preconditions),
            ),
            placeholder,
        ),
        FieldLabel::SideEffects => {
            let effects = merged(
                &sources.manifest_lists(|manifest| &manifest.side_effects),
                &sources.jsdoc_lists(|doc| &doc.side_effects),
            );
            let read_only = !sources.keys.is_empty()
                && sources.keys.iter().all(|key| key.declared_safety() == Some(SafetyClass::Safe));
            if effects.is_empty() && read_only {
                Value::Inline("None (read-only)".to_string())
            } else {
                items_or(effects, placeholder)
            }
        }
        FieldLabel::Safety => match sources.declared {
            Some(class) => Value::Inline(class.as_str().to_string()),
            None => Value::Inline(placeholder.to_string()),
        },
        FieldLabel::Rollback => {
            let from_manifest = sources.keys.iter().find_map(|key| key.manifest.as_ref()?.rollback.clone());
            let from_jsdoc = || sources.exports.iter().find_map(|export| export.doc.as_ref()?.rollback.clone());
            items_or(from_manifest.or_else(from_jsdoc).into_iter().collect(), placeholder)
        }
        _ => Value::Inline(placeholder.to_string()),
    }
}

/// What a field says until its author writes it: a `TODO:` that a search finds.
fn placeholder(label: FieldLabel) -> &'static str {
    match label {
        FieldLabel::Precondition => "TODO: say what must be true before it runs",
        FieldLabel::SideEffects => "TODO: say what the KEY changes",
        FieldLabel::Safety => "TODO: SAFE, REVERSIBLE or IRREVERSIBLE",
        FieldLabel::Rollback => "TODO: say how to undo it",
        FieldLabel::Warning => "TODO: say what cannot be undone",
        FieldLabel::ManualAlternative => "TODO: say how to do it by hand when the automation fails",
        _ => "TODO",
    }
}
