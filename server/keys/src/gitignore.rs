//! Which files a walk of the disk leaves out as git would: the `.gitignore`
//! files from the workspace root down or, when the workspace is inside a git
//! repository, from that repository's root down, plus its `info/exclude`.
//! Ignore files above those roots, and the user's global excludes file, never
//! apply: a `.gitignore` in a home folder must not hide a workspace's files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

/// The ignore rules for walks inside one workspace folder; ignore files are
/// read once per folder and walk.
#[derive(Debug)]
pub struct IgnoreRules {
    workspace: PathBuf,
    /// The highest folder whose ignore files apply: the git repository's
    /// root, else the workspace root.
    base: PathBuf,
    /// `<repository>/.git/info/exclude`, the repository's own untracked rules.
    exclude: Option<Gitignore>,
    /// The `.gitignore` of each folder read so far (`None`: it has none).
    folders: Mutex<HashMap<PathBuf, Option<Arc<Gitignore>>>>,
}

impl IgnoreRules {
    /// The rules for walks inside `workspace`, a canonical path.
    pub fn new(workspace: &Path) -> IgnoreRules {
        let repository = repository_root(workspace);
        let exclude = repository.as_deref().and_then(|root| {
            let git = root.join(".git");
            // A `.git` file (worktree, submodule) keeps its excludes elsewhere.
            let file = git.join("info/exclude");
            if !git.is_dir() || !is_regular_file(&file) {
                return None;
            }
            // Its patterns are relative to the repository root.
            let mut builder = GitignoreBuilder::new(root);
            let _ = builder.add(file);
            builder.build().ok().filter(|rules| !rules.is_empty())
        });
        let base = repository.unwrap_or_else(|| workspace.to_path_buf());
        IgnoreRules { workspace: workspace.to_path_buf(), base, exclude, folders: Mutex::new(HashMap::new()) }
    }

    /// Whether `path` (a file or folder at or below the base) is ignored by
    /// the ignore files of its ancestors; a folder's own rules do not count
    /// for the folder itself. Deeper files override shallower ones, as in git.
    pub fn is_ignored(&self, path: &Path, is_dir: bool) -> bool {
        for folder in path.ancestors().skip(1).take_while(|folder| folder.starts_with(&self.base)) {
            let Some(gitignore) = self.folder_rules(folder) else { continue };
            match gitignore.matched(path, is_dir) {
                Match::Ignore(_) => return true,
                Match::Whitelist(_) => return false,
                Match::None => {}
            }
        }
        self.exclude.as_ref().is_some_and(|exclude| exclude.matched(path, is_dir).is_ignore())
    }

    /// Whether the folder `path` or one of its ancestors inside the workspace
    /// is ignored: then nothing under it is walked, as git skips the contents
    /// of an ignored folder. The workspace folder itself is never ignored as
    /// a whole: the user opened it.
    pub fn is_ignored_folder(&self, path: &Path) -> bool {
        let inside: Vec<&Path> = path
            .ancestors()
            .take_while(|folder| folder.starts_with(&self.workspace) && *folder != self.workspace)
            .collect();
        inside.into_iter().rev().any(|folder| self.is_ignored(folder, true))
    }

    fn folder_rules(&self, folder: &Path) -> Option<Arc<Gitignore>> {
        let mut folders = self.folders.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(rules) = folders.get(folder) {
            return rules.clone();
        }
        let file = folder.join(".gitignore");
        // A link is not followed: it could point anywhere.
        let rules = is_regular_file(&file).then(|| Arc::new(Gitignore::new(file).0)).filter(|rules| !rules.is_empty());
        folders.insert(folder.to_path_buf(), rules.clone());
        rules
    }
}

/// The nearest folder at or above `workspace` that holds a `.git` (a folder,
/// or a file for worktrees and submodules).
fn repository_root(workspace: &Path) -> Option<PathBuf> {
    workspace.ancestors().find(|folder| folder.join(".git").symlink_metadata().is_ok()).map(Path::to_path_buf)
}

fn is_regular_file(path: &Path) -> bool {
    path.symlink_metadata().is_ok_and(|metadata| metadata.is_file())
}
