//! Applies document changes in the order the client sent them. tower-lsp-server
//! runs handlers concurrently (tower-lsp#284), so a `didChange` handler could
//! run after a later request's. This service sits in front of the
//! `LspService`: `Server` calls it synchronously for each message in arrival
//! order, and it applies `didOpen`/`didChange`/`didClose` right there (see
//! `text_sync`), before any `.await`; every other message goes on to the
//! `LspService` as usual.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use serde::de::DeserializeOwned;
use tower_lsp_server::jsonrpc::{Request, Response};
use tower_lsp_server::ls_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Notification,
};
use tower_lsp_server::{ExitedError, LanguageServer, LspService};

use crate::session::Session;
use crate::text_sync;

pub struct Ordered<S: LanguageServer> {
    pub inner: LspService<S>,
    pub session: Arc<Session>,
}

type Answer = Pin<Box<dyn Future<Output = Result<Option<Response>, ExitedError>> + Send>>;

impl<S: LanguageServer> tower::Service<Request> for Ordered<S> {
    type Response = Option<Response>;
    type Error = ExitedError;
    type Future = Answer;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let session = &self.session;
        match request.method() {
            DidOpenTextDocument::METHOD => with_params(&request, |params| text_sync::did_open(session, params)),
            DidChangeTextDocument::METHOD => with_params(&request, |params| text_sync::did_change(session, params)),
            DidCloseTextDocument::METHOD => with_params(&request, |params| text_sync::did_close(session, params)),
            _ => return Box::pin(self.inner.call(request)),
        }
        // Notifications have no answer.
        Box::pin(std::future::ready(Ok(None)))
    }
}

fn with_params<P: DeserializeOwned>(request: &Request, apply: impl FnOnce(P)) {
    let Some(value) = request.params().cloned() else {
        tracing::warn!("ignored {} without params", request.method());
        return;
    };
    match serde_json::from_value(value) {
        Ok(params) => apply(params),
        Err(error) => tracing::warn!("ignored {} with bad params: {error}", request.method()),
    }
}
