//! The language server: capabilities, request handlers and the diagnostics
//! publisher, over stdio behind the framing guard.

use std::collections::HashSet;
use std::sync::Arc;

use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{LanguageServer, LspService, Server};

use crate::config::ConfigLayer;
use crate::ordered::Ordered;
use crate::positions::{self, Converter};
use crate::session::{ClientSupport, Session, Snapshot, file_path};
use crate::{folders, framing, to_proto};

pub struct Backend {
    session: Arc<Session>,
}

/// Serves LSP on stdin/stdout until the client exits. Returns whether the
/// session ended cleanly (`shutdown` before `exit`), which LSP maps to exit code 0.
pub async fn run_stdio() -> bool {
    let (input, relay_output) = tokio::io::duplex(64 * 1024);
    let relay = tokio::spawn(framing::relay(tokio::io::stdin(), relay_output));

    let mut session_slot = None;
    let (service, socket) = LspService::new(|client| {
        let (session, dirty) = Session::new(client);
        session_slot = Some((session.clone(), dirty));
        Backend { session }
    });
    let (session, dirty) = session_slot.expect("LspService::new calls the constructor");
    tokio::spawn(publish_diagnostics(session.clone(), dirty));
    let service = Ordered { inner: service, session: session.clone() };
    Server::new(input, tokio::io::stdout(), socket).serve(service).await;
    relay.abort();
    session.shutdown_requested()
}

/// Runs a computation on the blocking pool, so that a slow parse never stalls
/// the message loop and a panic fails only its own request.
async fn compute<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|error| {
        tracing::error!("a request failed: {error}");
        let mut rpc_error = Error::internal_error();
        rpc_error.message = format!("runbook-ls failed on this request: {error}").into();
        rpc_error
    })
}

/// Publishes the diagnostics of documents as they change. Changes that queue
/// up while a document is being checked are coalesced: the next check sees
/// the latest version, and every publication carries the version it is for.
async fn publish_diagnostics(session: Arc<Session>, mut dirty: mpsc::UnboundedReceiver<Uri>) {
    while let Some(first) = dirty.recv().await {
        let mut pending = vec![first];
        while let Ok(uri) = dirty.try_recv() {
            pending.push(uri);
        }
        let mut seen = HashSet::new();
        pending.retain(|uri| seen.insert(uri.as_str().to_string()));
        for uri in pending {
            let Some(snapshot) = session.snapshot(&uri) else {
                // Closed: clear what was published for it.
                session.client.publish_diagnostics(uri, Vec::new(), None).await;
                continue;
            };
            let version = snapshot.document.version;
            match compute(move || file_diagnostics(&snapshot)).await {
                Ok(diagnostics) => session.client.publish_diagnostics(uri, diagnostics, Some(version)).await,
                Err(error) => tracing::error!("no diagnostics for {}: {}", uri.as_str(), error.message),
            }
        }
    }
}

fn file_diagnostics(snapshot: &Snapshot) -> Vec<Diagnostic> {
    let parse = snapshot.document.document.parse();
    let path = snapshot.document.path.clone().unwrap_or_default();
    let found = runbook_ide::diagnostics(&runbook_ide::File { path: &path, parse: &parse }, &snapshot.workspace.ide());
    let converter = Converter { text: parse.text(), line_index: parse.line_index(), encoding: snapshot.encoding };
    found.iter().map(|diagnostic| to_proto::diagnostic(&snapshot.uri, &converter, diagnostic)).collect()
}

impl Backend {
    fn snapshot(&self, uri: &Uri) -> Option<Snapshot> {
        self.session.snapshot(uri)
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let encoding = positions::negotiate(&params.capabilities);
        self.session.set_encoding(encoding);
        let capabilities = &params.capabilities;
        let workspace = capabilities.workspace.as_ref();
        let (init_layer, init_problems) =
            ConfigLayer::from_json(params.initialization_options.as_ref().unwrap_or(&serde_json::Value::Null));
        self.session.set_support(ClientSupport {
            configuration: workspace.and_then(|workspace| workspace.configuration).unwrap_or(false),
            watch_files_dynamically: workspace
                .and_then(|workspace| workspace.did_change_watched_files.as_ref())
                .and_then(|watch| watch.dynamic_registration)
                .unwrap_or(false),
            work_done_progress: capabilities
                .window
                .as_ref()
                .and_then(|window| window.work_done_progress)
                .unwrap_or(false),
            init_layer,
            init_problems,
        });
        #[allow(deprecated)] // `root_uri` is what older clients send.
        let roots = match (&params.workspace_folders, &params.root_uri) {
            (Some(folders), _) if !folders.is_empty() => {
                folders.iter().filter_map(|folder| file_path(&folder.uri)).collect()
            }
            (_, Some(root)) => file_path(root).into_iter().collect(),
            _ => Vec::new(),
        };
        self.session.add_folders(roots);
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(positions::encoding_kind(encoding)),
                text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    ..TextDocumentSyncOptions::default()
                })),
                document_symbol_provider: Some(OneOf::Left(true)),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    file_operations: None,
                }),
                ..ServerCapabilities::default()
            },
            server_info: Some(ServerInfo {
                name: "runbook-ls".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        tracing::info!("initialized; position encoding {:?}", self.session.encoding());
        tokio::spawn(folders::start(self.session.clone()));
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        // Clients that answer `workspace/configuration` are asked again (their
        // pushed payloads differ from client to client); the others (Helix)
        // push the settings themselves, nested under `runbook-ls` or flat.
        let session = self.session.clone();
        if !session.support().configuration {
            let (layer, problems) = ConfigLayer::from_json(&params.settings);
            folders::show_client_problems(&session, &problems, "the editor's runbook-ls settings").await;
            for root in session.folder_roots() {
                session.update_folder(&root, |folder| folder.client_layer = layer.clone());
            }
        }
        tokio::spawn(async move {
            for root in session.folder_roots() {
                if folders::reload_config(&session, &root).await {
                    tokio::spawn(folders::rebuild_index(session.clone(), root));
                }
            }
        });
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let paths = params.changes.iter().filter_map(|change| file_path(&change.uri)).collect();
        tokio::spawn(folders::files_changed(self.session.clone(), paths));
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        for removed in &params.event.removed {
            if let Some(root) = file_path(&removed.uri) {
                self.session.remove_folder(&root);
            }
        }
        let added = params.event.added.iter().filter_map(|folder| file_path(&folder.uri)).collect();
        tokio::spawn(folders::add(self.session.clone(), added));
    }

    async fn shutdown(&self) -> Result<()> {
        self.session.set_shutdown_requested();
        Ok(())
    }

    // Document changes are applied in arrival order by `Ordered`, before these run.
    async fn did_open(&self, _: DidOpenTextDocumentParams) {}

    async fn did_change(&self, _: DidChangeTextDocumentParams) {}

    async fn did_close(&self, _: DidCloseTextDocumentParams) {}

    async fn document_symbol(&self, params: DocumentSymbolParams) -> Result<Option<DocumentSymbolResponse>> {
        let Some(snapshot) = self.snapshot(&params.text_document.uri) else { return Ok(None) };
        compute(move || {
            let parse = snapshot.document.document.parse();
            let converter =
                Converter { text: parse.text(), line_index: parse.line_index(), encoding: snapshot.encoding };
            let symbols = runbook_ide::document_symbols(parse.runbook());
            Some(DocumentSymbolResponse::Nested(
                symbols.iter().map(|symbol| to_proto::document_symbol(&converter, symbol)).collect(),
            ))
        })
        .await
    }
}
