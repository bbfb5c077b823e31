//! After a folder's index or settings change, asks the client to request
//! again what may have changed with them and that it would not re-request
//! by itself: pulled diagnostics, semantic tokens (unknown KEYs, declared
//! classes), inlay hints (declared classes and side effects, the setting)
//! and code lenses (use counts). Only the refreshes the client advertises.

use std::sync::Arc;

use tower_lsp_server::ls_types::ClientCapabilities;

use crate::session::Session;

/// The `workspace/*/refresh` requests the client answers.
#[derive(Debug, Clone, Copy, Default)]
pub struct RefreshSupport {
    pub semantic_tokens: bool,
    pub inlay_hints: bool,
    pub code_lens: bool,
}

impl RefreshSupport {
    pub fn of(capabilities: &ClientCapabilities) -> RefreshSupport {
        let workspace = capabilities.workspace.as_ref();
        RefreshSupport {
            semantic_tokens: workspace
                .and_then(|workspace| workspace.semantic_tokens.as_ref())
                .and_then(|tokens| tokens.refresh_support)
                .unwrap_or(false),
            inlay_hints: workspace
                .and_then(|workspace| workspace.inlay_hint.as_ref())
                .and_then(|hints| hints.refresh_support)
                .unwrap_or(false),
            code_lens: workspace
                .and_then(|workspace| workspace.code_lens.as_ref())
                .and_then(|lens| lens.refresh_support)
                .unwrap_or(false),
        }
    }
}

/// A folder's index or settings changed. The requests go out from a task of
/// their own: the client answers them when it can, and nothing waits.
pub fn workspace_changed(session: &Arc<Session>) {
    session.pull.workspace_changed();
    let support = session.support().refresh;
    let pulls = session.pull.pulls();
    let session = session.clone();
    tokio::spawn(async move {
        let client = &session.client;
        let failed = |method: &str, answer: tower_lsp_server::jsonrpc::Result<()>| {
            if let Err(error) = answer {
                tracing::warn!("{method} failed: {}", error.message);
            }
        };
        if pulls {
            failed("workspace/diagnostic/refresh", client.workspace_diagnostic_refresh().await);
        }
        if support.semantic_tokens {
            failed("workspace/semanticTokens/refresh", client.semantic_tokens_refresh().await);
        }
        if support.inlay_hints {
            failed("workspace/inlayHint/refresh", client.inlay_hint_refresh().await);
        }
        if support.code_lens {
            failed("workspace/codeLens/refresh", client.code_lens_refresh().await);
        }
    });
}
