//! The fixes rules attach to their findings (rust-analyzer's `Assist` on a
//! diagnostic): what a person reads, whether it is the one to prefer, whether
//! it may be applied unattended (fix-all, `check --fix`), and a recipe that
//! becomes a `SourceChange` only when someone asks for it. A fix never
//! destroys text: it replaces the token it is about or inserts lines.

mod insert_field;
mod pack_list;
#[cfg(test)]
mod tests;

use std::path::Path;

use runbook_syntax::{FieldLabel, Parse, TextRange};

use crate::diagnostics::Workspace;
use crate::pack::PACK_FILE;
use crate::{SourceChange, TextEdit};

/// One way to fix a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// What it does, as a menu shows it (`Change to `node-stripe-webhook-replay``).
    pub label: String,
    /// The fix an editor applies when asked for "the" fix (`isPreferred`).
    pub is_preferred: bool,
    /// Whether it is the only sensible fix, so that fix-all and `check --fix`
    /// may apply it without a person choosing: a single did-you-mean
    /// candidate, a Location set to its KEY's entry, a pack.json list, a
    /// safety class the KEY declares.
    pub unattended: bool,
    pub(crate) recipe: Recipe,
}

/// How to build a fix's edits, kept small so that every finding can carry
/// its fixes: the edits themselves are built by `source_change`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Recipe {
    /// Replace tokens of the runbook (disjoint ranges).
    Replace(Vec<(TextRange, String)>),
    /// Insert fields into an Action (an index into `Runbook::actions`).
    InsertFields { action: usize, labels: Vec<FieldLabel> },
    /// Change a reference list of the `pack.json` beside the runbook.
    PackList(PackListChange),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PackListChange {
    pub list: &'static str,
    pub add: Vec<String>,
    pub remove: Vec<String>,
}

impl Fix {
    fn new(label: impl Into<String>, recipe: Recipe) -> Fix {
        Fix { label: label.into(), is_preferred: false, unattended: false, recipe }
    }

    /// Replaces one token of the runbook.
    pub(crate) fn replace(label: impl Into<String>, range: TextRange, new_text: impl Into<String>) -> Fix {
        Fix::new(label, Recipe::Replace(vec![(range, new_text.into())]))
    }

    /// Replaces several tokens of the runbook at once (a name and its calls).
    pub(crate) fn replace_all(label: impl Into<String>, edits: Vec<(TextRange, String)>) -> Fix {
        Fix::new(label, Recipe::Replace(edits))
    }

    pub(crate) fn insert_fields(label: impl Into<String>, action: usize, labels: Vec<FieldLabel>) -> Fix {
        Fix::new(label, Recipe::InsertFields { action, labels })
    }

    pub(crate) fn pack_list(label: impl Into<String>, change: PackListChange) -> Fix {
        Fix::new(label, Recipe::PackList(change))
    }

    pub(crate) fn preferred(mut self, is_preferred: bool) -> Fix {
        self.is_preferred = is_preferred;
        self
    }

    pub(crate) fn unattended(mut self, unattended: bool) -> Fix {
        self.unattended = unattended;
        self
    }
}

/// One fix per did-you-mean candidate, best first: the best is preferred,
/// and a lone candidate may be applied unattended.
pub(crate) fn candidate_fixes<'a>(
    candidates: impl IntoIterator<Item = &'a str>,
    fix: impl Fn(&str) -> Fix,
) -> Vec<Fix> {
    let mut fixes: Vec<Fix> = candidates.into_iter().map(fix).collect();
    let lone = fixes.len() == 1;
    for (index, fix) in fixes.iter_mut().enumerate() {
        fix.is_preferred = index == 0;
        fix.unattended = lone;
    }
    fixes
}

/// The runbook fixes are built in, and its workspace.
pub(crate) struct FixContext<'a> {
    pub path: &'a Path,
    pub parse: &'a Parse,
    pub workspace: &'a Workspace<'a>,
}

/// The edits of several fixes of one runbook, applied together. Changes to
/// the same pack list and insertions into the same Action are merged first,
/// so that they land as one edit rather than as competing ones.
pub(crate) fn source_change<'r>(
    context: &FixContext<'_>,
    recipes: impl IntoIterator<Item = &'r Recipe>,
) -> SourceChange {
    let mut replacements: Vec<(TextRange, String)> = Vec::new();
    let mut insertions: Vec<(usize, Vec<FieldLabel>)> = Vec::new();
    let mut pack_changes: Vec<PackListChange> = Vec::new();
    for recipe in recipes {
        match recipe {
            Recipe::Replace(edits) => replacements.extend(edits.iter().cloned()),
            Recipe::InsertFields { action, labels } => match insertions.iter_mut().find(|(known, _)| known == action) {
                Some((_, known)) => known.extend(labels),
                None => insertions.push((*action, labels.clone())),
            },
            Recipe::PackList(change) => match pack_changes.iter_mut().find(|known| known.list == change.list) {
                Some(known) => {
                    known.add.extend(change.add.iter().cloned());
                    known.remove.extend(change.remove.iter().cloned());
                }
                None => pack_changes.push(change.clone()),
            },
        }
    }

    let mut change = SourceChange::default();
    let text = context.parse.text();
    let line_index = context.parse.line_index();
    let mut runbook_edit = |range: TextRange, new_text: String| {
        let range = line_index.source_range(text, range);
        change.insert(context.path.to_path_buf(), TextEdit { range, new_text });
    };
    for (range, new_text) in replacements {
        runbook_edit(range, new_text);
    }
    for (action, labels) in insertions {
        for (offset, new_text) in insert_field::insertions(context, action, &labels) {
            runbook_edit(TextRange::empty(offset), new_text);
        }
    }
    if !pack_changes.is_empty()
        && let Some(pack) = context.workspace.pack_beside(context.path)
    {
        let pack_path = context.path.with_file_name(PACK_FILE);
        for pack_change in &pack_changes {
            let Some(list) = pack.list(pack_change.list) else { continue };
            for (range, new_text) in pack_list::edits(&pack, list, &pack_change.add, &pack_change.remove) {
                change.insert(pack_path.clone(), TextEdit { range: pack.source_range(range), new_text });
            }
        }
    }
    change
}
