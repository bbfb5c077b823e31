//! Which workspaces the paths given to `runbook-ls check` belong to: each
//! path's workspace root is the nearest ancestor holding `runbook-ls.toml` or
//! a default key root, else the path itself.

use std::path::{Path, PathBuf};

use runbook_ide::settings::CONFIG_FILE;
use runbook_keys::KeyRoot;

/// The paths to check, grouped by workspace root, and the ones that could
/// not be read (with why).
pub struct Targets {
    /// Workspace roots (sorted) with the canonical paths under each.
    pub workspaces: Vec<(PathBuf, Vec<PathBuf>)>,
    pub unreadable: Vec<(PathBuf, String)>,
}

impl Targets {
    /// The paths to check under the workspace at `root`.
    pub fn paths(&self, root: &Path) -> &[PathBuf] {
        self.workspaces.iter().find(|(known, _)| known == root).map_or(&[], |(_, paths)| paths.as_slice())
    }
}

/// Groups `paths` (relative to `cwd`) by workspace.
pub fn targets(paths: &[PathBuf], cwd: &Path) -> Targets {
    let mut workspaces: Vec<(PathBuf, Vec<PathBuf>)> = Vec::new();
    let mut unreadable = Vec::new();
    for path in paths {
        let absolute = match cwd.join(path).canonicalize() {
            Ok(absolute) => absolute,
            Err(error) => {
                unreadable.push((cwd.join(path), error.to_string()));
                continue;
            }
        };
        let root = workspace_root(&absolute);
        match workspaces.iter_mut().find(|(known, _)| *known == root) {
            Some((_, paths)) => paths.push(absolute),
            None => workspaces.push((root, vec![absolute])),
        }
    }
    workspaces.sort();
    Targets { workspaces, unreadable }
}

/// The nearest ancestor (or the path itself) that holds `runbook-ls.toml` or
/// a default key root; else the path itself (its folder, for a file).
pub fn workspace_root(path: &Path) -> PathBuf {
    let start = if path.is_dir() { path } else { path.parent().unwrap_or(path) };
    for dir in start.ancestors() {
        let is_root =
            dir.join(CONFIG_FILE).is_file() || KeyRoot::defaults().iter().any(|root| dir.join(&root.path).is_dir());
        if is_root {
            return dir.to_path_buf();
        }
    }
    start.to_path_buf()
}
