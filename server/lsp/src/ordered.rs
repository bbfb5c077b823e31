//! Applies document changes in version order, synchronously with the message
//! stream. tower-lsp-server runs handlers concurrently (tower-lsp#284), and
//! so does our loop, as its `Server` did, so a `didChange` handler could run
//! after a later request's. This service sits in front of the `LspService`:
//! `transport::serve` calls it synchronously for each message in arrival
//! order, and it applies `didOpen`/`didChange`/`didClose` right there (see
//! `text_sync`), before any `.await`; every other message goes on
//! to the `LspService`, but for pulled document diagnostics, answered here
//! (see `Ordered::pull_directly`). Changes that arrive ahead of a missing
//! version wait in a `ChangeQueues` (see `change_queue` for why and how
//! long), and a timer task applies them when the wait runs out.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use serde::de::DeserializeOwned;
use tokio::sync::Notify;
use tower_lsp_server::jsonrpc::{Error, Request, Response};
use tower_lsp_server::ls_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Notification,
};
use tower_lsp_server::ls_types::request::{DocumentDiagnosticRequest, Request as _};
use tower_lsp_server::ls_types::{
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams, DocumentDiagnosticParams, Uri,
};
use tower_lsp_server::{ExitedError, LanguageServer, LspService};

use crate::change_queue::{Arrival, ChangeQueues, GAP_WAIT, Hold};
use crate::session::Session;
use crate::{pull_diagnostics, text_sync};

pub struct Ordered<S: LanguageServer> {
    inner: LspService<S>,
    session: Arc<Session>,
    changes: Arc<Changes>,
}

impl<S: LanguageServer> Ordered<S> {
    pub fn new(inner: LspService<S>, session: Arc<Session>) -> Ordered<S> {
        let changes = Arc::new(Changes { queues: Mutex::new(ChangeQueues::default()), released: Notify::new() });
        Ordered { inner, session, changes }
    }
}

/// The change queues, shared with the timers that end a wait. The lock is
/// held while changes are applied to the session, so that a timer and the
/// message stream never interleave their changes.
struct Changes {
    queues: Mutex<ChangeQueues<DidChangeTextDocumentParams>>,
    /// Wakes the requests waiting for a document's held changes.
    released: Notify,
}

impl<S: LanguageServer> tower::Service<Request> for Ordered<S> {
    type Response = Option<Response>;
    type Error = ExitedError;
    type Future = Pin<Box<dyn Future<Output = Result<Option<Response>, ExitedError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if request.method() == DocumentDiagnosticRequest::METHOD
            && let Some(answer) = self.pull_directly(&request)
        {
            return answer;
        }
        match request.method() {
            DidOpenTextDocument::METHOD => {
                if let Some(params) = params::<DidOpenTextDocumentParams>(&request) {
                    let mut queues = self.changes.lock();
                    queues.open(params.text_document.uri.as_str(), params.text_document.version);
                    text_sync::did_open(&self.session, params);
                    drop(queues);
                    self.changes.released.notify_waiters();
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Some(params) = params(&request) {
                    self.changes.did_change(&self.session, params);
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Some(params) = params::<DidCloseTextDocumentParams>(&request) {
                    let mut queues = self.changes.lock();
                    queues.close(params.text_document.uri.as_str());
                    text_sync::did_close(&self.session, params);
                    drop(queues);
                    self.changes.released.notify_waiters();
                }
            }
            _ => {
                // A request about a document whose changes are held waits for
                // them (at most `GAP_WAIT`): its positions are in the client's
                // latest text, and an answer on an older text would put a
                // completion's edit or a hover's range in the wrong place.
                if request.id().is_some()
                    && let Some(uri) = document_of(&request)
                    && let Some(changes) = self.held_changes(&uri)
                {
                    // The handler reads the document when first polled, not here.
                    let answer = self.inner.call(request);
                    return Box::pin(async move {
                        changes.applied(&uri).await;
                        answer.await
                    });
                }
                return Box::pin(self.inner.call(request));
            }
        }
        // The `LanguageServer` handlers never see document sync; it has no answer.
        Box::pin(std::future::ready(Ok(None)))
    }
}

impl<S: LanguageServer> Ordered<S> {
    /// The changes a request about `uri` must wait for (see `Changes::applied`),
    /// when some are held.
    fn held_changes(&self, uri: &str) -> Option<Arc<Changes>> {
        self.changes.lock().is_holding(uri).then(|| self.changes.clone())
    }

    /// Answers `textDocument/diagnostic` here, written straight to stdout
    /// (see `framing::DirectOutput`), rather than through tower-lsp-server,
    /// which would hold a large document's thousands of diagnostics as a
    /// `serde_json::Value` tree. `None` leaves the request to the
    /// `LspService` (in-process sessions, a client that does not pull, bad
    /// params, which it answers as such).
    fn pull_directly(&self, request: &Request) -> Option<<Self as tower::Service<Request>>::Future> {
        let id = request.id()?.clone();
        if !self.session.pull.pulls() {
            return None;
        }
        let output = self.session.direct_output()?;
        let params: DocumentDiagnosticParams = params(request)?;
        let uri = params.text_document.uri.as_str().to_string();
        // As for every other request: its document's held changes first.
        let held = self.held_changes(&uri);
        let session = self.session.clone();
        Some(Box::pin(async move {
            if let Some(changes) = held {
                changes.applied(&uri).await;
            }
            match crate::server::compute(move || pull_diagnostics::document_report(&session, params)).await {
                Ok(report) if output.respond(&id, &report).await => Ok(None),
                Ok(_) => {
                    let mut error = Error::internal_error();
                    error.message = "runbook-ls could not send this document's diagnostics".into();
                    Ok(Some(Response::from_error(id, error)))
                }
                Err(error) => Ok(Some(Response::from_error(id, error))),
            }
        }))
    }
}

impl Changes {
    fn lock(&self) -> MutexGuard<'_, ChangeQueues<DidChangeTextDocumentParams>> {
        self.queues.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn did_change(self: &Arc<Self>, session: &Arc<Session>, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri.as_str().to_string();
        let version = params.text_document.version;
        let replaces_text = params.content_changes.iter().any(|change| change.range.is_none());
        let mut queues = self.lock();
        match queues.arrive(&uri, version, params, replaces_text) {
            Arrival::Apply(changes) => {
                for (_, params) in changes {
                    text_sync::did_change(session, params);
                }
                drop(queues);
                self.released.notify_waiters();
            }
            Arrival::Held(Some(hold)) => self.expire_later(session.clone(), uri, hold),
            Arrival::Held(None) | Arrival::Rejected => {}
            // The session says what is wrong with it.
            Arrival::NotOpen(params) => text_sync::did_change(session, params),
        }
    }

    /// Applies what `hold` still holds once `GAP_WAIT` has passed.
    fn expire_later(self: &Arc<Self>, session: Arc<Session>, uri: String, hold: Hold) {
        let changes = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(GAP_WAIT).await;
            let mut queues = changes.lock();
            for (_, params) in queues.expire(&uri, hold) {
                text_sync::did_change(&session, params);
            }
            drop(queues);
            changes.released.notify_waiters();
        });
    }

    /// Returns once no change of `uri` is held.
    async fn applied(&self, uri: &str) {
        loop {
            // Registered before the check, so a release in between is not missed.
            let mut released = pin!(self.released.notified());
            released.as_mut().enable();
            if !self.lock().is_holding(uri) {
                return;
            }
            released.await;
        }
    }
}

fn params<P: DeserializeOwned>(request: &Request) -> Option<P> {
    let value = request.params()?.clone();
    serde_json::from_value(value)
        .inspect_err(|error| tracing::warn!("ignored {} with bad params: {error}", request.method()))
        .ok()
}

/// The document a request is about (`textDocument.uri`), spelt as the session keys it.
fn document_of(request: &Request) -> Option<String> {
    let uri = request.params()?.get("textDocument")?.get("uri")?;
    let uri: Uri = serde_json::from_value(uri.clone()).ok()?;
    Some(uri.as_str().to_string())
}
