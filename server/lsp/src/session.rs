//! The server's state: open documents and workspace folders. Document changes
//! are applied synchronously, in the order the client sent them (see
//! `ordered`); everything else reads snapshots.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
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

use crate::positions::rope_offset;
use crate::workspace::WorkspaceState;

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

pub struct Session {
    pub client: Client,
    encoding: RwLock<Encoding>,
    documents: RwLock<HashMap<String, (Uri, OpenDocument)>>,
    folders: RwLock<Vec<WorkspaceState>>,
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

    pub fn set_folders(&self, roots: Vec<PathBuf>) {
        let folders = roots.into_iter().map(WorkspaceState::new).collect();
        *self.folders.write().unwrap_or_else(PoisonError::into_inner) = folders;
    }

    /// The workspace folder holding `path` (the innermost), or a folder made
    /// of the file's directory for files outside every folder.
    pub fn workspace_for(&self, path: Option<&Path>) -> WorkspaceState {
        let folders = self.folders.read().unwrap_or_else(PoisonError::into_inner);
        let found = path.and_then(|path| {
            folders
                .iter()
                .filter(|folder| path.starts_with(&folder.root))
                .max_by_key(|folder| folder.root.components().count())
        });
        match found {
            Some(folder) => folder.clone(),
            None => {
                let root = path.and_then(Path::parent).map(Path::to_path_buf).unwrap_or_default();
                WorkspaceState::new(root)
            }
        }
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
            .expect("no writer panics while holding the lock")
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

pub fn file_path(uri: &Uri) -> Option<PathBuf> {
    let is_file = uri.scheme().as_str().eq_ignore_ascii_case("file");
    is_file.then(|| uri.to_file_path().map(|path| path.into_owned())).flatten()
}
