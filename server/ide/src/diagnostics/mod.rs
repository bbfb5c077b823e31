//! Diagnostics of one file: the rules of SPEC 5, then suppression comments
//! and per-rule levels from the configuration.

mod actions;
mod keys;
mod pack;
mod structure;

pub(crate) use keys::strictest_declared;
pub use structure::{CANONICAL_SECTIONS, canonical_section};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use runbook_keys::KeyCatalog;
use runbook_keys::fs::{FileSystem, slash_path};
use runbook_syntax::{LineIndex, Parse, SuppressionScope};

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
    let mut found = Vec::new();
    let runbook = file.parse.runbook();
    actions::check(file, workspace.config, workspace.catalog, &mut found);
    let relative = slash_path(file.path.strip_prefix(workspace.root).unwrap_or(file.path));
    if workspace.config.is_runbook(&relative) {
        structure::check(runbook, &mut found);
    }
    pack::check(file.path, runbook, workspace, &mut found);
    if let Some(catalog) = workspace.catalog {
        keys::check(file, workspace, catalog, &mut found);
    }
    finish(file.parse, workspace.config, found)
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
