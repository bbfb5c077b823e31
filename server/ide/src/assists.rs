//! Code actions (SPEC 4) as plain data: the quick fixes of the findings at a
//! place, the source action that fills in every missing field of an Action,
//! and fix-all (every unattended fix of a file, again until nothing changes),
//! each found again by its `AssistId` and given its edits only when asked
//! (rust-analyzer's `Assist` and `AssistResolveStrategy`).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use runbook_syntax::{FieldLabel, LineIndex, TextRange};
use serde::{Deserialize, Serialize};

use crate::fixes::{self, FixContext, Recipe};
use crate::{Analysis, Diagnostic, DiagnosticCode, SourceChange, TextEdit};

/// What an assist is, as editors group them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AssistKind {
    /// Fixes one finding (`quickfix`).
    QuickFix,
    /// Changes the file beyond one finding, on request (`source`).
    Source,
    /// Every unattended fix of the file (`source.fixAll`).
    FixAll,
}

/// Which assist: enough to find it again in the same version of the file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AssistId {
    /// The code of the finding it fixes, or `fill-action`, or `fix-all`.
    pub name: String,
    /// The range of the finding (of the Action heading's text for `fill-action`).
    pub start: usize,
    pub end: usize,
    /// Which finding of that code at that range (pack.json entries share one).
    pub nth: usize,
    /// Which of the finding's fixes.
    pub fix: usize,
}

const FILL_ACTION: &str = "fill-action";
const FIX_ALL: &str = "fix-all";

#[derive(Debug, Clone, PartialEq)]
pub struct Assist {
    pub id: AssistId,
    pub label: String,
    pub kind: AssistKind,
    pub is_preferred: bool,
    /// Whether it may be applied without a person choosing (see `Fix::unattended`).
    pub unattended: bool,
    /// The finding a quick fix is for.
    pub diagnostic: Option<Diagnostic>,
    /// The edits; `None` until resolved.
    pub source_change: Option<SourceChange>,
}

/// What an editor asks for.
#[derive(Debug, Clone, Default)]
pub struct AssistQuery {
    /// The selection (or the cursor, as an empty range).
    pub range: TextRange,
    /// Findings the editor says are at the selection (LSP
    /// `context.diagnostics`): their fixes are offered even when the
    /// selection does not touch them (Neovim asks at the cursor, with the
    /// findings of its line).
    pub diagnostics: Vec<(DiagnosticCode, TextRange)>,
    /// Only assists of these kinds; `None` for every kind.
    pub kinds: Option<Vec<AssistKind>>,
    /// Build the edits now, for editors that cannot ask for them later.
    pub resolve: bool,
}

/// What fix-all did: the one change to apply, and the fixes it is made of.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FixAll {
    pub source_change: SourceChange,
    /// The code and label of every fix applied, in the order they were.
    pub fixed: Vec<(DiagnosticCode, String)>,
}

/// Passes of fix-all: a fix can make another finding fixable (a KEY slug
/// corrected, its Location can be set to the KEY's entry).
const MAX_FIX_ALL_PASSES: usize = 8;

fn wants(query: &AssistQuery, kind: AssistKind) -> bool {
    query.kinds.as_ref().is_none_or(|kinds| kinds.contains(&kind))
}

fn context<'a>(
    path: &'a Path,
    parse: &'a runbook_syntax::Parse,
    workspace: &'a crate::Workspace<'a>,
) -> FixContext<'a> {
    FixContext { path, parse, workspace }
}

/// The assists for `query` in the runbook at `path`.
pub(crate) fn assists(analysis: &Analysis, path: &Path, query: &AssistQuery) -> Vec<Assist> {
    let Some(parse) = analysis.parse(path) else { return Vec::new() };
    // The findings this query can offer fixes for: those of the Actions at
    // the selection or at a finding the editor names, and every one outside
    // Actions.
    let near: Vec<TextRange> =
        std::iter::once(query.range).chain(query.diagnostics.iter().map(|(_, range)| *range)).collect();
    let diagnostics = analysis.diagnostics_near(path, &near);
    let workspace = analysis.workspace();
    let context = context(path, &parse, &workspace);
    let build = |recipes: Vec<&Recipe>| query.resolve.then(|| fixes::source_change(&context, recipes));
    let mut assists = Vec::new();

    if wants(query, AssistKind::QuickFix) {
        for (diagnostic, nth) in with_nth(&diagnostics) {
            let asked = diagnostic.range.touches_range(query.range)
                || query.diagnostics.iter().any(|(code, range)| *code == diagnostic.code && *range == diagnostic.range);
            if !asked {
                continue;
            }
            for (index, fix) in diagnostic.fixes.iter().enumerate() {
                assists.push(Assist {
                    id: diagnostic_id(diagnostic, nth, index),
                    label: fix.label.clone(),
                    kind: AssistKind::QuickFix,
                    is_preferred: fix.is_preferred,
                    unattended: fix.unattended,
                    diagnostic: Some(diagnostic.clone()),
                    source_change: build(vec![&fix.recipe]),
                });
            }
        }
    }

    if wants(query, AssistKind::Source) {
        let runbook = parse.runbook();
        for (index, action) in runbook.actions.iter().enumerate() {
            let heading_line = runbook.headings[runbook.sections[action.section].heading].range;
            if !heading_line.touches_range(query.range) {
                continue;
            }
            let labels = missing_fields(&diagnostics, index);
            if labels.is_empty() {
                continue;
            }
            let recipe = Recipe::InsertFields { action: index, labels };
            assists.push(Assist {
                id: AssistId {
                    name: FILL_ACTION.to_string(),
                    start: action.heading_range.start,
                    end: action.heading_range.end,
                    nth: 0,
                    fix: 0,
                },
                label: format!("Fill in every missing field of Action {}", action.number),
                kind: AssistKind::Source,
                is_preferred: false,
                unattended: false,
                diagnostic: None,
                source_change: build(vec![&recipe]),
            });
        }
    }

    let unattended = |diagnostics: &[Diagnostic]| {
        diagnostics.iter().flat_map(|diagnostic| &diagnostic.fixes).any(|fix| fix.unattended)
    };
    // Fix-all is offered anywhere in a file with a fix it would apply.
    if wants(query, AssistKind::FixAll) && (unattended(&diagnostics) || unattended(&analysis.diagnostics(path))) {
        assists.push(Assist {
            id: AssistId { name: FIX_ALL.to_string(), start: 0, end: 0, nth: 0, fix: 0 },
            label: "Apply every unambiguous fix in this file".to_string(),
            kind: AssistKind::FixAll,
            is_preferred: false,
            unattended: true,
            diagnostic: None,
            source_change: query.resolve.then(|| fix_all(analysis, path).source_change),
        });
    }
    assists
}

/// Each diagnostic with its rank among those of the same code and range.
fn with_nth(diagnostics: &[Diagnostic]) -> impl Iterator<Item = (&Diagnostic, usize)> {
    let mut seen: HashMap<(DiagnosticCode, TextRange), usize> = HashMap::new();
    diagnostics.iter().map(move |diagnostic| {
        let count = seen.entry((diagnostic.code, diagnostic.range)).or_default();
        *count += 1;
        (diagnostic, *count - 1)
    })
}

fn diagnostic_id(diagnostic: &Diagnostic, nth: usize, fix: usize) -> AssistId {
    AssistId {
        name: diagnostic.code.as_str().to_string(),
        start: diagnostic.range.start,
        end: diagnostic.range.end,
        nth,
        fix,
    }
}

/// The fields the findings about Action `action` ask for (their insertion fixes).
fn missing_fields(diagnostics: &[Diagnostic], action: usize) -> Vec<FieldLabel> {
    let mut labels = Vec::new();
    for fix in diagnostics.iter().flat_map(|diagnostic| &diagnostic.fixes) {
        if let Recipe::InsertFields { action: fix_action, labels: fix_labels } = &fix.recipe
            && *fix_action == action
        {
            for label in fix_labels {
                if !labels.contains(label) {
                    labels.push(*label);
                }
            }
        }
    }
    labels
}

/// The assist `id` names, with its edits; `None` when the file no longer
/// has it (it changed since the assist was offered).
pub(crate) fn resolve(analysis: &Analysis, path: &Path, id: &AssistId) -> Option<Assist> {
    let range = TextRange::new(id.start, id.end.max(id.start));
    let kinds = match id.name.as_str() {
        FIX_ALL => AssistKind::FixAll,
        FILL_ACTION => AssistKind::Source,
        _ => AssistKind::QuickFix,
    };
    let query = AssistQuery { range, diagnostics: Vec::new(), kinds: Some(vec![kinds]), resolve: false };
    let assist = assists(analysis, path, &query).into_iter().find(|assist| assist.id == *id)?;
    let source_change = match kinds {
        AssistKind::FixAll => fix_all(analysis, path).source_change,
        AssistKind::Source => {
            let parse = analysis.parse(path)?;
            let action = parse.runbook().actions.iter().position(|action| action.heading_range == range)?;
            let labels = missing_fields(&analysis.diagnostics_near(path, &[range]), action);
            let workspace = analysis.workspace();
            fixes::source_change(&context(path, &parse, &workspace), [&Recipe::InsertFields { action, labels }])
        }
        AssistKind::QuickFix => {
            let diagnostic = assist.diagnostic.as_ref()?;
            let parse = analysis.parse(path)?;
            let workspace = analysis.workspace();
            fixes::source_change(&context(path, &parse, &workspace), [&diagnostic.fixes.get(id.fix)?.recipe])
        }
    };
    Some(Assist { source_change: Some(source_change), ..assist })
}

/// Every unattended fix of the runbook at `path`, applied, then again on
/// the result until nothing changes, as one change of the original text.
pub(crate) fn fix_all(analysis: &Analysis, path: &Path) -> FixAll {
    let mut current = analysis.clone();
    let mut originals: BTreeMap<PathBuf, String> = BTreeMap::new();
    // Per file: the edits so far, in the coordinates of its original text.
    let mut composed: BTreeMap<PathBuf, Vec<(TextRange, String)>> = BTreeMap::new();
    let mut fixed = Vec::new();
    for _ in 0..MAX_FIX_ALL_PASSES {
        let Some(parse) = current.parse(path) else { break };
        let diagnostics = current.diagnostics(path);
        let chosen: Vec<(&Diagnostic, &fixes::Fix)> = diagnostics
            .iter()
            .filter_map(|diagnostic| Some((diagnostic, diagnostic.fixes.iter().find(|fix| fix.unattended)?)))
            .collect();
        if chosen.is_empty() {
            break;
        }
        let workspace = current.workspace();
        let change =
            fixes::source_change(&context(path, &parse, &workspace), chosen.iter().map(|(_, fix)| &fix.recipe));
        let mut texts = Vec::new();
        for (file, edits) in &change.edits {
            let Some(before) = current.file_text(file) else { continue };
            let after = change.apply(file, &before);
            if after == before {
                continue;
            }
            originals.entry(file.clone()).or_insert_with(|| before.clone());
            let next: Vec<(TextRange, String)> =
                edits.iter().map(|edit| (edit.range.range, edit.new_text.clone())).collect();
            let base = composed.entry(file.clone()).or_default();
            *base = compose(base, &before, &next);
            texts.push((file.clone(), after));
        }
        if texts.is_empty() {
            break;
        }
        fixed.extend(chosen.iter().map(|(diagnostic, fix)| (diagnostic.code, fix.label.clone())));
        drop(parse);
        current = current.with_file_texts(texts);
    }
    let mut source_change = SourceChange::default();
    for (file, edits) in composed {
        let original = &originals[&file];
        let line_index = LineIndex::new(original);
        for (range, new_text) in edits {
            let range = line_index.source_range(original, range);
            source_change.insert(file.clone(), TextEdit { range, new_text });
        }
    }
    FixAll { source_change, fixed }
}

/// Edits of an original text `base` (sorted, disjoint), followed by edits
/// `next` of the text they produce (`current`), as edits of the original.
/// Every stretch where edits of either touch becomes one edit.
fn compose(base: &[(TextRange, String)], current: &str, next: &[(TextRange, String)]) -> Vec<(TextRange, String)> {
    // Where each base edit's text lies in `current`.
    let mut spans = Vec::with_capacity(base.len());
    let mut shift: isize = 0;
    for (range, text) in base {
        let start = (range.start as isize + shift) as usize;
        spans.push(TextRange::new(start, start + text.len()));
        shift += text.len() as isize - range.len() as isize;
    }
    // The original offset of a `current` offset outside every base edit's text.
    let original = |offset: usize| -> usize {
        let before: isize = base
            .iter()
            .zip(&spans)
            .take_while(|(_, span)| span.end <= offset)
            .map(|((range, text), _)| text.len() as isize - range.len() as isize)
            .sum();
        (offset as isize - before) as usize
    };
    // Intervals of `current`, base texts and next ranges, grouped where they touch.
    let mut intervals: Vec<(TextRange, Option<usize>, Option<usize>)> = spans
        .iter()
        .enumerate()
        .map(|(index, span)| (*span, Some(index), None))
        .chain(next.iter().enumerate().map(|(index, (range, _))| (*range, None, Some(index))))
        .collect();
    intervals.sort_by_key(|(range, base_index, _)| (range.start, base_index.is_none()));
    let mut out = Vec::new();
    let mut index = 0;
    while index < intervals.len() {
        let mut group = intervals[index].0;
        let mut bases = Vec::new();
        let mut nexts = Vec::new();
        while index < intervals.len() && (bases.is_empty() && nexts.is_empty() || intervals[index].0.start <= group.end)
        {
            let (range, base_index, next_index) = intervals[index];
            group = group.cover(range);
            bases.extend(base_index);
            nexts.extend(next_index);
            index += 1;
        }
        if nexts.is_empty() {
            out.extend(bases.iter().map(|&base_index| base[base_index].clone()));
            continue;
        }
        let start = match bases.first() {
            Some(&first) if spans[first].start == group.start => base[first].0.start,
            _ => original(group.start),
        };
        let end = match bases.iter().max_by_key(|&&base_index| spans[base_index].end) {
            Some(&last) if spans[last].end == group.end => base[last].0.end,
            _ => original(group.end),
        };
        let mut text = String::new();
        let mut at = group.start;
        nexts.sort_by_key(|&next_index| next[next_index].0.start);
        for next_index in nexts {
            let (range, new_text) = &next[next_index];
            text.push_str(&current[at..range.start]);
            text.push_str(new_text);
            at = range.end;
        }
        text.push_str(&current[at..group.end]);
        out.push((TextRange::new(start, end), text));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(text: &str, edits: &[(TextRange, String)]) -> String {
        let mut out = text.to_string();
        for (range, new_text) in edits.iter().rev() {
            out.replace_range(range.as_range(), new_text);
        }
        out
    }

    type Edits = Vec<(TextRange, String)>;

    fn edit(start: usize, end: usize, text: &str) -> (TextRange, String) {
        (TextRange::new(start, end), text.to_string())
    }

    #[test]
    fn composed_edits_equal_the_edits_one_after_the_other() {
        let original = "alpha beta gamma delta";
        let cases: Vec<(Edits, Edits)> = vec![
            // Apart.
            (vec![edit(0, 5, "ALPHA!")], vec![edit(18, 23, "D")]),
            // The second edit inside the first's text.
            (vec![edit(6, 10, "BETA")], vec![edit(7, 9, "xx")]),
            // Touching the first's text on both sides, and an insertion at its end.
            (vec![edit(6, 10, "B")], vec![edit(5, 6, "_"), edit(7, 7, "+")]),
            // Spanning two earlier edits and the text between them.
            (vec![edit(0, 5, "A"), edit(11, 16, "G")], vec![edit(0, 8, "Z")]),
            // Insertions at the start and the end of the text.
            (vec![edit(0, 0, ">"), edit(22, 22, "<")], vec![edit(0, 1, "("), edit(24, 24, ")")]),
            // Nothing before.
            (vec![], vec![edit(6, 10, "b")]),
        ];
        for (base, next) in cases {
            let current = apply(original, &base);
            let expected = apply(&current, &next);
            let composed = compose(&base, &current, &next);
            assert_eq!(apply(original, &composed), expected, "{base:?} then {next:?} gave {composed:?}");
            assert!(composed.windows(2).all(|pair| pair[0].0.end <= pair[1].0.start), "{composed:?}");
        }
    }
}
