//! Navigation requests (SPEC 4): definition, references, highlights,
//! rename, file renames, workspace symbols and document links. Each asks the
//! analysis of the document's workspace and converts the answer.

use std::path::PathBuf;

use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::*;

use crate::server::{compute, document_position};
use crate::session::{Session, file_path};
use crate::to_proto;

pub async fn goto_definition(
    session: &Session,
    params: GotoDefinitionParams,
) -> Result<Option<GotoDefinitionResponse>> {
    let Some((snapshot, position)) = document_position(session, &params.text_document_position_params) else {
        return Ok(None);
    };
    let links = session.support().definition_links;
    compute(move || {
        snapshot
            .with_converter(|converter| {
                let offset = converter.offset(position);
                let (origin, targets) = snapshot.analysis.goto_definition(&snapshot.path, offset)?;
                let encoding = snapshot.encoding;
                Some(if links {
                    let origin = converter.range(origin);
                    GotoDefinitionResponse::Link(
                        targets.iter().filter_map(|target| to_proto::location_link(origin, target, encoding)).collect(),
                    )
                } else {
                    GotoDefinitionResponse::Array(
                        targets
                            .iter()
                            .filter_map(|target| to_proto::location(&target.path, &target.focus_range, encoding))
                            .collect(),
                    )
                })
            })
            .flatten()
    })
    .await
}

pub async fn references(session: &Session, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
    let Some((snapshot, position)) = document_position(session, &params.text_document_position) else {
        return Ok(None);
    };
    let include_declaration = params.context.include_declaration;
    compute(move || {
        let offset = snapshot.with_converter(|converter| converter.offset(position))?;
        let references = snapshot.analysis.references(&snapshot.path, offset, include_declaration)?;
        let encoding = snapshot.encoding;
        Some(
            references
                .iter()
                .filter_map(|reference| to_proto::location(&reference.path, &reference.range, encoding))
                .collect(),
        )
    })
    .await
}

pub async fn document_highlight(
    session: &Session,
    params: DocumentHighlightParams,
) -> Result<Option<Vec<DocumentHighlight>>> {
    let Some((snapshot, position)) = document_position(session, &params.text_document_position_params) else {
        return Ok(None);
    };
    compute(move || {
        snapshot.with_converter(|converter| {
            let offset = converter.offset(position);
            let highlights = snapshot.analysis.document_highlights(&snapshot.path, offset);
            highlights.iter().map(|(range, kind)| to_proto::document_highlight(converter, *range, *kind)).collect()
        })
    })
    .await
}

pub async fn prepare_rename(
    session: &Session,
    params: TextDocumentPositionParams,
) -> Result<Option<PrepareRenameResponse>> {
    let Some((snapshot, position)) = document_position(session, &params) else { return Ok(None) };
    compute(move || {
        snapshot.with_converter(|converter| {
            let offset = converter.offset(position);
            snapshot.analysis.prepare_rename(&snapshot.path, offset).map(|range| converter.range(range))
        })
    })
    .await?
    .transpose()
    .map(|range| range.map(PrepareRenameResponse::Range))
    .map_err(request_failed)
}

pub async fn rename(session: &Session, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
    let Some((snapshot, position)) = document_position(session, &params.text_document_position) else {
        return Ok(None);
    };
    let support = session.support();
    // A folder rename needs `documentChanges`, where it is ordered after the text edits.
    let rename_folders = support.document_changes && support.rename_resources;
    let versions = session.open_versions();
    let new_name = params.new_name;
    compute(move || {
        snapshot.with_converter(|converter| {
            let offset = converter.offset(position);
            let change = snapshot.analysis.rename(&snapshot.path, offset, &new_name, rename_folders)?;
            Ok(to_proto::workspace_edit(&change, snapshot.encoding, &versions, support.document_changes))
        })
    })
    .await?
    .transpose()
    .map_err(request_failed)
}

pub async fn will_rename_files(session: &Session, params: RenameFilesParams) -> Result<Option<WorkspaceEdit>> {
    let renames: Vec<(PathBuf, PathBuf)> = params
        .files
        .iter()
        .filter_map(|rename| {
            let from = file_path(&rename.old_uri.parse().ok()?)?;
            let to = file_path(&rename.new_uri.parse().ok()?)?;
            Some((crate::session::lexically_normal(&from), crate::session::lexically_normal(&to)))
        })
        .collect();
    let Some(analysis) = renames.first().and_then(|(from, _)| session.analysis_for(Some(from))) else {
        return Ok(None);
    };
    let encoding = session.encoding();
    let support = session.support();
    let versions = session.open_versions();
    compute(move || {
        let change = analysis.will_rename_files(&renames);
        (!change.is_empty()).then(|| to_proto::workspace_edit(&change, encoding, &versions, support.document_changes))
    })
    .await
}

pub async fn workspace_symbols(
    session: &Session,
    params: WorkspaceSymbolParams,
) -> Result<Option<WorkspaceSymbolResponse>> {
    let analyses = session.folder_analyses();
    let encoding = session.encoding();
    compute(move || {
        let mut symbols: Vec<runbook_ide::WorkspaceSymbol> =
            analyses.iter().flat_map(|analysis| analysis.workspace_symbols(&params.query)).collect();
        symbols.truncate(runbook_ide::MAX_WORKSPACE_SYMBOLS);
        Some(WorkspaceSymbolResponse::Nested(
            symbols.iter().filter_map(|symbol| to_proto::workspace_symbol(symbol, encoding)).collect(),
        ))
    })
    .await
}

pub async fn document_links(session: &Session, params: DocumentLinkParams) -> Result<Option<Vec<DocumentLink>>> {
    let Some(snapshot) = session.snapshot(&params.text_document.uri) else { return Ok(None) };
    compute(move || {
        snapshot.with_converter(|converter| {
            let links = snapshot.analysis.document_links(&snapshot.path);
            links.iter().filter_map(|link| to_proto::document_link(converter, link)).collect()
        })
    })
    .await
}

/// A refusal the user should read (LSP's `RequestFailed`).
fn request_failed(message: String) -> Error {
    Error { code: ErrorCode::ServerError(-32803), message: message.into(), data: None }
}
