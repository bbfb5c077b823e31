//! One workspace folder as the features see it: its root, the file system
//! confined to it, its configuration and (once indexed) its KEY catalog.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use runbook_ide::IdeConfig;
use runbook_keys::KeyCatalog;
use runbook_keys::fs::FileSystem;

#[derive(Clone)]
pub struct WorkspaceState {
    pub root: PathBuf,
    pub fs: Arc<dyn FileSystem>,
    pub config: Arc<IdeConfig>,
    /// `None` until the index is built.
    pub catalog: Option<Arc<KeyCatalog>>,
}

impl WorkspaceState {
    pub fn new(root: PathBuf) -> WorkspaceState {
        WorkspaceState {
            fs: Arc::new(DiskFs { root: root.clone() }),
            root,
            config: Arc::new(IdeConfig::default()),
            catalog: None,
        }
    }

    pub fn ide(&self) -> runbook_ide::Workspace<'_> {
        runbook_ide::Workspace {
            root: &self.root,
            config: &self.config,
            catalog: self.catalog.as_deref(),
            fs: &*self.fs,
        }
    }
}

/// Reads files under one root, and nothing outside it.
struct DiskFs {
    root: PathBuf,
}

impl DiskFs {
    fn inside(&self, path: &Path) -> bool {
        path.canonicalize().is_ok_and(|path| self.root.canonicalize().is_ok_and(|root| path.starts_with(root)))
    }
}

impl FileSystem for DiskFs {
    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        if !self.inside(path) {
            return Err(io::Error::new(io::ErrorKind::PermissionDenied, "outside the workspace"));
        }
        std::fs::read_to_string(path)
    }

    fn is_file(&self, path: &Path) -> bool {
        self.inside(path) && path.is_file()
    }

    fn is_dir(&self, path: &Path) -> bool {
        self.inside(path) && path.is_dir()
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        if !self.inside(path) {
            return Err(io::Error::new(io::ErrorKind::PermissionDenied, "outside the workspace"));
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?.filter_map(|entry| Some(entry.ok()?.path())).collect();
        entries.sort();
        Ok(entries)
    }

    fn walk(&self, root: &Path) -> Vec<PathBuf> {
        let mut files = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in self.read_dir(&dir).unwrap_or_default() {
                let Ok(kind) = std::fs::symlink_metadata(&entry) else { continue };
                let name = entry.file_name().unwrap_or_default().to_string_lossy();
                if kind.is_symlink() || name.starts_with('.') || name == "node_modules" || name == "target" {
                    continue;
                }
                if kind.is_dir() {
                    stack.push(entry);
                } else {
                    files.push(entry);
                }
            }
        }
        files.sort();
        files
    }
}
