//! Code actions over LSP: what a `textDocument/codeAction` request asks for
//! (its range, `context.only`, `context.diagnostics`), whether edits go in
//! the answer or wait for `codeAction/resolve`, and the conversion of the
//! ide layer's assists. Which fixes exist is the ide layer's business.

use runbook_ide::{Assist, AssistId, AssistKind, AssistQuery, DiagnosticCode};
use runbook_syntax::TextRange;
use serde::{Deserialize, Serialize};
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::{self as lsp, Uri};

use crate::positions::Converter;
use crate::session::{Session, Snapshot};
use crate::to_proto;

/// The kind of fix-all, as editors ask for it on save (`source.fixAll`).
pub const FIX_ALL_KIND: &str = "source.fixAll.runbook-ls";

/// What the client does with code actions, from `initialize`.
#[derive(Debug, Clone, Copy, Default)]
pub struct CodeActionSupport {
    /// It takes code action literals and fills in their edits with
    /// `codeAction/resolve`: edits can wait until one is chosen.
    pub resolve_edits: bool,
    /// It applies versioned `documentChanges`.
    pub document_changes: bool,
}

impl CodeActionSupport {
    pub fn from_capabilities(capabilities: &lsp::ClientCapabilities) -> CodeActionSupport {
        let code_action =
            capabilities.text_document.as_ref().and_then(|text_document| text_document.code_action.as_ref());
        let literals = code_action.is_some_and(|code_action| code_action.code_action_literal_support.is_some());
        let resolves_edits = code_action
            .and_then(|code_action| code_action.resolve_support.as_ref())
            .is_some_and(|support| support.properties.iter().any(|property| property == "edit"));
        let document_changes = capabilities
            .workspace
            .as_ref()
            .and_then(|workspace| workspace.workspace_edit.as_ref())
            .and_then(|edit| edit.document_changes)
            .unwrap_or(false);
        CodeActionSupport { resolve_edits: literals && resolves_edits, document_changes }
    }
}

pub fn server_capability() -> lsp::CodeActionProviderCapability {
    lsp::CodeActionProviderCapability::Options(lsp::CodeActionOptions {
        code_action_kinds: Some(vec![
            lsp::CodeActionKind::QUICKFIX,
            lsp::CodeActionKind::SOURCE,
            lsp::CodeActionKind::new(FIX_ALL_KIND),
        ]),
        resolve_provider: Some(true),
        work_done_progress_options: lsp::WorkDoneProgressOptions::default(),
    })
}

fn kind(kind: AssistKind) -> lsp::CodeActionKind {
    match kind {
        AssistKind::QuickFix => lsp::CodeActionKind::QUICKFIX,
        AssistKind::Source => lsp::CodeActionKind::SOURCE,
        AssistKind::FixAll => lsp::CodeActionKind::new(FIX_ALL_KIND),
    }
}

/// The assist kinds `only` asks for: a kind matches an entry equal to it or
/// above it in the hierarchy (`source` asks for `source.fixAll.runbook-ls`).
fn asked_kinds(only: Option<&[lsp::CodeActionKind]>) -> Option<Vec<AssistKind>> {
    let only = only?;
    let matches = |kind: &str| {
        only.iter().any(|asked| {
            let asked = asked.as_str();
            kind == asked || kind.strip_prefix(asked).is_some_and(|rest| rest.starts_with('.'))
        })
    };
    Some(
        [AssistKind::QuickFix, AssistKind::Source, AssistKind::FixAll]
            .into_iter()
            .filter(|assist_kind| matches(kind(*assist_kind).as_str()))
            .collect(),
    )
}

/// What `codeAction/resolve` needs to find an assist again.
#[derive(Debug, Serialize, Deserialize)]
struct ResolveData {
    uri: String,
    version: i32,
    id: AssistId,
}

/// The answer to `textDocument/codeAction`.
pub fn code_actions(
    snapshot: &Snapshot,
    converter: &Converter<'_>,
    params: &lsp::CodeActionParams,
    support: CodeActionSupport,
) -> Vec<lsp::CodeActionOrCommand> {
    let (start, end) = (converter.offset(params.range.start), converter.offset(params.range.end));
    let range = TextRange::new(start.min(end), start.max(end));
    let diagnostics = params
        .context
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.source.as_deref().is_none_or(|source| source == to_proto::SOURCE))
        .filter_map(|diagnostic| {
            let lsp::NumberOrString::String(code) = diagnostic.code.as_ref()? else { return None };
            let start = converter.offset(diagnostic.range.start);
            let end = converter.offset(diagnostic.range.end).max(start);
            Some((DiagnosticCode::parse(code)?, TextRange::new(start, end)))
        })
        .collect();
    let query = AssistQuery {
        range,
        diagnostics,
        kinds: asked_kinds(params.context.only.as_deref()),
        resolve: !support.resolve_edits,
    };
    snapshot
        .analysis
        .assists(&snapshot.path, &query)
        .into_iter()
        .map(|assist| {
            let data = support.resolve_edits.then(|| ResolveData {
                uri: snapshot.uri.as_str().to_string(),
                version: snapshot.version,
                id: assist.id.clone(),
            });
            lsp::CodeActionOrCommand::CodeAction(code_action(snapshot, converter, &assist, data, support))
        })
        .collect()
}

fn code_action(
    snapshot: &Snapshot,
    converter: &Converter<'_>,
    assist: &Assist,
    data: Option<ResolveData>,
    support: CodeActionSupport,
) -> lsp::CodeAction {
    lsp::CodeAction {
        title: assist.label.clone(),
        kind: Some(kind(assist.kind)),
        diagnostics: assist
            .diagnostic
            .as_ref()
            .map(|diagnostic| vec![to_proto::diagnostic(&snapshot.uri, converter, diagnostic.clone())]),
        edit: assist.source_change.as_ref().map(|change| workspace_edit(snapshot, change, support)),
        command: None,
        is_preferred: assist.is_preferred.then_some(true),
        disabled: None,
        data: data.and_then(|data| serde_json::to_value(data).ok()),
    }
}

fn workspace_edit(
    snapshot: &Snapshot,
    change: &runbook_ide::SourceChange,
    support: CodeActionSupport,
) -> lsp::WorkspaceEdit {
    // The document asked about is open at the snapshot's version; other
    // files (pack.json) are edited as the file system has them.
    let open = std::collections::HashMap::from([(snapshot.path.clone(), (snapshot.uri.clone(), snapshot.version))]);
    to_proto::workspace_edit(change, snapshot.encoding, &open, support.document_changes)
}

/// The answer to `codeAction/resolve`: the action with its edit.
pub fn resolve(session: &Session, mut action: lsp::CodeAction, support: CodeActionSupport) -> Result<lsp::CodeAction> {
    if action.edit.is_some() {
        return Ok(action);
    }
    let Some(data) = action.data.clone().and_then(|data| serde_json::from_value::<ResolveData>(data).ok()) else {
        return Err(Error::invalid_params("this code action was not made by runbook-ls: it has no data to resolve"));
    };
    let changed = || Error {
        code: ErrorCode::ContentModified,
        message: "the document changed since this code action was offered: ask for code actions again".into(),
        data: None,
    };
    let uri: Uri = data.uri.parse().map_err(|_| Error::invalid_params("the code action's data names no document"))?;
    let Some(snapshot) = session.snapshot(&uri) else { return Err(changed()) };
    if snapshot.version != data.version {
        return Err(changed());
    }
    let assist = snapshot.analysis.resolve_assist(&snapshot.path, &data.id).ok_or_else(changed)?;
    let change = assist.source_change.as_ref().ok_or_else(changed)?;
    action.edit = Some(workspace_edit(&snapshot, change, support));
    Ok(action)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_matches_kinds_and_their_sub_kinds() {
        let asked = |only: &[&'static str]| {
            let only: Vec<lsp::CodeActionKind> = only.iter().map(|kind| lsp::CodeActionKind::new(kind)).collect();
            asked_kinds(Some(&only)).unwrap()
        };
        assert_eq!(asked(&["quickfix"]), [AssistKind::QuickFix]);
        assert_eq!(asked(&["source"]), [AssistKind::Source, AssistKind::FixAll]);
        assert_eq!(asked(&["source.fixAll"]), [AssistKind::FixAll]);
        assert_eq!(asked(&["source.fixAll.runbook-ls"]), [AssistKind::FixAll]);
        assert_eq!(asked(&["source.fix"]), []);
        assert_eq!(asked(&["refactor"]), []);
        assert_eq!(asked_kinds(None), None);
    }
}
