//! Diagnostics of one file: the rules of SPEC 5, then suppression comments
//! and per-rule levels from the configuration.

mod actions;
mod keys;
mod pack;
mod structure;

pub(crate) use keys::strictest_declared;
pub use structure::{CANONICAL_SECTIONS, canonical_section};

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use runbook_keys::KeyCatalog;
use runbook_keys::fs::{FileSystem, slash_path};
use runbook_syntax::{Field, Import, KeyRef, LineIndex, LocationRef, Parse, Runbook, SuppressionScope, TextRange};

use crate::action_view::ActionView;
use crate::diagnostic::Fixes;
use crate::pack::{PACK_FILE, Pack};
use crate::{Diagnostic, IdeConfig};

/// The workspace a file is checked in.
pub struct Workspace<'a> {
    /// Absolute path of the workspace root.
    pub root: &'a Path,
    pub config: &'a IdeConfig,
    /// `None` until the KEY index is ready: the rules that need it stay quiet.
    pub catalog: Option<&'a KeyCatalog>,
    pub fs: &'a dyn FileSystem,
    /// The indexed packs; `None` before the index, when packs are read as needed.
    pub packs: Option<&'a BTreeMap<PathBuf, Arc<Pack>>>,
}

impl Workspace<'_> {
    /// The `pack.json` beside a runbook.
    pub(crate) fn pack_beside(&self, runbook: &Path) -> Option<Arc<Pack>> {
        let path = runbook.parent()?.join(PACK_FILE);
        match self.packs {
            Some(packs) => packs.get(&path).cloned(),
            None => Some(Arc::new(Pack::parse(&self.fs.read_to_string(&path).ok()?))),
        }
    }
}

/// A parsed markdown file of the workspace.
pub struct File<'a> {
    /// Absolute path.
    pub path: &'a Path,
    pub parse: &'a Parse,
}

/// Every finding of `file`, suppressions and levels applied, sorted by range.
pub fn diagnostics(file: &File<'_>, workspace: &Workspace<'_>) -> Vec<Diagnostic> {
    diagnostics_with(file, workspace, None, Fixes::Include, None)
}

/// `diagnostics`, with their fixes or without. Without them (a
/// publication), the findings of every Action whose text is unchanged since
/// they were computed are reused from `memo` (an open document's, as it is
/// typed in), and the findings of this version are left in it. `memo`
/// comes with the generation of the workspace state `workspace` is (see
/// `AnalysisHost`). The memo keeps no fixes, so a computation with fixes
/// (a code action request) neither reads it nor writes it: it checks the
/// Actions afresh, only those whose section touches one of
/// `actions_touching` when given (every finding outside Actions is there
/// whatever it says).
///
/// Fixes were kept in the memo before: they were a third of its memory (a
/// 0.1 MB runbook with 380 fixes: 1.8 bytes per byte of text), and every
/// open document kept them for the code actions of the few lines a client
/// asks about.
pub(crate) fn diagnostics_with(
    file: &File<'_>,
    workspace: &Workspace<'_>,
    memo: Option<(&ActionMemo, u64)>,
    fixes: Fixes,
    actions_touching: Option<&[TextRange]>,
) -> Vec<Diagnostic> {
    let memo = memo.filter(|_| fixes == Fixes::Omit);
    let mut found = Vec::new();
    let runbook = file.parse.runbook();
    let views: Vec<ActionView<'_>> = ActionView::all(runbook).collect();
    let mut memoized = memo.map(|_| HashMap::with_capacity(views.len()));
    for view in &views {
        // The Action's section with any nested Action: what its findings are
        // kept relative to.
        let section = view.action.range.cover(view.own_range);
        if actions_touching.is_some_and(|ranges| !ranges.iter().any(|range| section.touches_range(*range))) {
            continue;
        }
        let key = memo
            .and_then(|_| locations_on_disk(view, workspace))
            .map(|on_disk| ActionKey::of(file.parse.text(), view, section, on_disk));
        if let Some(((memo, generation), key)) = memo.zip(key)
            && let Some(cached) = memo.get(generation, &key)
        {
            let relative = TextRange::new(0, usize::MAX);
            found.extend(cached.iter().filter_map(|diagnostic| diagnostic.relocated(relative, section.start)));
            memoized.as_mut().map(|memoized| memoized.insert(key, cached));
            continue;
        }
        let before = found.len();
        actions::check(view, workspace.config, workspace.catalog, &mut found);
        if let Some(catalog) = workspace.catalog {
            keys::check_action(file, view, workspace, catalog, &mut found);
        }
        // Kept only when every range lies in the Action's section, so that
        // it moves with the Action.
        if let (Some(memoized), Some(key)) = (memoized.as_mut(), key) {
            let relative: Option<Arc<[Diagnostic]>> =
                found[before..].iter().map(|diagnostic| diagnostic.relocated(section, 0)).collect();
            if let Some(relative) = relative {
                memoized.insert(key, relative);
            }
        }
    }
    if let (Some((memo, generation)), Some(memoized)) = (memo, memoized) {
        memo.replace(generation, memoized);
    }
    let outside = Outside::of(&views);
    actions::check_outside(file, &outside, &mut found);
    if let Some(catalog) = workspace.catalog {
        keys::check_outside(file, &outside, workspace, catalog, &mut found);
    }
    let relative = slash_path(file.path.strip_prefix(workspace.root).unwrap_or(file.path));
    if workspace.config.is_runbook(&relative) {
        structure::check(runbook, file.parse.text(), &mut found);
    }
    pack::check(file.path, runbook, workspace, &mut found);
    if fixes == Fixes::Omit {
        found.iter_mut().for_each(|diagnostic| diagnostic.fixes.clear());
    }
    finish(file.parse, workspace.config, found)
}

/// The parts of a runbook outside every Action's own range (see
/// `ActionView`): the rules that look at one item at a time check these
/// apart from the Actions', which `ActionMemo` may have kept.
pub(crate) struct Outside {
    /// The Actions' own ranges, in order and disjoint.
    ranges: Vec<TextRange>,
}

impl Outside {
    fn of(views: &[ActionView<'_>]) -> Outside {
        Outside { ranges: views.iter().map(|view| view.own_range).collect() }
    }

    /// Whether an item starting at `offset` is in no Action: the test of
    /// `Runbook::*_in`, which gives an Action its items.
    fn holds(&self, offset: usize) -> bool {
        let index = self.ranges.partition_point(|range| range.start <= offset);
        index == 0 || offset >= self.ranges[index - 1].end
    }

    pub(crate) fn fields<'r>(&self, runbook: &'r Runbook) -> impl Iterator<Item = &'r Field> {
        runbook.fields.iter().filter(|field| self.holds(field.range.start))
    }

    pub(crate) fn key_refs<'r>(&self, runbook: &'r Runbook) -> impl Iterator<Item = &'r KeyRef> {
        runbook.key_refs.iter().filter(|key_ref| self.holds(key_ref.range.start))
    }

    /// With their indices into `Runbook::imports`.
    pub(crate) fn imports<'r>(&self, runbook: &'r Runbook) -> impl Iterator<Item = (usize, &'r Import)> {
        runbook.imports.iter().enumerate().filter(|(_, import)| self.holds(import.range.start))
    }

    pub(crate) fn locations<'r>(&self, runbook: &'r Runbook) -> impl Iterator<Item = &'r LocationRef> {
        runbook.locations.iter().filter(|location| self.holds(location.range.start))
    }
}

/// What an Action's findings are a function of, given the workspace state:
/// its section's text (nested Actions included), where its own range ends in
/// it, its index (fixes that insert fields name the Action by index), and
/// which of its Locations outside every KEY folder exist (`locations_on_disk`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct ActionKey {
    text: u128,
    own_len: usize,
    index: usize,
    on_disk: u64,
}

impl ActionKey {
    fn of(text: &str, view: &ActionView<'_>, section: TextRange, on_disk: u64) -> ActionKey {
        ActionKey {
            text: xxhash_rust::xxh3::xxh3_128(text[section.as_range()].as_bytes()),
            own_len: view.own_range.len(),
            index: view.index,
            on_disk,
        }
    }
}

/// Whether each of an Action's Locations outside every KEY folder exists, as
/// bits in order: the one thing its findings read from the disk rather than
/// from what `ActionMemo`'s generation covers (settings, the KEY catalog),
/// since a file there may appear that no watcher reports. Asked afresh on
/// every computation, so a memoized answer never outlives the file. `None`
/// (not memoized) past 64 such Locations.
fn locations_on_disk(view: &ActionView<'_>, workspace: &Workspace<'_>) -> Option<u64> {
    let outside_keys = view
        .locations
        .iter()
        .filter(|location| workspace.catalog.is_none_or(|catalog| catalog.key_for_path(&location.path).is_none()));
    let mut bits = 0u64;
    for (n, location) in outside_keys.enumerate() {
        if n == 64 {
            return None;
        }
        if keys::exists_on_disk(workspace, &location.path) {
            bits |= 1 << n;
        }
    }
    Some(bits)
}

/// The findings of an open document's Actions, by what they are a function
/// of, with ranges relative to each Action's start: typing in one Action
/// leaves the findings of the hundreds of others to be reused. Valid for
/// one state of the workspace (`generation`); holds only the last
/// version's Actions, so it never grows past one document's findings.
#[derive(Debug, Default)]
pub(crate) struct ActionMemo {
    inner: Mutex<MemoState>,
}

#[derive(Debug, Default)]
struct MemoState {
    generation: u64,
    actions: HashMap<ActionKey, Arc<[Diagnostic]>>,
}

impl ActionMemo {
    /// What was kept for `key` at workspace state `generation`.
    fn get(&self, generation: u64, key: &ActionKey) -> Option<Arc<[Diagnostic]>> {
        let state = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        (state.generation == generation).then(|| state.actions.get(key).cloned()).flatten()
    }

    /// Keeps `actions`, computed at workspace state `generation`, instead of
    /// what was kept (a computation of another version or state may have
    /// kept something since; each entry is valid for the state it names).
    fn replace(&self, generation: u64, actions: HashMap<ActionKey, Arc<[Diagnostic]>>) {
        *self.inner.lock().unwrap_or_else(PoisonError::into_inner) = MemoState { generation, actions };
    }

    /// Every finding kept, of every Action.
    #[cfg(test)]
    pub(crate) fn kept(&self) -> Vec<Diagnostic> {
        let state = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        state.actions.values().flat_map(|found| found.iter().cloned()).collect()
    }
}

/// Applies suppression comments and configured levels, then sorts.
fn finish(parse: &Parse, config: &IdeConfig, found: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let runbook = parse.runbook();
    // Building a line index is a scan of the whole text: only for comments
    // that name the next line.
    let needs_lines = runbook.suppressions.iter().any(|suppression| suppression.scope == SuppressionScope::NextLine);
    let line_index = needs_lines.then(|| parse.line_index());
    let mut kept: Vec<Diagnostic> = found
        .into_iter()
        .filter(|diagnostic| !is_suppressed(line_index, runbook, diagnostic))
        .filter_map(|diagnostic| config.configured(diagnostic))
        .collect();
    kept.sort_by_key(|a| (a.range.start, a.range.end, a.code));
    kept
}

fn is_suppressed(line_index: Option<&LineIndex>, runbook: &runbook_syntax::Runbook, diagnostic: &Diagnostic) -> bool {
    let names = |codes: &[String]| codes.is_empty() || codes.iter().any(|code| code == diagnostic.code.as_str());
    runbook.suppressions.iter().any(|suppression| {
        if !names(&suppression.codes) {
            return false;
        }
        match suppression.scope {
            SuppressionScope::RestOfFile => diagnostic.range.start >= suppression.range.start,
            SuppressionScope::NextLine => {
                let Some(line_index) = line_index else { return false };
                let comment_last_line = line_index.line_of(suppression.range.end);
                line_index.line_of(diagnostic.range.start) == comment_last_line + 1
            }
        }
    })
}

#[cfg(test)]
mod tests;
