//! The server's state: open documents and workspace folders. Document changes
//! are applied synchronously, in the order the client sent them (see
//! `ordered`); everything else reads snapshots.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
// A poisoned lock only means a reader panicked; the data is still whole
// (writers never panic midway), so the session carries on with it.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use runbook_syntax::{Document, Encoding, TextRange};
use tokio::sync::mpsc;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::{
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams, Uri,
};

use crate::config::{ConfigLayer, ConfigProblem};
use crate::positions::rope_offset;
use crate::workspace::{ConfigFile, WorkspaceState};

#[derive(Clone)]
pub struct OpenDocument {
    pub version: i32,
    pub document: Document,
    /// The file path, for `file:` URIs.
    pub path: Option<PathBuf>,
}

/// A consistent view of one open document and its workspace.
#[derive(Clone)]
pub struct Snapshot {
    pub uri: Uri,
    pub document: OpenDocument,
    pub workspace: WorkspaceState,
    pub encoding: Encoding,
}

/// A workspace folder: its current state plus where its configuration came from.
#[derive(Clone)]
pub struct Folder {
    pub state: WorkspaceState,
    pub config_file: ConfigFile,
    /// The client's `workspace/configuration` answer for this folder.
    pub client_layer: ConfigLayer,
    /// Bumped whenever the index is rebuilt, so that a slow build that was
    /// overtaken never overwrites a newer one.
    pub index_generation: u64,
    /// Files other than open documents that we published diagnostics for
    /// (`runbook-ls.toml`, `key.json`), to clear them when they are fixed.
    pub published_files: Vec<PathBuf>,
}

/// What the client can do, from `initialize`.
#[derive(Debug, Clone, Default)]
pub struct ClientSupport {
    pub configuration: bool,
    pub watch_files_dynamically: bool,
    pub work_done_progress: bool,
    /// `initializationOptions`, read as a configuration layer.
    pub init_layer: ConfigLayer,
    pub init_problems: Vec<ConfigProblem>,
}

pub struct Session {
    pub client: Client,
    encoding: RwLock<Encoding>,
    documents: RwLock<HashMap<String, (Uri, OpenDocument)>>,
    folders: RwLock<Vec<Folder>>,
    support: RwLock<ClientSupport>,
    /// Our own file watchers, when the client cannot watch; dropping them stops them.
    watchers: std::sync::Mutex<Vec<notify::RecommendedWatcher>>,
    /// Documents whose diagnostics need publishing.
    dirty: mpsc::UnboundedSender<Uri>,
    shutdown_requested: AtomicBool,
}

impl Session {
    pub fn new(client: Client) -> (Arc<Session>, mpsc::UnboundedReceiver<Uri>) {
        let (dirty, dirty_rx) = mpsc::unbounded_channel();
        let session = Session {
            client,
            encoding: RwLock::new(Encoding::Utf16),
            documents: RwLock::new(HashMap::new()),
            folders: RwLock::new(Vec::new()),
            support: RwLock::new(ClientSupport::default()),
            watchers: std::sync::Mutex::new(Vec::new()),
            dirty,
            shutdown_requested: AtomicBool::new(false),
        };
        (Arc::new(session), dirty_rx)
    }

    pub fn set_shutdown_requested(&self) {
        self.shutdown_requested.store(true, Ordering::SeqCst);
    }

    pub fn shutdown_requested(&self) -> bool {
        self.shutdown_requested.load(Ordering::SeqCst)
    }

    pub fn encoding(&self) -> Encoding {
        *self.encoding.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn set_encoding(&self, encoding: Encoding) {
        *self.encoding.write().unwrap_or_else(PoisonError::into_inner) = encoding;
    }

    pub fn keep_watchers(&self, watchers: Vec<notify::RecommendedWatcher>) {
        self.watchers.lock().unwrap_or_else(PoisonError::into_inner).extend(watchers);
    }

    pub fn support(&self) -> ClientSupport {
        self.support.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    pub fn set_support(&self, support: ClientSupport) {
        *self.support.write().unwrap_or_else(PoisonError::into_inner) = support;
    }

    /// Adds workspace folders, configured from their files and the
    /// initialization options, not yet indexed.
    pub fn add_folders(&self, roots: Vec<PathBuf>) {
        let init_layer = self.support().init_layer;
        let mut folders = self.folders.write().unwrap_or_else(PoisonError::into_inner);
        for root in roots {
            if folders.iter().any(|folder| folder.state.root == root) {
                continue;
            }
            let (state, config_file) = WorkspaceState::configured(root, None, &[&init_layer]);
            folders.push(Folder {
                state,
                config_file,
                client_layer: ConfigLayer::default(),
                index_generation: 0,
                published_files: Vec::new(),
            });
        }
    }

    pub fn remove_folder(&self, root: &Path) -> Option<Folder> {
        let mut folders = self.folders.write().unwrap_or_else(PoisonError::into_inner);
        let index = folders.iter().position(|folder| folder.state.root == root)?;
        Some(folders.remove(index))
    }

    pub fn folder_roots(&self) -> Vec<PathBuf> {
        let folders = self.folders.read().unwrap_or_else(PoisonError::into_inner);
        folders.iter().map(|folder| folder.state.root.clone()).collect()
    }

    pub fn folder(&self, root: &Path) -> Option<Folder> {
        let folders = self.folders.read().unwrap_or_else(PoisonError::into_inner);
        folders.iter().find(|folder| folder.state.root == root).cloned()
    }

    /// Changes a folder in place (under the lock, so keep `change` quick).
    pub fn update_folder<T>(&self, root: &Path, change: impl FnOnce(&mut Folder) -> T) -> Option<T> {
        let mut folders = self.folders.write().unwrap_or_else(PoisonError::into_inner);
        folders.iter_mut().find(|folder| folder.state.root == root).map(change)
    }

    /// The workspace folder holding `path` (the innermost), or a folder made
    /// of the file's directory for files outside every folder.
    pub fn workspace_for(&self, path: Option<&Path>) -> WorkspaceState {
        let folders = self.folders.read().unwrap_or_else(PoisonError::into_inner);
        let found = path.and_then(|path| {
            folders
                .iter()
                .filter(|folder| path.starts_with(&folder.state.root))
                .max_by_key(|folder| folder.state.root.components().count())
        });
        match found {
            Some(folder) => folder.state.clone(),
            None => {
                let root = path.and_then(Path::parent).map(Path::to_path_buf).unwrap_or_default();
                WorkspaceState::new(root)
            }
        }
    }

    /// The open documents inside `root`, with their current text's model.
    pub fn open_documents_in(&self, root: &Path) -> Vec<(Uri, OpenDocument)> {
        let documents = self.documents.read().unwrap_or_else(PoisonError::into_inner);
        documents
            .values()
            .filter(|(_, document)| document.path.as_deref().is_some_and(|path| path.starts_with(root)))
            .cloned()
            .collect()
    }

    pub fn snapshot(&self, uri: &Uri) -> Option<Snapshot> {
        let document = {
            let documents = self.documents.read().unwrap_or_else(PoisonError::into_inner);
            documents.get(uri.as_str())?.1.clone()
        };
        let workspace = self.workspace_for(document.path.as_deref());
        Some(Snapshot { uri: uri.clone(), document, workspace, encoding: self.encoding() })
    }

    pub fn schedule_diagnostics(&self, uri: Uri) {
        // The receiver lives as long as the server; a send can only fail at exit.
        let _ = self.dirty.send(uri);
    }

    pub fn did_open(&self, params: DidOpenTextDocumentParams) {
        let item = params.text_document;
        let path = file_path(&item.uri);
        let document = OpenDocument { version: item.version, document: Document::new(&item.text), path };
        self.documents
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(item.uri.as_str().to_string(), (item.uri.clone(), document));
        self.schedule_diagnostics(item.uri);
    }

    pub fn did_change(&self, params: DidChangeTextDocumentParams) {
        let encoding = self.encoding();
        let uri = params.text_document.uri;
        {
            let mut documents = self.documents.write().unwrap_or_else(PoisonError::into_inner);
            let Some((_, open)) = documents.get_mut(uri.as_str()) else {
                tracing::warn!("didChange for a document that is not open: {}", uri.as_str());
                return;
            };
            for change in params.content_changes {
                match change.range {
                    Some(range) => {
                        let rope = open.document.rope();
                        let start = rope_offset(rope, range.start, encoding);
                        let end = rope_offset(rope, range.end, encoding).max(start);
                        open.document.edit(TextRange::new(start, end), &change.text);
                    }
                    None => open.document.replace_all(&change.text),
                }
            }
            open.version = params.text_document.version;
        }
        self.schedule_diagnostics(uri);
    }

    pub fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        self.documents.write().unwrap_or_else(PoisonError::into_inner).remove(uri.as_str());
        self.schedule_diagnostics(uri);
    }
}

/// The path of a `file:` URI, normalised so that a prefix test on it means
/// "inside": `file:///ws/runbooks/../../etc/passwd.md` is `/etc/passwd.md`.
pub fn file_path(uri: &Uri) -> Option<PathBuf> {
    let is_file = uri.scheme().as_str().eq_ignore_ascii_case("file");
    is_file.then(|| uri.to_file_path().map(|path| normalize(&path))).flatten()
}

/// `path` without `.` and `..` components, resolved lexically: the file
/// need not exist, and links are not followed (the file system refuses
/// those that lead out of the workspace). `/..` is `/`.
fn normalize(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match normal.components().next_back() {
                Some(Component::Normal(_)) => {
                    normal.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => normal.push(".."),
            },
            other => normal.push(other),
        }
    }
    normal
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::str::FromStr;

    use tower_lsp_server::ls_types::Uri;

    use super::file_path;

    #[test]
    fn parent_components_cannot_climb_out_of_a_folder() {
        let path = |uri: &str| file_path(&Uri::from_str(uri).unwrap()).unwrap();
        let escaped = path("file:///ws/runbooks/../../../../etc/passwd.md");
        assert_eq!(escaped, Path::new("/etc/passwd.md"));
        assert!(!escaped.starts_with("/ws"));
        assert_eq!(path("file:///ws/runbooks/%2E%2E/%2e%2e/etc/x.md"), Path::new("/etc/x.md"));
        assert_eq!(path("file:///ws/./runbooks/../keys/a.md"), Path::new("/ws/keys/a.md"));
        assert_eq!(path("file:///ws/runbooks/a.md"), Path::new("/ws/runbooks/a.md"));
    }
}
