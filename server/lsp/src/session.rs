//! The server's state: one `AnalysisHost` per workspace folder (plus one per
//! open document outside every folder), and which host holds each open
//! document. Document changes are applied synchronously, in version order
//! (see `ordered` and `text_sync`); everything else reads snapshots.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
// A poisoned lock only means a reader panicked; the data is still whole
// (writers never panic midway), so the session carries on with it.
use std::sync::{Arc, PoisonError, RwLock, RwLockWriteGuard};

use runbook_ide::settings::{ConfigLayer, ConfigProblem};
use runbook_ide::{Analysis, AnalysisHost};
use runbook_keys::fs::RealFs;
use runbook_syntax::Encoding;
use tokio::sync::mpsc;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::notification::{Notification as _, PublishDiagnostics};
use tower_lsp_server::ls_types::{Diagnostic, PublishDiagnosticsParams, Uri};

/// An open document, as the session tracks it; its text is in its host.
#[derive(Debug, Clone)]
pub struct OpenDocument {
    pub uri: Uri,
    pub version: i32,
    /// The file path (for `file:` URIs), or the URI's text (for others):
    /// the document's name in its host.
    pub path: PathBuf,
    pub owner: Owner,
}

/// Which host holds a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// The workspace folder with this root.
    Folder(PathBuf),
    /// Its own host, for a document outside every folder.
    Detached,
}

/// A consistent view of one open document and its workspace.
#[derive(Clone)]
pub struct Snapshot {
    pub uri: Uri,
    pub version: i32,
    pub path: PathBuf,
    pub analysis: Analysis,
    pub encoding: Encoding,
}

/// A workspace folder.
pub struct Folder {
    pub host: AnalysisHost,
    /// The editor's own settings for the folder: its `workspace/configuration`
    /// answer, or what it pushed (clients that do not answer, like Helix).
    pub client_layer: ConfigLayer,
    /// Bumped whenever the index is rebuilt, so that a slow build that was
    /// overtaken never overwrites a newer one.
    pub index_generation: u64,
    /// Files other than open documents that we published diagnostics for
    /// (`runbook-ls.toml`, `key.json`), to clear them when they are fixed.
    pub published_files: Vec<PathBuf>,
}

impl Folder {
    pub fn root(&self) -> &Path {
        self.host.root()
    }
}

/// What the client can do, from `initialize`.
#[derive(Debug, Clone, Default)]
pub struct ClientSupport {
    pub configuration: bool,
    pub watch_files_dynamically: bool,
    pub work_done_progress: bool,
    /// Answers go to definition with `LocationLink`s (`definition.linkSupport`).
    pub definition_links: bool,
    /// Takes workspace edits as `documentChanges` (`workspaceEdit.documentChanges`).
    pub document_changes: bool,
    /// Renames files and folders in workspace edits (`resourceOperations` has `rename`).
    pub rename_resources: bool,
    /// `initializationOptions`, read as a configuration layer.
    pub init_layer: ConfigLayer,
    pub init_problems: Vec<ConfigProblem>,
    /// The `workspace/*/refresh` requests the client answers.
    pub refresh: crate::refresh::RefreshSupport,
    /// `window/showDocument`.
    pub show_document: bool,
    /// Whether the client runs code lenses' `runbook-ls.showReferences` itself.
    pub show_references: bool,
}

#[derive(Default)]
pub struct State {
    pub folders: Vec<Folder>,
    /// Open documents by URI.
    pub documents: HashMap<String, OpenDocument>,
    /// Hosts of the documents outside every folder, by URI.
    detached: HashMap<String, AnalysisHost>,
}

impl State {
    pub fn folder_mut(&mut self, root: &Path) -> Option<&mut Folder> {
        self.folders.iter_mut().find(|folder| folder.root() == root)
    }

    /// The root of the innermost folder holding `path`.
    fn owner_of(&self, path: &Path) -> Owner {
        let path = lexically_normal(path);
        self.folders
            .iter()
            .map(Folder::root)
            .filter(|root| path.starts_with(root))
            .max_by_key(|root| root.components().count())
            .map_or(Owner::Detached, |root| Owner::Folder(root.to_path_buf()))
    }

    /// The host holding an open document.
    pub fn host_mut(&mut self, document: &OpenDocument) -> Option<&mut AnalysisHost> {
        match &document.owner {
            Owner::Folder(root) => self.folder_mut(root).map(|folder| &mut folder.host),
            Owner::Detached => self.detached.get_mut(document.uri.as_str()),
        }
    }

    fn host(&self, document: &OpenDocument) -> Option<&AnalysisHost> {
        match &document.owner {
            Owner::Folder(root) => self.folders.iter().find(|folder| folder.root() == root).map(|folder| &folder.host),
            Owner::Detached => self.detached.get(document.uri.as_str()),
        }
    }

    /// Puts a document into the host that should hold it, taking it out of
    /// the one that held it (folders come and go).
    fn rehome(&mut self, uri: &str) {
        let Some(document) = self.documents.get(uri).cloned() else { return };
        let owner = self.owner_of(&document.path);
        if owner == document.owner {
            return;
        }
        let Some(text) = self.host_mut(&document).and_then(|host| host.close_document(&document.path)) else { return };
        if document.owner == Owner::Detached {
            self.detached.remove(uri);
        }
        let moved = OpenDocument { owner: owner.clone(), ..document };
        if owner == Owner::Detached {
            self.detached.insert(uri.to_string(), detached_host(&moved.path));
        }
        if let Some(host) = self.host_mut(&moved) {
            host.adopt_document(moved.path.clone(), text);
        }
        self.documents.insert(uri.to_string(), moved);
    }
}

pub struct Session {
    pub client: Client,
    encoding: RwLock<Encoding>,
    state: RwLock<State>,
    support: RwLock<ClientSupport>,
    /// Our own file watchers, when the client cannot watch; dropping them stops them.
    watchers: std::sync::Mutex<Vec<notify::RecommendedWatcher>>,
    /// Held while an index is built or updated, so that updates apply one
    /// after the other, each to the result of the last.
    pub index_lock: tokio::sync::Mutex<()>,
    /// Documents whose diagnostics need publishing.
    dirty: mpsc::UnboundedSender<Uri>,
    shutdown_requested: AtomicBool,
    /// The last semantic tokens sent for each open document.
    pub semantic_tokens: crate::semantic_tokens::TokenCache,
    /// Whether the client pulls diagnostics, and its reports.
    pub pull: crate::pull_diagnostics::PullState,
    /// The writer of stdout, for messages sent around tower-lsp-server (see
    /// `framing::DirectOutput`); none when the session runs in process, or
    /// once it has ended and the writer must see its last sender go.
    direct: RwLock<Option<crate::framing::DirectOutput>>,
}

impl Session {
    pub fn new(client: Client) -> (Arc<Session>, mpsc::UnboundedReceiver<Uri>) {
        let (dirty, dirty_rx) = mpsc::unbounded_channel();
        let session = Session {
            client,
            encoding: RwLock::new(Encoding::Utf16),
            state: RwLock::new(State::default()),
            support: RwLock::new(ClientSupport::default()),
            watchers: std::sync::Mutex::new(Vec::new()),
            index_lock: tokio::sync::Mutex::new(()),
            dirty,
            shutdown_requested: AtomicBool::new(false),
            semantic_tokens: Default::default(),
            pull: Default::default(),
            direct: Default::default(),
        };
        (Arc::new(session), dirty_rx)
    }

    pub fn set_direct_output(&self, output: Option<crate::framing::DirectOutput>) {
        *self.direct.write().unwrap_or_else(PoisonError::into_inner) = output;
    }

    /// The writer of stdout, when the session has it.
    pub fn direct_output(&self) -> Option<crate::framing::DirectOutput> {
        self.direct.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Publishes a document's diagnostics: straight into a frame when the
    /// session has stdout's writer, since a large document's thousands of
    /// diagnostics would otherwise pass through a `serde_json::Value` tree.
    pub async fn publish_diagnostics(&self, uri: Uri, diagnostics: Vec<Diagnostic>, version: Option<i32>) {
        match self.direct_output() {
            Some(output) => {
                let params = PublishDiagnosticsParams { uri, diagnostics, version };
                output.notify(PublishDiagnostics::METHOD, &params).await;
            }
            None => self.client.publish_diagnostics(uri, diagnostics, version).await,
        }
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

    /// The state, for changes (under the lock, so keep them quick).
    pub fn state(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds workspace folders, configured from their `runbook-ls.toml` and
    /// the initialization options but not yet indexed, and moves the open
    /// documents they hold into them. The file is read now, not when the
    /// client is first asked for its settings, so that a document opened
    /// right away is never checked with the defaults.
    pub fn add_folders(&self, roots: Vec<PathBuf>) {
        let init_layer = self.support().init_layer;
        let mut state = self.state();
        for root in roots {
            let root = lexically_normal(&root);
            if state.folders.iter().any(|folder| folder.root() == root) {
                continue;
            }
            let mut host = AnalysisHost::new(root.clone(), Arc::new(RealFs::new([root])));
            let config_file = host.analysis().read_config_file();
            host.set_settings(config_file, vec![init_layer.clone()]);
            state.folders.push(Folder {
                host,
                client_layer: ConfigLayer::default(),
                index_generation: 0,
                published_files: Vec::new(),
            });
        }
        let uris: Vec<String> = state.documents.keys().cloned().collect();
        for uri in uris {
            state.rehome(&uri);
        }
    }

    pub fn remove_folder(&self, root: &Path) {
        let mut state = self.state();
        let root = lexically_normal(root);
        let Some(index) = state.folders.iter().position(|folder| folder.root() == root) else { return };
        // Its open documents move to the folder around it, or stand alone.
        let uris: Vec<String> = state
            .documents
            .values()
            .filter(|document| document.owner == Owner::Folder(root.clone()))
            .map(|document| document.uri.as_str().to_string())
            .collect();
        let folder = state.folders.remove(index);
        for uri in uris {
            let Some(document) = state.documents.get(&uri).cloned() else { continue };
            let Some(text) = folder.host.analysis().document(&document.path).cloned() else { continue };
            let owner = state.owner_of(&document.path);
            let moved = OpenDocument { owner: owner.clone(), ..document };
            if owner == Owner::Detached {
                state.detached.insert(uri.clone(), detached_host(&moved.path));
            }
            if let Some(host) = state.host_mut(&moved) {
                host.adopt_document(moved.path.clone(), text);
            }
            state.documents.insert(uri, moved);
        }
    }

    pub fn folder_roots(&self) -> Vec<PathBuf> {
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        state.folders.iter().map(|folder| folder.root().to_path_buf()).collect()
    }

    /// A snapshot of a folder's workspace.
    pub fn folder_analysis(&self, root: &Path) -> Option<Analysis> {
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        state.folders.iter().find(|folder| folder.root() == root).map(|folder| folder.host.analysis())
    }

    /// Changes a folder in place (under the lock, so keep `change` quick).
    pub fn update_folder<T>(&self, root: &Path, change: impl FnOnce(&mut Folder) -> T) -> Option<T> {
        self.state().folder_mut(root).map(change)
    }

    /// The workspace that holds `path` (an open document's, or the folder's),
    /// for requests about a document that may have closed since.
    pub fn analysis_for(&self, path: Option<&Path>) -> Option<Analysis> {
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        let Owner::Folder(root) = state.owner_of(path?) else { return None };
        state.folders.iter().find(|folder| folder.root() == root).map(|folder| folder.host.analysis())
    }

    /// The URIs of the open documents of a folder.
    pub fn open_documents_in(&self, root: &Path) -> Vec<Uri> {
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        state
            .documents
            .values()
            .filter(|document| matches!(&document.owner, Owner::Folder(owner) if owner == root))
            .map(|document| document.uri.clone())
            .collect()
    }

    pub fn snapshot(&self, uri: &Uri) -> Option<Snapshot> {
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        let document = state.documents.get(uri.as_str())?;
        let analysis = state.host(document)?.analysis();
        Some(Snapshot {
            uri: uri.clone(),
            version: document.version,
            path: document.path.clone(),
            analysis,
            encoding: self.encoding(),
        })
    }

    /// The open documents' versions by path, for edits that name them.
    pub fn open_versions(&self) -> HashMap<PathBuf, (Uri, i32)> {
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        state
            .documents
            .values()
            .map(|document| (document.path.clone(), (document.uri.clone(), document.version)))
            .collect()
    }

    /// Snapshots of every folder's workspace, for requests about all of them.
    pub fn folder_analyses(&self) -> Vec<Analysis> {
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        state.folders.iter().map(|folder| folder.host.analysis()).collect()
    }

    pub fn schedule_diagnostics(&self, uri: Uri) {
        // A client that pulls is never pushed to.
        if self.pull.pulls() {
            return;
        }
        // The receiver lives as long as the server; a send can only fail at exit.
        let _ = self.dirty.send(uri);
    }

    /// Opens a document in the host of the folder that holds it.
    pub fn open_document(&self, uri: Uri, version: i32, text: &str) {
        let path = document_path(&uri);
        // A reopened document starts its versions again, with any text.
        self.pull.forget(&path);
        let mut state = self.state();
        let owner = state.owner_of(&path);
        let document = OpenDocument { uri: uri.clone(), version, path: path.clone(), owner: owner.clone() };
        if let Some(previous) = state.documents.get(uri.as_str()).cloned() {
            // Reopened without a close: forget the old text.
            if let Some(host) = state.host_mut(&previous) {
                host.close_document(&previous.path);
            }
        }
        if owner == Owner::Detached {
            state.detached.insert(uri.as_str().to_string(), detached_host(&path));
        }
        if let Some(host) = state.host_mut(&document) {
            host.open_document(path, text);
        }
        state.documents.insert(uri.as_str().to_string(), document);
    }

    pub fn close_document(&self, uri: &Uri) {
        self.semantic_tokens.forget(uri.as_str());
        let mut state = self.state();
        let Some(document) = state.documents.remove(uri.as_str()) else { return };
        if let Some(host) = state.host_mut(&document) {
            host.close_document(&document.path);
        }
        state.detached.remove(uri.as_str());
    }
}

/// A host for a document outside every folder: rooted at its folder, which
/// is all it may read, with the default configuration and no index.
fn detached_host(path: &Path) -> AnalysisHost {
    let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
    AnalysisHost::new(root.clone(), Arc::new(RealFs::new([root])))
}

/// The path a document goes by: its file path, normalised, for `file:` URIs;
/// the URI's text for others (untitled buffers), which no file system reads.
pub fn document_path(uri: &Uri) -> PathBuf {
    file_path(uri).unwrap_or_else(|| PathBuf::from(uri.as_str()))
}

/// The path of a `file:` URI, normalised so that a prefix test on it means
/// "inside": `file:///ws/runbooks/../../etc/passwd.md` is `/etc/passwd.md`.
pub fn file_path(uri: &Uri) -> Option<PathBuf> {
    let is_file = uri.scheme().as_str().eq_ignore_ascii_case("file");
    is_file.then(|| uri.to_file_path().map(|path| lexically_normal(&path))).flatten()
}

/// `a/./b/../c` is `a/c`, without touching the disk: a path must be
/// normalised before asking which folder it is in, or `/ws/../etc` would be
/// inside `/ws`.
pub fn lexically_normal(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            // Up from a name; a relative path keeps its leading `..`; `/..` is `/`.
            Component::ParentDir if normal.file_name().is_some() => {
                normal.pop();
            }
            Component::ParentDir if !normal.has_root() => normal.push(".."),
            Component::ParentDir => {}
            other => normal.push(other),
        }
    }
    normal
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

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

    #[test]
    fn paths_are_normalised_before_asking_where_they_are() {
        for (path, normal) in [
            ("/ws/runbooks/../../../../etc/passwd.md", "/etc/passwd.md"),
            ("/ws/./runbooks//a.md", "/ws/runbooks/a.md"),
            ("/ws/runbooks/../a.md", "/ws/a.md"),
            ("../x/../../y", "../../y"),
        ] {
            assert_eq!(lexically_normal(Path::new(path)), Path::new(normal), "{path}");
        }
        let mut state = State::default();
        let root = PathBuf::from("/ws");
        let host = AnalysisHost::new(root.clone(), Arc::new(runbook_keys::fs::MemoryFs::new()));
        state.folders.push(Folder {
            host,
            client_layer: ConfigLayer::default(),
            index_generation: 0,
            published_files: Vec::new(),
        });
        assert_eq!(state.owner_of(Path::new("/ws/runbooks/a.md")), Owner::Folder(root));
        assert_eq!(state.owner_of(Path::new("/ws/runbooks/../../etc/passwd.md")), Owner::Detached);
        assert_eq!(state.owner_of(Path::new("/wsx/a.md")), Owner::Detached);
    }
}
