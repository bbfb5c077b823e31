//! The message loop: what tower-lsp-server's `Server::serve` does, fed with
//! the messages the framing guard has already decoded (see `framing`), so
//! that a body is decoded once and no second reader keeps a buffer of its
//! own. Requests and notifications go to the LSP service in arrival order,
//! whose answers are written as they come, up to `MAX_CONCURRENCY` at once;
//! the client's answers to the server's requests go back to the service, and
//! the server's requests to the client are written in the order it makes them.

use futures::channel::mpsc as tasks;
use futures::{SinkExt, StreamExt, future, stream};
use tokio::sync::mpsc;
use tower::Service;
use tower_lsp_server::ClientSocket;
use tower_lsp_server::jsonrpc::{Request, Response};

use crate::framing::{DirectOutput, Message};

/// Requests answered at once: tower-lsp-server's default.
const MAX_CONCURRENCY: usize = 4;
/// Requests read ahead of those being answered: tower-lsp-server's queue.
const MESSAGE_QUEUE_SIZE: usize = 100;

/// Serves `messages` with `service` until they end or the client sends
/// `exit`, writing answers and the server's own requests to `output`.
pub async fn serve<S>(mut service: S, socket: ClientSocket, mut messages: mpsc::Receiver<Message>, output: DirectOutput)
where
    S: Service<Request, Response = Option<Response>>,
    S::Error: std::fmt::Display,
    S::Future: Send + 'static,
{
    let (client_requests, mut client_responses) = socket.split();
    let (client_requests, stop_client_requests) = stream::abortable(client_requests);
    let (mut queue, queued) = tasks::channel::<S::Future>(MESSAGE_QUEUE_SIZE);

    let answer = queued.buffer_unordered(MAX_CONCURRENCY).for_each(|answer| {
        let output = output.clone();
        async move {
            match answer {
                Ok(Some(response)) => {
                    output.message(&response).await;
                }
                Ok(None) => {}
                Err(error) => tracing::error!("{error}"),
            }
        }
    });
    let ask_client = client_requests.for_each(|request| {
        let output = output.clone();
        async move {
            output.message(&request).await;
        }
    });
    let read = async {
        while let Some(message) = messages.recv().await {
            match message {
                Message::Request(request) => {
                    if let Err(error) = future::poll_fn(|cx| service.poll_ready(cx)).await {
                        tracing::error!("{error}");
                        break;
                    }
                    let exit = request.method() == "exit";
                    if queue.send(service.call(request)).await.is_err() || exit {
                        break;
                    }
                }
                Message::Response(response) => {
                    if let Err(error) = client_responses.send(response).await {
                        tracing::error!("{error}");
                        break;
                    }
                }
            }
        }
        // The answers under way are still written; then the loop ends.
        queue.close_channel();
        stop_client_requests.abort();
    };
    futures::join!(answer, ask_client, read);
}
