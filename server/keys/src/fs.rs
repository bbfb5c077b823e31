//! The file system the catalog reads through: the real disk, confined to the
//! workspace folders, or an in-memory tree for tests.

use std::collections::BTreeMap;
use std::io;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use runbook_syntax::fixture::Fixture;

use crate::gitignore::IgnoreRules;

/// Read-only access to files. Paths are absolute.
pub trait FileSystem: Send + Sync {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// `read`, as UTF-8 text (`InvalidData` when it is not).
    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        String::from_utf8(self.read(path)?).map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))
    }
    fn is_file(&self, path: &Path) -> bool;
    fn is_dir(&self, path: &Path) -> bool;
    /// The entries directly inside a directory, sorted.
    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>>;
    /// Every file under `root` (recursively) that is not ignored by git's
    /// ignore files of the workspace or of the git repository holding it,
    /// not hidden, not in `node_modules`, and not reached through a symlink;
    /// sorted.
    fn walk(&self, root: &Path) -> Vec<PathBuf>;
    /// A handle to the same files that outlives this borrow: KEY sources are
    /// parsed when a feature first needs their exports, not when indexed.
    fn shared(&self) -> Arc<dyn FileSystem>;
}

/// The folder name whose contents are never read: installed packages are not
/// the workspace's own code and can hold hundreds of thousands of files.
pub const NODE_MODULES: &str = "node_modules";

/// Whether a folder or file name is skipped by every walk (`.git`, `node_modules`).
pub fn is_skipped_name(name: &str) -> bool {
    name.starts_with('.') || name == NODE_MODULES
}

/// A relative path with `/` separators, as runbooks and globs write paths.
pub fn slash_path(path: &Path) -> String {
    let parts: Vec<_> = path.components().map(|component| component.as_os_str().to_string_lossy()).collect();
    parts.join("/")
}

/// The disk, readable only inside the workspace folders it was given.
///
/// Every path is canonicalised before use, so a symlink whose target lies
/// outside those folders is refused (`PermissionDenied`, `false`, or left out
/// of a listing) rather than followed: SPEC 4 promises the server never reads
/// outside the workspace.
#[derive(Debug, Clone)]
pub struct RealFs {
    /// Canonical forms of the folders that may be read.
    allowed: Vec<PathBuf>,
}

impl RealFs {
    /// Folders that do not exist (and so cannot be canonicalised) are dropped:
    /// nothing under them could be read anyway.
    pub fn new<P: AsRef<Path>>(workspace_folders: impl IntoIterator<Item = P>) -> RealFs {
        let allowed =
            workspace_folders.into_iter().filter_map(|folder| std::fs::canonicalize(folder.as_ref()).ok()).collect();
        RealFs { allowed }
    }

    /// The folders this file system may read, canonicalised.
    pub fn allowed_folders(&self) -> &[PathBuf] {
        &self.allowed
    }

    /// The canonical path of `path` if it lies inside an allowed folder.
    fn confine(&self, path: &Path) -> io::Result<PathBuf> {
        let canonical = std::fs::canonicalize(path)?;
        if self.allowed.iter().any(|folder| canonical.starts_with(folder)) {
            Ok(canonical)
        } else {
            Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!("{} is outside the workspace folders", path.display()),
            ))
        }
    }
}

impl FileSystem for RealFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        // Read the canonical path that was checked, not `path` again, so the
        // check and the read see the same file.
        std::fs::read(self.confine(path)?)
    }

    fn is_file(&self, path: &Path) -> bool {
        self.confine(path).is_ok_and(|canonical| canonical.is_file())
    }

    fn is_dir(&self, path: &Path) -> bool {
        self.confine(path).is_ok_and(|canonical| canonical.is_dir())
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        let canonical = self.confine(path)?;
        let mut entries = Vec::new();
        for entry in std::fs::read_dir(&canonical)? {
            let entry = entry?;
            // Entries are reported under the path the caller gave, so callers
            // can strip their own prefixes from them.
            let entry_path = path.join(entry.file_name());
            let is_symlink = entry.file_type().is_ok_and(|file_type| file_type.is_symlink());
            if is_symlink && self.confine(&entry_path).is_err() {
                continue;
            }
            entries.push(entry_path);
        }
        entries.sort();
        Ok(entries)
    }

    fn shared(&self) -> Arc<dyn FileSystem> {
        Arc::new(self.clone())
    }

    fn walk(&self, root: &Path) -> Vec<PathBuf> {
        let Ok(canonical_root) = self.confine(root) else {
            return Vec::new();
        };
        if !canonical_root.is_dir() {
            return Vec::new();
        }
        let Some(workspace) = self.allowed.iter().find(|folder| canonical_root.starts_with(folder)) else {
            return Vec::new();
        };
        // Our own ignore rules replace the walker's, which read the ignore
        // files of every folder up to `/` (see `gitignore`).
        let rules = Arc::new(IgnoreRules::new(workspace));
        if rules.is_ignored_folder(&canonical_root) {
            return Vec::new();
        }
        let files = Mutex::new(Vec::new());
        ignore::WalkBuilder::new(&canonical_root)
            .standard_filters(false)
            .hidden(true)
            .follow_links(false)
            .filter_entry(move |entry| {
                let is_dir = entry.file_type().is_some_and(|file_type| file_type.is_dir());
                entry.file_name() != NODE_MODULES && !rules.is_ignored(entry.path(), is_dir)
            })
            .build_parallel()
            .run(|| {
                let files = &files;
                let canonical_root = &canonical_root;
                Box::new(move |entry| {
                    let Ok(entry) = entry else { return ignore::WalkState::Continue };
                    // Symlinks are reported but never followed; leaving them out
                    // means a link to a file outside the workspace is not listed.
                    if entry.file_type().is_some_and(|file_type| file_type.is_file())
                        && let Ok(relative) = entry.path().strip_prefix(canonical_root)
                    {
                        files
                            .lock()
                            .expect("no walker thread panics while holding the lock")
                            .push(relative.to_path_buf());
                    }
                    ignore::WalkState::Continue
                })
            });
        let mut files = files.into_inner().expect("no walker thread panicked while holding the lock");
        files.sort_unstable_by(|a, b| component_order(a, b));
        files.into_iter().map(|relative| root.join(relative)).collect()
    }
}

/// Orders the relative paths a walk gives as `Path`'s `Ord` does (component
/// by component), by comparing their bytes with the separator below every
/// other byte. The same order for paths with no `.`, `..` or repeated
/// separators, without splitting both into components at every comparison
/// (which was a sixth of a warm `check --cache` of 40,000 files).
fn component_order(a: &Path, b: &Path) -> std::cmp::Ordering {
    let key = |byte: &u8| if std::path::is_separator(char::from(*byte)) { 0 } else { *byte };
    let (a, b) = (a.as_os_str().as_encoded_bytes(), b.as_os_str().as_encoded_bytes());
    a.iter().map(key).cmp(b.iter().map(key))
}

/// An in-memory tree of files; a folder exists while it holds a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryFs {
    files: BTreeMap<PathBuf, Vec<u8>>,
}

impl MemoryFs {
    pub fn new() -> MemoryFs {
        MemoryFs::default()
    }

    /// The fixture's files (`//- /node-keys/x/key.json`) placed under `root`.
    pub fn from_fixture(fixture: &Fixture, root: &Path) -> MemoryFs {
        let mut fs = MemoryFs::new();
        for file in &fixture.files {
            fs.insert(root.join(file.path.trim_start_matches('/')), file.text.clone());
        }
        fs
    }

    /// Creates or replaces a file.
    pub fn insert(&mut self, path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) {
        self.files.insert(path.into(), contents.into());
    }

    /// Removes a file; returns whether it existed.
    pub fn remove(&mut self, path: &Path) -> bool {
        self.files.remove(path).is_some()
    }

    /// Removes a folder and everything in it; returns how many files went.
    pub fn remove_dir(&mut self, path: &Path) -> usize {
        let doomed: Vec<PathBuf> = self.descendants(path).map(|(file, _)| file.clone()).collect();
        for file in &doomed {
            self.files.remove(file);
        }
        doomed.len()
    }

    /// The files strictly below `dir`, in order. Paths order component by
    /// component, so a folder's files are one contiguous run of the map.
    fn descendants<'a>(&'a self, dir: &'a Path) -> impl Iterator<Item = (&'a PathBuf, &'a Vec<u8>)> + 'a {
        self.files
            .range::<Path, _>((Bound::Excluded(dir), Bound::Unbounded))
            .take_while(move |(file, _)| file.starts_with(dir))
    }
}

impl FileSystem for MemoryFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("{} does not exist", path.display())))
    }

    fn is_file(&self, path: &Path) -> bool {
        self.files.contains_key(path)
    }

    fn is_dir(&self, path: &Path) -> bool {
        self.descendants(path).next().is_some()
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        let mut entries: Vec<PathBuf> = Vec::new();
        for (file, _) in self.descendants(path) {
            let Some(first) = file.strip_prefix(path).ok().and_then(|relative| relative.components().next()) else {
                continue;
            };
            let entry = path.join(first);
            if entries.last() != Some(&entry) {
                entries.push(entry);
            }
        }
        if entries.is_empty() {
            return Err(io::Error::new(io::ErrorKind::NotFound, format!("{} is not a folder", path.display())));
        }
        Ok(entries)
    }

    /// A snapshot: later changes to this tree are not seen through it.
    fn shared(&self) -> Arc<dyn FileSystem> {
        Arc::new(self.clone())
    }

    fn walk(&self, root: &Path) -> Vec<PathBuf> {
        self.descendants(root)
            .filter(|(file, _)| {
                file.strip_prefix(root).is_ok_and(|relative| {
                    relative.components().all(|component| !is_skipped_name(&component.as_os_str().to_string_lossy()))
                })
            })
            .map(|(file, _)| file.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn component_order_is_path_order_for_walked_paths() {
        let paths = [
            "a",
            "a-b",
            "a-b/x.md",
            "a/b",
            "a/b/c.md",
            "a/bc",
            "a.md",
            "a/b-c/d",
            "a/b/c/d/e",
            "A",
            "b",
            "é/x",
            "e/x",
            "a/b.md",
            "node-keys/foo/src/index.ts",
            "node-keys/foo-bar/key.json",
            "node-keys/foo/key.json",
        ];
        for a in paths {
            for b in paths {
                let (a, b) = (Path::new(a), Path::new(b));
                assert_eq!(component_order(a, b), a.cmp(b), "{} against {}", a.display(), b.display());
            }
        }
    }
}
