//! The file system the catalog reads through: the real disk, confined to the
//! workspace folders, or an in-memory tree for tests.

use std::collections::BTreeMap;
use std::io;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

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
    /// Whether `path` is a file or a folder.
    fn exists(&self, path: &Path) -> bool {
        self.is_file(path) || self.is_dir(path)
    }
    /// The entries directly inside a directory, sorted.
    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>>;
    /// Every file under `root` (recursively) that is not ignored by git's
    /// ignore files of the workspace or of the git repository holding it,
    /// not hidden, not in `node_modules`, and not reached through a symlink;
    /// sorted.
    fn walk(&self, root: &Path) -> Vec<PathBuf>;
    /// `walk`, with the identity of each file, and what `check --cache`
    /// needs to tell later that a walk would list the same (see
    /// `WalkedTree`). By default only the files, each identity unknown.
    fn walk_tree(&self, root: &Path) -> WalkedTree {
        let files = self.walk(root).into_iter().map(|file| (file, FileIdentity::default())).collect();
        WalkedTree { files, ..WalkedTree::default() }
    }
    /// A handle to the same files that outlives this borrow: KEY sources are
    /// parsed when a feature first needs their exports, not when indexed.
    fn shared(&self) -> Arc<dyn FileSystem>;
}

/// What tells one version of a file from another without reading it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FileIdentity {
    pub len: u64,
    /// Nanoseconds since the Unix epoch; 0 where unknown.
    pub modified: u64,
}

impl FileIdentity {
    pub fn of(metadata: &std::fs::Metadata) -> FileIdentity {
        let modified = metadata
            .modified()
            .ok()
            .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |since| since.as_nanos() as u64);
        FileIdentity { len: metadata.len(), modified }
    }

    /// The identity of a file that does not exist.
    pub const ABSENT: FileIdentity = FileIdentity { len: u64::MAX, modified: u64::MAX };

    /// The identity of `path` on the disk, not following a symlink.
    pub fn on_disk(path: &Path) -> FileIdentity {
        std::fs::symlink_metadata(path).map_or(FileIdentity::ABSENT, |metadata| FileIdentity::of(&metadata))
    }
}

/// A walk, and what says whether another walk of the same root would list
/// the same files: if every folder, ignore file and file recorded here has
/// the same identity (and the same repository holds the root), it would. A
/// file added to, removed from or renamed in a folder changes the folder's
/// modification time; an edited file changes its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WalkedTree {
    /// The files `walk` lists, with their identities.
    pub files: Vec<(PathBuf, FileIdentity)>,
    /// Every folder the walk listed, the root's included, with its identity
    /// taken before it was listed.
    pub folders: Vec<(PathBuf, FileIdentity)>,
    /// The `.gitignore` files that decided what the walk lists (those in
    /// its folders, those above it up to the repository's root, and the
    /// repository's `info/exclude`), `FileIdentity::ABSENT` where missing.
    pub ignore_files: Vec<(PathBuf, FileIdentity)>,
    /// The git repository whose ignore files apply (see `gitignore`).
    pub repository: Option<PathBuf>,
}

/// The root of the git repository holding `path` (a canonical path): the
/// nearest folder at or above it with a `.git`.
pub fn repository_root(path: &Path) -> Option<PathBuf> {
    crate::gitignore::repository_root(path)
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

    /// The metadata of `path` if it lies inside an allowed folder. The
    /// metadata is asked first, one system call, and only a path that is
    /// there is confined: canonicalising reads the link of every component
    /// of the path, and the Locations an open document names outside the
    /// KEY folders are looked up on every keystroke (see `locations_on_disk`
    /// in the ide crate), most of those a finding is about not there.
    /// Typing into the harness's typing document after 1,000 random edits,
    /// the lookups were 10.2% of the server's samples before, 1.8% after.
    fn confined_metadata(&self, path: &Path) -> Option<std::fs::Metadata> {
        // `metadata` follows links: it is the canonical path's already.
        let metadata = std::fs::metadata(path).ok()?;
        self.confine(path).ok().map(|_| metadata)
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
        self.confined_metadata(path).is_some_and(|metadata| metadata.is_file())
    }

    fn is_dir(&self, path: &Path) -> bool {
        self.confined_metadata(path).is_some_and(|metadata| metadata.is_dir())
    }

    fn exists(&self, path: &Path) -> bool {
        self.confined_metadata(path).is_some_and(|metadata| metadata.is_file() || metadata.is_dir())
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
        self.walk_files(root, false).files.into_iter().map(|(path, _)| path).collect()
    }

    fn walk_tree(&self, root: &Path) -> WalkedTree {
        self.walk_files(root, true)
    }
}

impl RealFs {
    /// The walk of `root`, with the identities of its files, folders and
    /// ignore files when `identities` (else only the files, each with the
    /// default identity). Each folder is listed once, and what the walk
    /// needs of an entry comes from that listing: its type, whether the
    /// folder holds a `.gitignore`, and (asked relative to the open folder,
    /// not by a path looked up from `/` again) its size and time. The
    /// `ignore` crate's walker looked up every folder's `.gitignore` by its
    /// absolute path, and a stat of every file cost as much again: path
    /// lookups were most of a warm `check --cache` of 40,000 files.
    fn walk_files(&self, root: &Path, identities: bool) -> WalkedTree {
        let Ok(canonical_root) = self.confine(root) else {
            return WalkedTree::default();
        };
        if !canonical_root.is_dir() {
            return WalkedTree::default();
        }
        let Some(workspace) = self.allowed.iter().find(|folder| canonical_root.starts_with(folder)) else {
            return WalkedTree::default();
        };
        // Our own ignore rules: those of the workspace or its repository
        // only, never of the folders above (see `gitignore`).
        let rules = IgnoreRules::new(workspace);
        let mut tree = WalkedTree { repository: rules.repository().map(Path::to_path_buf), ..WalkedTree::default() };
        if identities {
            let above = rules.files_above(&canonical_root);
            tree.ignore_files = above.into_iter().map(|file| (file.clone(), FileIdentity::on_disk(&file))).collect();
        }
        if rules.is_ignored_folder(&canonical_root) {
            return tree;
        }
        let walk = Walk { rules, identities, found: Mutex::new(Found::default()) };
        let root_identity = if identities { FileIdentity::on_disk(&canonical_root) } else { FileIdentity::default() };
        rayon::scope(|scope| walk.folder(scope, canonical_root.clone(), root_identity));
        let found = walk.found.into_inner().unwrap_or_else(PoisonError::into_inner);
        // Under the path the caller gave, in path order.
        let under_root = |mut entries: Vec<(PathBuf, FileIdentity)>| -> Vec<(PathBuf, FileIdentity)> {
            for (path, _) in &mut entries {
                *path = path.strip_prefix(&canonical_root).map(Path::to_path_buf).unwrap_or_default();
            }
            entries.sort_unstable_by(|(a, _), (b, _)| component_order(a, b));
            entries.into_iter().map(|(relative, identity)| (root.join(relative), identity)).collect()
        };
        tree.files = under_root(found.files);
        tree.folders = under_root(found.folders);
        tree.ignore_files.extend(under_root(found.ignore_files));
        tree
    }
}

/// What a walk found, in no order: absolute paths.
#[derive(Default)]
struct Found {
    files: Vec<(PathBuf, FileIdentity)>,
    folders: Vec<(PathBuf, FileIdentity)>,
    ignore_files: Vec<(PathBuf, FileIdentity)>,
}

/// One walk under way: folders are listed in parallel, on rayon's threads.
struct Walk {
    rules: IgnoreRules,
    identities: bool,
    found: Mutex<Found>,
}

impl Walk {
    /// Lists `folder`, whose identity (when the walk takes them) was read
    /// before the listing: a change during the walk is seen by the next.
    fn folder<'s>(&'s self, scope: &rayon::Scope<'s>, folder: PathBuf, identity: FileIdentity) {
        // An unreadable folder is left out, as git would.
        let Ok(listing) = std::fs::read_dir(&folder) else { return };
        let entries: Vec<std::fs::DirEntry> = listing.filter_map(Result::ok).collect();
        let gitignore = entries.iter().find(|entry| {
            entry.file_name() == ".gitignore" && entry.file_type().is_ok_and(|file_type| file_type.is_file())
        });
        self.rules.enter_folder(&folder, gitignore.is_some());
        let gitignore = gitignore.filter(|_| self.identities).map(|entry| (entry.path(), self.identity(entry)));
        let mut files = Vec::new();
        for entry in entries {
            // Symlinks are never followed nor listed: a link to a file outside
            // the workspace is not part of it.
            let Ok(file_type) = entry.file_type() else { continue };
            let (is_dir, is_file) = (file_type.is_dir(), file_type.is_file());
            let name = entry.file_name();
            if !(is_dir || is_file) || is_skipped_name(&name.to_string_lossy()) {
                continue;
            }
            let path = folder.join(&name);
            if self.rules.is_ignored(&path, is_dir) {
                continue;
            }
            let identity = self.identity(&entry);
            if is_dir {
                scope.spawn(move |scope| self.folder(scope, path, identity));
            } else {
                files.push((path, identity));
            }
        }
        let mut found = self.found.lock().unwrap_or_else(PoisonError::into_inner);
        found.files.append(&mut files);
        if self.identities {
            found.folders.push((folder, identity));
            found.ignore_files.extend(gitignore);
        }
    }

    /// The entry's identity, read relative to its open folder (not by a
    /// path looked up from `/`), when the walk takes identities.
    fn identity(&self, entry: &std::fs::DirEntry) -> FileIdentity {
        if !self.identities {
            return FileIdentity::default();
        }
        entry.metadata().map_or(FileIdentity::ABSENT, |metadata| FileIdentity::of(&metadata))
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

    /// The files, their sizes the contents' and their times unknown (0).
    fn walk_tree(&self, root: &Path) -> WalkedTree {
        let len = |file: &Path| self.files.get(file).map_or(0, |contents| contents.len() as u64);
        let files = self
            .walk(root)
            .into_iter()
            .map(|file| (file.clone(), FileIdentity { len: len(&file), modified: 0 }))
            .collect();
        WalkedTree { files, ..WalkedTree::default() }
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
