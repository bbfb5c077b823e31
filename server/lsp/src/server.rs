//! The language server: capabilities, request handlers and the diagnostics
//! publisher, over stdio behind the framing guard.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{Semaphore, mpsc};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{LanguageServer, LspService};

use runbook_ide::settings::ConfigLayer;

use crate::handlers::code_action::{self, CodeActionSupport};
use crate::handlers::navigation;
use crate::ordered::Ordered;
use crate::positions::{self, Converter, OrderedPositions};
use crate::refresh::RefreshSupport;
use crate::session::{ClientSupport, Session, Snapshot, file_path};
use crate::{folders, framing, pull_diagnostics, semantic_tokens, show_references, to_proto, transport};

pub struct Backend {
    session: Arc<Session>,
    /// Whether the client expands snippets (`completionItem.snippetSupport`);
    /// completion sends plain text to those that do not.
    snippet_support: AtomicBool,
    code_action_support: std::sync::OnceLock<CodeActionSupport>,
}

/// Serves LSP on stdin/stdout until the client exits, skipping messages
/// larger than `max_message_bytes`. Returns whether the session ended cleanly
/// (`shutdown` before `exit`), which LSP maps to exit code 0.
pub async fn run_stdio(max_message_bytes: usize) -> bool {
    // One writer owns stdout and writes whole frames: the server's own
    // messages and the relay's answers to requests it dropped.
    let (frames, frames_to_write) = mpsc::channel(16);
    let writer = std::thread::Builder::new().name("runbook-ls stdout".to_string()).spawn(move || {
        crate::allocator::without_thread_cache();
        framing::write_frames(frames_to_write, stdout())
    });
    let writer = match writer {
        Ok(writer) => writer,
        Err(error) => {
            tracing::error!("cannot start the output thread: {error}");
            return false;
        }
    };
    let output = framing::DirectOutput::new(frames.clone());
    // A few messages read ahead, as a pipe's buffer would hold.
    let (messages, to_serve) = mpsc::channel(16);
    let relay = tokio::spawn(framing::relay(tokio::io::stdin(), messages, frames, max_message_bytes));

    let mut session_slot = None;
    let (service, socket) = LspService::new(|client| {
        let (session, dirty) = Session::new(client);
        session_slot = Some((session.clone(), dirty));
        Backend { session, snippet_support: AtomicBool::new(false), code_action_support: Default::default() }
    });
    let (session, dirty) = session_slot.expect("LspService::new calls the constructor");
    session.set_direct_output(Some(output.clone()));
    tokio::spawn(publish_diagnostics(session.clone(), dirty));
    let service = Ordered::new(service, session.clone());
    transport::serve(service, socket, to_serve, output).await;
    relay.abort();
    session.set_direct_output(None);
    // The relay's sender goes with it, the loop's with `serve`, the
    // session's above (a publication under way holds its own until sent):
    // then the writer has written everything and ends.
    let _ = relay.await;
    let _ = tokio::task::spawn_blocking(move || writer.join()).await;
    session.shutdown_requested()
}

/// Standard output without the line buffering of `std::io::stdout()`, which
/// would write every frame in two pieces (its header ends in a newline).
fn stdout() -> Box<dyn std::io::Write + Send> {
    use std::os::fd::AsFd;
    match std::io::stdout().as_fd().try_clone_to_owned() {
        Ok(descriptor) => Box::new(std::fs::File::from(descriptor)),
        Err(_) => Box::new(std::io::stdout()),
    }
}

/// Runs a computation on the blocking pool, so that a slow parse never stalls
/// the message loop and a panic fails only its own request.
pub(crate) async fn compute<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|error| {
        tracing::error!("a request failed: {error}");
        let mut rpc_error = Error::internal_error();
        rpc_error.message = format!("runbook-ls failed on this request: {error}").into();
        rpc_error
    })
}

/// Publishes the diagnostics of documents as they change, each document on
/// its own task: a document that takes long to check never delays another's
/// diagnostics. Changes that arrive while a document is being checked are
/// coalesced: its task checks it once more, at the latest version, and every
/// publication carries the version it is for. A document's published
/// versions never go back: only its one task publishes versioned
/// diagnostics for it, in the order it takes snapshots, and `ordered` only
/// ever moves a document's version forward. At most as many documents as
/// there are cores are checked at once, so that a burst (the index changed
/// under every open document) never holds every document's analysis in
/// memory together.
async fn publish_diagnostics(session: Arc<Session>, mut dirty: mpsc::UnboundedReceiver<Uri>) {
    let checking: Arc<Mutex<HashMap<String, bool>>> = Arc::default();
    let n_cores = std::thread::available_parallelism().map_or(2, usize::from).max(2);
    let permits = Arc::new(Semaphore::new(n_cores));
    while let Some(uri) = dirty.recv().await {
        {
            let mut checking = checking.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(changed_again) = checking.get_mut(uri.as_str()) {
                *changed_again = true;
                continue;
            }
            checking.insert(uri.as_str().to_string(), false);
        }
        tokio::spawn(publish_document(session.clone(), uri, checking.clone(), permits.clone()));
    }
}

/// Checks and publishes one document until it stops changing under the check.
async fn publish_document(
    session: Arc<Session>,
    uri: Uri,
    checking: Arc<Mutex<HashMap<String, bool>>>,
    permits: Arc<Semaphore>,
) {
    loop {
        // The snapshot is taken once a check may start, so that it is as fresh as can be.
        let permit = permits.clone().acquire_owned().await;
        match session.snapshot(&uri) {
            // Closed: clear what was published for it.
            None => session.publish_diagnostics(uri.clone(), Vec::new(), None).await,
            Some(snapshot) => {
                let version = snapshot.version;
                let computed = compute(move || file_diagnostics(&snapshot)).await;
                drop(permit);
                match computed {
                    Ok(diagnostics) => session.publish_diagnostics(uri.clone(), diagnostics, Some(version)).await,
                    Err(error) => tracing::error!("no diagnostics for {}: {}", uri.as_str(), error.message),
                }
            }
        }
        let mut checking = checking.lock().unwrap_or_else(PoisonError::into_inner);
        match checking.get_mut(uri.as_str()) {
            Some(changed_again) if *changed_again => *changed_again = false,
            _ => {
                checking.remove(uri.as_str());
                return;
            }
        }
    }
}

pub(crate) fn file_diagnostics(snapshot: &Snapshot) -> Vec<Diagnostic> {
    let found = snapshot.analysis.diagnostics_without_fixes(&snapshot.path);
    let parse = snapshot.analysis.parse(&snapshot.path);
    snapshot
        .with_converter(|converter| {
            let Some(parse) = parse else {
                return found
                    .into_iter()
                    .map(|diagnostic| to_proto::diagnostic(&snapshot.uri, converter, diagnostic))
                    .collect();
            };
            // Findings are sorted by where they start, then end: one walk
            // over the parse's text (this version's) for their starts and
            // one for their ends answer most positions. A single walk fell
            // behind at every finding that starts inside the one before it
            // (an Action's missing fields all point at its heading), and the
            // rope answered those.
            let text = parse.text();
            let starts = std::cell::RefCell::new(OrderedPositions::new(text, converter.encoding));
            let ends = std::cell::RefCell::new(OrderedPositions::new(text, converter.encoding));
            let range = |range: runbook_syntax::TextRange| {
                let start = starts.borrow_mut().position_or(range.start, converter);
                Range::new(start, ends.borrow_mut().position_or(range.end, converter))
            };
            found
                .into_iter()
                .map(|diagnostic| to_proto::diagnostic_in(&snapshot.uri, range, converter.encoding, diagnostic))
                .collect()
        })
        .unwrap_or_default()
}

/// The snapshot of a request's document, with the request's position.
pub(crate) fn document_position(
    session: &Session,
    params: &TextDocumentPositionParams,
) -> Option<(Snapshot, Position)> {
    Some((session.snapshot(&params.text_document.uri)?, params.position))
}

impl Snapshot {
    /// Runs `f` with the position converter of the document's text.
    pub(crate) fn with_converter<T>(&self, f: impl FnOnce(&Converter<'_>) -> T) -> Option<T> {
        let document = self.analysis.document(&self.path)?;
        Some(f(&Converter::new(document.rope(), self.encoding)))
    }
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
        let snippet_support = capabilities
            .text_document
            .as_ref()
            .and_then(|text_document| text_document.completion.as_ref())
            .and_then(|completion| completion.completion_item.as_ref())
            .and_then(|item| item.snippet_support)
            .unwrap_or(false);
        self.snippet_support.store(snippet_support, Ordering::Relaxed);
        let _ = self.code_action_support.set(CodeActionSupport::from_capabilities(capabilities));
        let workspace = capabilities.workspace.as_ref();
        let text_document = capabilities.text_document.as_ref();
        let workspace_edit = workspace.and_then(|workspace| workspace.workspace_edit.as_ref());
        let prepare_rename = text_document
            .and_then(|text_document| text_document.rename.as_ref())
            .and_then(|rename| rename.prepare_support)
            .unwrap_or(false);
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
            definition_links: text_document
                .and_then(|text_document| text_document.definition.as_ref())
                .and_then(|definition| definition.link_support)
                .unwrap_or(false),
            // Resource operations exist only in `documentChanges`, so a client
            // that offers them takes those (Neovim 0.11 offers them without
            // saying `documentChanges`).
            document_changes: workspace_edit.is_some_and(|edit| {
                edit.document_changes == Some(true)
                    || edit.resource_operations.as_ref().is_some_and(|operations| !operations.is_empty())
            }),
            rename_resources: workspace_edit
                .and_then(|edit| edit.resource_operations.as_ref())
                .is_some_and(|operations| operations.contains(&ResourceOperationKind::Rename)),
            init_layer,
            init_problems,
            refresh: RefreshSupport::of(capabilities),
            show_document: capabilities
                .window
                .as_ref()
                .and_then(|window| window.show_document.as_ref())
                .is_some_and(|show_document| show_document.support),
            show_references: show_references::client_runs_it(capabilities),
        });
        let pulls = pull_diagnostics::client_pulls(capabilities);
        self.session.pull.set_pulls(pulls);
        tracing::info!("diagnostics are {}", if pulls { "pulled by the client" } else { "pushed" });
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
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(
                        runbook_ide::COMPLETION_TRIGGER_CHARACTERS.iter().map(|c| c.to_string()).collect(),
                    ),
                    resolve_provider: Some(true),
                    ..CompletionOptions::default()
                }),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                document_highlight_provider: Some(OneOf::Left(true)),
                rename_provider: Some(if prepare_rename {
                    OneOf::Right(RenameOptions {
                        prepare_provider: Some(true),
                        work_done_progress_options: Default::default(),
                    })
                } else {
                    OneOf::Left(true)
                }),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                document_link_provider: Some(DocumentLinkOptions {
                    resolve_provider: Some(false),
                    work_done_progress_options: Default::default(),
                }),
                code_action_provider: Some(code_action::server_capability()),
                semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
                    SemanticTokensOptions {
                        work_done_progress_options: WorkDoneProgressOptions::default(),
                        legend: semantic_tokens::legend(),
                        range: Some(true),
                        full: Some(SemanticTokensFullOptions::Delta { delta: Some(true) }),
                    },
                )),
                folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
                inlay_hint_provider: Some(OneOf::Left(true)),
                code_lens_provider: Some(CodeLensOptions { resolve_provider: Some(false) }),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: vec![show_references::SERVER_COMMAND.to_string()],
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                }),
                diagnostic_provider: pulls.then(pull_diagnostics::capability),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    file_operations: Some(WorkspaceFileOperationsServerCapabilities {
                        will_rename: Some(to_proto::rename_filters()),
                        ..WorkspaceFileOperationsServerCapabilities::default()
                    }),
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

    // `didOpen`, `didChange` and `didClose` never reach these handlers:
    // `ordered` applies them as they arrive, through `text_sync`.

    async fn document_symbol(&self, params: DocumentSymbolParams) -> Result<Option<DocumentSymbolResponse>> {
        let Some(snapshot) = self.snapshot(&params.text_document.uri) else { return Ok(None) };
        compute(move || {
            let symbols = snapshot.analysis.document_symbols(&snapshot.path);
            snapshot.with_converter(|converter| {
                DocumentSymbolResponse::Nested(
                    symbols.iter().map(|symbol| to_proto::document_symbol(converter, symbol)).collect(),
                )
            })
        })
        .await
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let position = params.text_document_position;
        let Some(snapshot) = self.snapshot(&position.text_document.uri) else { return Ok(None) };
        let snippet_support = self.snippet_support.load(Ordering::Relaxed);
        compute(move || {
            snapshot.with_converter(|converter| {
                let offset = converter.offset(position.position);
                let list = snapshot.analysis.completions(&snapshot.path, offset);
                CompletionResponse::List(to_proto::completion_list(converter, &snapshot.uri, list, snippet_support))
            })
        })
        .await
    }

    async fn completion_resolve(&self, mut item: CompletionItem) -> Result<CompletionItem> {
        let Some((uri, data)) = item.data.as_ref().and_then(to_proto::completion_resolve_data) else {
            return Ok(item);
        };
        // The document may have closed since: its workspace still knows the KEYs.
        let Some(analysis) = self.session.analysis_for(file_path(&uri).as_deref()) else { return Ok(item) };
        compute(move || {
            if item.documentation.is_none()
                && let Some(markdown) = analysis.resolve_completion(&data)
            {
                item.documentation = Some(Documentation::MarkupContent(to_proto::markdown(markdown)));
            }
            item
        })
        .await
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let position = params.text_document_position_params;
        let Some(snapshot) = self.snapshot(&position.text_document.uri) else { return Ok(None) };
        compute(move || {
            snapshot
                .with_converter(|converter| {
                    let offset = converter.offset(position.position);
                    let result = snapshot.analysis.hover(&snapshot.path, offset)?;
                    Some(to_proto::hover(converter, &result))
                })
                .flatten()
        })
        .await
    }

    async fn goto_definition(&self, params: GotoDefinitionParams) -> Result<Option<GotoDefinitionResponse>> {
        navigation::goto_definition(&self.session, params).await
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        navigation::references(&self.session, params).await
    }

    async fn document_highlight(&self, params: DocumentHighlightParams) -> Result<Option<Vec<DocumentHighlight>>> {
        navigation::document_highlight(&self.session, params).await
    }

    async fn prepare_rename(&self, params: TextDocumentPositionParams) -> Result<Option<PrepareRenameResponse>> {
        navigation::prepare_rename(&self.session, params).await
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        navigation::rename(&self.session, params).await
    }

    async fn will_rename_files(&self, params: RenameFilesParams) -> Result<Option<WorkspaceEdit>> {
        navigation::will_rename_files(&self.session, params).await
    }

    async fn symbol(&self, params: WorkspaceSymbolParams) -> Result<Option<WorkspaceSymbolResponse>> {
        navigation::workspace_symbols(&self.session, params).await
    }

    async fn document_link(&self, params: DocumentLinkParams) -> Result<Option<Vec<DocumentLink>>> {
        navigation::document_links(&self.session, params).await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let Some(snapshot) = self.snapshot(&params.text_document.uri) else { return Ok(None) };
        let support = self.code_action_support.get().copied().unwrap_or_default();
        compute(move || {
            snapshot.with_converter(|converter| code_action::code_actions(&snapshot, converter, &params, support))
        })
        .await
    }

    async fn code_action_resolve(&self, action: CodeAction) -> Result<CodeAction> {
        let session = self.session.clone();
        let support = self.code_action_support.get().copied().unwrap_or_default();
        compute(move || code_action::resolve(&session, action, support)).await?
    }

    async fn semantic_tokens_full(&self, params: SemanticTokensParams) -> Result<Option<SemanticTokensResult>> {
        let uri = params.text_document.uri;
        let Some(snapshot) = self.snapshot(&uri) else { return Ok(None) };
        let session = self.session.clone();
        compute(move || {
            let data = semantic_tokens::document_tokens(&snapshot, None)?;
            Some(SemanticTokensResult::Tokens(session.semantic_tokens.full(uri.as_str(), data)))
        })
        .await
    }

    async fn semantic_tokens_full_delta(
        &self,
        params: SemanticTokensDeltaParams,
    ) -> Result<Option<SemanticTokensFullDeltaResult>> {
        let uri = params.text_document.uri;
        let Some(snapshot) = self.snapshot(&uri) else { return Ok(None) };
        let session = self.session.clone();
        compute(move || {
            let data = semantic_tokens::document_tokens(&snapshot, None)?;
            Some(match session.semantic_tokens.delta(uri.as_str(), &params.previous_result_id, data) {
                Ok(delta) => SemanticTokensFullDeltaResult::TokensDelta(delta),
                Err(full) => SemanticTokensFullDeltaResult::Tokens(full),
            })
        })
        .await
    }

    async fn semantic_tokens_range(
        &self,
        params: SemanticTokensRangeParams,
    ) -> Result<Option<SemanticTokensRangeResult>> {
        let Some(snapshot) = self.snapshot(&params.text_document.uri) else { return Ok(None) };
        compute(move || {
            let data = semantic_tokens::document_tokens(&snapshot, Some(params.range))?;
            Some(SemanticTokensRangeResult::Tokens(SemanticTokens { result_id: None, data }))
        })
        .await
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        let Some(snapshot) = self.snapshot(&params.text_document.uri) else { return Ok(None) };
        compute(move || {
            let folds = snapshot.analysis.folding_ranges(&snapshot.path);
            snapshot.with_converter(|converter| {
                let mut ranges: Vec<FoldingRange> =
                    folds.iter().filter_map(|fold| to_proto::folding_range(converter, fold)).collect();
                // One fold per start line (the outermost): clients key folds by it.
                ranges.dedup_by_key(|range| range.start_line);
                ranges
            })
        })
        .await
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let Some(snapshot) = self.snapshot(&params.text_document.uri) else { return Ok(None) };
        compute(move || {
            snapshot.with_converter(|converter| {
                let start = converter.offset(params.range.start);
                let range = runbook_syntax::TextRange::new(start, converter.offset(params.range.end).max(start));
                let hints = snapshot.analysis.inlay_hints(&snapshot.path, Some(range));
                to_proto::inlay_hints(converter, &hints)
            })
        })
        .await
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        let Some(snapshot) = self.snapshot(&params.text_document.uri) else { return Ok(None) };
        let client_side = self.session.support().show_references;
        compute(move || {
            let lenses = snapshot.analysis.code_lenses(&snapshot.path);
            snapshot.with_converter(|converter| {
                lenses.iter().map(|lens| to_proto::code_lens(converter, &snapshot.uri, lens, client_side)).collect()
            })
        })
        .await
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        show_references::execute(&self.session, params).await
    }

    async fn diagnostic(&self, params: DocumentDiagnosticParams) -> Result<DocumentDiagnosticReportResult> {
        let session = self.session.clone();
        compute(move || pull_diagnostics::document_report(&session, params)).await
    }

    async fn workspace_diagnostic(&self, params: WorkspaceDiagnosticParams) -> Result<WorkspaceDiagnosticReportResult> {
        let session = self.session.clone();
        compute(move || WorkspaceDiagnosticReportResult::Report(pull_diagnostics::workspace_report(&session, params)))
            .await
    }
}
