//! The file system the catalog reads through: the real disk, confined to the
//! workspace folders, or an in-memory tree for tests.

use std::io;
use std::path::{Path, PathBuf};

/// Read-only access to files. Paths are absolute.
pub trait FileSystem: Send + Sync {
    fn read_to_string(&self, path: &Path) -> io::Result<String>;
    fn is_file(&self, path: &Path) -> bool;
    fn is_dir(&self, path: &Path) -> bool;
    /// The entries directly inside a directory, sorted.
    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>>;
    /// Every file under `root` (recursively) that is not ignored by
    /// `.gitignore`, not in `node_modules`, and not reached through a
    /// symlink; sorted.
    fn walk(&self, root: &Path) -> Vec<PathBuf>;
}
