//! `textDocument/didOpen`, `didChange` and `didClose`: applied to the
//! document's host synchronously, then queued for diagnostics. `ordered`
//! calls these as messages arrive (changes in version order, see
//! `change_queue`), before any handler of a later message can run; the
//! `LanguageServer` handlers never see these notifications.

use runbook_syntax::TextRange;
use tower_lsp_server::ls_types::{DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams};

use crate::positions::rope_offset;
use crate::session::Session;

pub fn did_open(session: &Session, params: DidOpenTextDocumentParams) {
    let item = params.text_document;
    session.open_document(item.uri.clone(), item.version, &item.text);
    session.schedule_diagnostics(item.uri);
}

pub fn did_change(session: &Session, params: DidChangeTextDocumentParams) {
    let encoding = session.encoding();
    let uri = params.text_document.uri;
    {
        let mut state = session.state();
        let Some(document) = state.documents.get(uri.as_str()).cloned() else {
            tracing::warn!("didChange for a document that is not open: {}", uri.as_str());
            return;
        };
        let Some(text) = state.host_mut(&document).and_then(|host| host.document_mut(&document.path)) else {
            tracing::error!("the host of {} lost the document", uri.as_str());
            return;
        };
        for change in params.content_changes {
            match change.range {
                Some(range) => {
                    let rope = text.rope();
                    let start = rope_offset(rope, range.start, encoding);
                    let end = rope_offset(rope, range.end, encoding).max(start);
                    text.edit(TextRange::new(start, end), &change.text);
                }
                None => text.replace_all(&change.text),
            }
        }
        if let Some(document) = state.documents.get_mut(uri.as_str()) {
            document.version = params.text_document.version;
        }
    }
    session.schedule_diagnostics(uri);
}

pub fn did_close(session: &Session, params: DidCloseTextDocumentParams) {
    let uri = params.text_document.uri;
    session.close_document(&uri);
    session.schedule_diagnostics(uri);
}
