//! Applies document changes in the order the client sent them. tower-lsp-server
//! runs handlers concurrently (tower-lsp#284), so a `didChange` handler can
//! run after a later request's. This service sits in front of the
//! `LspService`: `Server` calls it synchronously for each message in arrival
//! order, and it applies `didOpen`/`didChange`/`didClose` right there, before
//! any `.await`, then forwards the message as usual.

use std::sync::Arc;
use std::task::{Context, Poll};

use serde::de::DeserializeOwned;
use tower_lsp_server::jsonrpc::{Request, Response};
use tower_lsp_server::ls_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Notification,
};
use tower_lsp_server::{ExitedError, LanguageServer, LspService};

use crate::session::Session;

pub struct Ordered<S: LanguageServer> {
    pub inner: LspService<S>,
    pub session: Arc<Session>,
}

impl<S: LanguageServer> tower::Service<Request> for Ordered<S> {
    type Response = Option<Response>;
    type Error = ExitedError;
    type Future = <LspService<S> as tower::Service<Request>>::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        match request.method() {
            DidOpenTextDocument::METHOD => {
                if let Some(params) = params(&request) {
                    self.session.did_open(params);
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Some(params) = params(&request) {
                    self.session.did_change(params);
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Some(params) = params(&request) {
                    self.session.did_close(params);
                }
            }
            _ => {}
        }
        self.inner.call(request)
    }
}

fn params<P: DeserializeOwned>(request: &Request) -> Option<P> {
    let value = request.params()?.clone();
    serde_json::from_value(value)
        .inspect_err(|error| tracing::warn!("ignored {} with bad params: {error}", request.method()))
        .ok()
}
