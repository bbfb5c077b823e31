//! Which files a walk of the disk leaves out as git would: the `.gitignore`
//! files from the workspace root down or, when the workspace is inside a git
//! repository, from that repository's root down, plus its `info/exclude`.
//! Ignore files above those roots, and the user's global excludes file, never
//! apply: a `.gitignore` in a home folder must not hide a workspace's files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

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
    /// The root of the git repository the workspace is in, if any.
    repository: Option<PathBuf>,
    /// `<repository>/.git/info/exclude`, the repository's own untracked rules.
    exclude: Option<Gitignore>,
    /// For each folder asked about so far, the `.gitignore` rules that apply
    /// inside it: its ancestors' from the base down, then its own. One
    /// lookup per walked entry, where asking every ancestor each time (under
    /// one lock, from the walk's threads) was a fifth of a warm
    /// `check --cache` of 40,000 files.
    /// Keyed by the path's bytes: walked paths are normalised, and hashing a
    /// `Path` walks its components.
    folders: RwLock<HashMap<Vec<u8>, Rules>>,
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
        let base = repository.clone().unwrap_or_else(|| workspace.to_path_buf());
        let folders = RwLock::new(HashMap::new());
        IgnoreRules { workspace: workspace.to_path_buf(), base, repository, exclude, folders }
    }

    /// The root of the git repository whose ignore files apply, if any.
    pub fn repository(&self) -> Option<&Path> {
        self.repository.as_deref()
    }

    /// The ignore files that may apply to a walk of `root` without being in
    /// it: the `.gitignore` of every folder above `root` up to the base, and
    /// the repository's `info/exclude`; whether they exist or not.
    pub fn files_above(&self, root: &Path) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = root
            .ancestors()
            .skip(1)
            .take_while(|folder| folder.starts_with(&self.base))
            .map(|folder| folder.join(".gitignore"))
            .collect();
        files.extend(self.repository.as_ref().map(|repository| repository.join(".git/info/exclude")));
        files
    }

    /// Whether `path` (a file or folder at or below the base) is ignored by
    /// the ignore files of its ancestors; a folder's own rules do not count
    /// for the folder itself. Deeper files override shallower ones, as in git.
    pub fn is_ignored(&self, path: &Path, is_dir: bool) -> bool {
        let rules = path.parent().map(|folder| self.rules_in(folder)).unwrap_or_default();
        // The nearest folder's rules first.
        for gitignore in rules.iter().rev() {
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

    /// Tells the rules that a walk is entering `folder`, whose listing shows
    /// whether it holds a `.gitignore` (a regular file): the rules inside it
    /// are then made without looking the file up.
    pub fn enter_folder(&self, folder: &Path, has_gitignore: bool) {
        self.rules_with(folder, Some(has_gitignore));
    }

    /// The rules that apply inside `folder` (none above the base).
    fn rules_in(&self, folder: &Path) -> Rules {
        self.rules_with(folder, None)
    }

    /// `rules_in`, knowing whether the folder holds a `.gitignore` when
    /// `has_gitignore` says.
    fn rules_with(&self, folder: &Path, has_gitignore: Option<bool>) -> Rules {
        let key = folder.as_os_str().as_encoded_bytes();
        if let Some(rules) = self.folders.read().unwrap_or_else(PoisonError::into_inner).get(key) {
            return rules.clone();
        }
        if !folder.starts_with(&self.base) {
            return Rules::default();
        }
        let inherited = match folder.parent() {
            Some(parent) if folder != self.base => self.rules_in(parent),
            _ => Rules::default(),
        };
        let file = folder.join(".gitignore");
        // A link is not followed: it could point anywhere.
        let own = has_gitignore
            .unwrap_or_else(|| is_regular_file(&file))
            .then(|| Arc::new(Gitignore::new(file).0))
            .filter(|rules| !rules.is_empty());
        let rules = match own {
            Some(own) => Rules(inherited.0.iter().cloned().chain([own]).collect()),
            None => inherited,
        };
        self.folders.write().unwrap_or_else(PoisonError::into_inner).insert(key.to_vec(), rules.clone());
        rules
    }
}

/// The ignore files that apply in a folder, from the base down.
#[derive(Debug, Clone, Default)]
struct Rules(Arc<[Arc<Gitignore>]>);

impl std::ops::Deref for Rules {
    type Target = [Arc<Gitignore>];

    fn deref(&self) -> &[Arc<Gitignore>] {
        &self.0
    }
}

/// The nearest folder at or above `workspace` that holds a `.git` (a folder,
/// or a file for worktrees and submodules).
pub(crate) fn repository_root(workspace: &Path) -> Option<PathBuf> {
    workspace.ancestors().find(|folder| folder.join(".git").symlink_metadata().is_ok()).map(Path::to_path_buf)
}

fn is_regular_file(path: &Path) -> bool {
    path.symlink_metadata().is_ok_and(|metadata| metadata.is_file())
}
