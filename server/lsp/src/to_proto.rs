//! Conversions of ide results into LSP types (positions via `positions`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use runbook_ide::{
    CodeLens, CompletionItem, CompletionKind, CompletionList, Diagnostic, DiagnosticCode, DocumentLink, FileSystemEdit,
    Fold, HoverResult, InlayHint, NavigationTarget, ReferenceKind, RelatedLocation, ResolveData, Severity,
    SourceChange, Symbol, SymbolKind, WorkspaceSymbol, WorkspaceSymbolKind, snippet_to_plain_text,
};
use runbook_keys::ExportKind;
use runbook_syntax::{Encoding, SourceRange, TextRange};
use serde_json::json;
use tower_lsp_server::ls_types::{self as lsp, NumberOrString, Uri};

use crate::positions::{Converter, source_range};

pub const SOURCE: &str = "runbook-ls";

pub fn severity(severity: Severity) -> lsp::DiagnosticSeverity {
    match severity {
        Severity::Error => lsp::DiagnosticSeverity::ERROR,
        Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
        Severity::Hint => lsp::DiagnosticSeverity::HINT,
    }
}

pub fn diagnostic(uri: &Uri, converter: &Converter<'_>, diagnostic: Diagnostic) -> lsp::Diagnostic {
    diagnostic_in(uri, |range| converter.range(range), converter.encoding, diagnostic)
}

/// A diagnostic of a document whose ranges `range` positions (an open
/// document's converter, or the line index of a runbook that is not open).
/// Taken by value: its messages move into the LSP diagnostic, and a large
/// document's findings are freed as they are converted rather than after.
pub fn diagnostic_in(
    uri: &Uri,
    range: impl Fn(TextRange) -> lsp::Range,
    encoding: Encoding,
    diagnostic: Diagnostic,
) -> lsp::Diagnostic {
    let Diagnostic { code, severity, range: own_range, message, related, fixes: _ } = diagnostic;
    let related: Vec<lsp::DiagnosticRelatedInformation> = related
        .into_iter()
        .filter_map(|related| {
            let location = match related.location {
                RelatedLocation::Here(here) => lsp::Location::new(uri.clone(), range(here)),
                RelatedLocation::File { path, range } => {
                    lsp::Location::new(Uri::from_file_path(path)?, source_range(&range, encoding))
                }
            };
            Some(lsp::DiagnosticRelatedInformation { location, message: related.message })
        })
        .collect();
    lsp_diagnostic(range(own_range), code, severity, message, related)
}

/// A diagnostic of a file that is not open (a `key.json`), whose range was
/// positioned when the file was read. Related places in it are not kept.
pub fn file_diagnostic(range: &SourceRange, encoding: Encoding, diagnostic: &Diagnostic) -> lsp::Diagnostic {
    let message = diagnostic.message.clone();
    lsp_diagnostic(source_range(range, encoding), diagnostic.code, diagnostic.severity, message, Vec::new())
}

fn lsp_diagnostic(
    range: lsp::Range,
    code: DiagnosticCode,
    level: Severity,
    message: String,
    related: Vec<lsp::DiagnosticRelatedInformation>,
) -> lsp::Diagnostic {
    lsp::Diagnostic {
        range,
        severity: Some(severity(level)),
        code: Some(NumberOrString::String(code.as_str().to_string())),
        code_description: None,
        source: Some(SOURCE.to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        // Fixes are found again from the code and range (see `code_action`):
        // no rule-specific data for clients to depend on.
        data: None,
    }
}

#[allow(deprecated)] // `DocumentSymbol::deprecated` must still be filled in.
pub fn document_symbol(converter: &Converter<'_>, symbol: &Symbol) -> lsp::DocumentSymbol {
    lsp::DocumentSymbol {
        name: symbol.name.clone(),
        detail: symbol.detail.clone(),
        kind: match symbol.kind {
            SymbolKind::Section => lsp::SymbolKind::NAMESPACE,
            SymbolKind::Action => lsp::SymbolKind::FUNCTION,
            SymbolKind::Step => lsp::SymbolKind::EVENT,
        },
        tags: None,
        deprecated: None,
        range: converter.range(symbol.range),
        selection_range: converter.range(symbol.selection_range),
        children: (!symbol.children.is_empty())
            .then(|| symbol.children.iter().map(|child| document_symbol(converter, child)).collect()),
    }
}

pub fn markdown(value: String) -> lsp::MarkupContent {
    lsp::MarkupContent { kind: lsp::MarkupKind::Markdown, value }
}

pub fn completion_kind(kind: CompletionKind) -> lsp::CompletionItemKind {
    match kind {
        CompletionKind::Key => lsp::CompletionItemKind::MODULE,
        CompletionKind::KeyFolder => lsp::CompletionItemKind::FOLDER,
        CompletionKind::Module => lsp::CompletionItemKind::MODULE,
        CompletionKind::Function => lsp::CompletionItemKind::FUNCTION,
        CompletionKind::Class => lsp::CompletionItemKind::CLASS,
        CompletionKind::Variable => lsp::CompletionItemKind::VARIABLE,
        CompletionKind::Type => lsp::CompletionItemKind::TYPE_PARAMETER,
        CompletionKind::Interface => lsp::CompletionItemKind::INTERFACE,
        CompletionKind::Enum => lsp::CompletionItemKind::ENUM,
        CompletionKind::File => lsp::CompletionItemKind::FILE,
        CompletionKind::SafetyClass => lsp::CompletionItemKind::ENUM_MEMBER,
        CompletionKind::FieldLabel => lsp::CompletionItemKind::PROPERTY,
        CompletionKind::Snippet => lsp::CompletionItemKind::SNIPPET,
    }
}

/// An item as LSP wants it, its replaced range already converted. Clients
/// without snippet support get the snippet's plain text; `data` names the
/// document, so that resolve finds its workspace's catalog.
pub fn completion_item(
    item: CompletionItem,
    range: lsp::Range,
    uri: &Uri,
    snippet_support: bool,
) -> lsp::CompletionItem {
    let as_snippet = item.is_snippet && snippet_support;
    let new_text =
        if item.is_snippet && !snippet_support { snippet_to_plain_text(&item.insert_text) } else { item.insert_text };
    lsp::CompletionItem {
        label: item.label,
        label_details: item
            .label_description
            .map(|description| lsp::CompletionItemLabelDetails { detail: None, description: Some(description) }),
        kind: Some(completion_kind(item.kind)),
        detail: item.detail,
        documentation: item.documentation.map(|value| lsp::Documentation::MarkupContent(markdown(value))),
        preselect: item.preselect.then_some(true),
        sort_text: item.sort_text,
        filter_text: item.filter_text,
        insert_text_format: Some(if as_snippet {
            lsp::InsertTextFormat::SNIPPET
        } else {
            lsp::InsertTextFormat::PLAIN_TEXT
        }),
        text_edit: Some(lsp::CompletionTextEdit::Edit(lsp::TextEdit { range, new_text })),
        data: item.resolve_data.map(|data| json!({ "uri": uri.as_str(), "resolve": data })),
        ..lsp::CompletionItem::default()
    }
}

/// The list as LSP wants it. The items of a list mostly replace the same
/// token, whose range is converted once (a position is a scan of its line).
pub fn completion_list(
    converter: &Converter<'_>,
    uri: &Uri,
    list: CompletionList,
    snippet_support: bool,
) -> lsp::CompletionList {
    let mut last: Option<(runbook_syntax::TextRange, lsp::Range)> = None;
    let items = list
        .items
        .into_iter()
        .map(|item| {
            let range = match last {
                Some((edit_range, range)) if edit_range == item.edit_range => range,
                _ => {
                    let range = converter.range(item.edit_range);
                    last = Some((item.edit_range, range));
                    range
                }
            };
            completion_item(item, range, uri, snippet_support)
        })
        .collect();
    lsp::CompletionList { is_incomplete: list.is_incomplete, items }
}

/// What `completion_item` put in `data`: the document and what to resolve.
/// (The one conversion from the protocol back into ide data, kept beside
/// the one that wrote it.)
pub fn completion_resolve_data(data: &serde_json::Value) -> Option<(Uri, ResolveData)> {
    let uri = data.get("uri")?.as_str()?.parse().ok()?;
    let resolve = serde_json::from_value(data.get("resolve")?.clone()).ok()?;
    Some((uri, resolve))
}

pub fn hover(converter: &Converter<'_>, result: &HoverResult) -> lsp::Hover {
    lsp::Hover {
        contents: lsp::HoverContents::Markup(markdown(result.markdown.clone())),
        range: Some(converter.range(result.range)),
    }
}

pub fn location(path: &Path, range: &SourceRange, encoding: Encoding) -> Option<lsp::Location> {
    Some(lsp::Location::new(Uri::from_file_path(path)?, source_range(range, encoding)))
}

pub fn location_link(origin: lsp::Range, target: &NavigationTarget, encoding: Encoding) -> Option<lsp::LocationLink> {
    Some(lsp::LocationLink {
        origin_selection_range: Some(origin),
        target_uri: Uri::from_file_path(&target.path)?,
        target_range: source_range(&target.full_range, encoding),
        target_selection_range: source_range(&target.focus_range, encoding),
    })
}

pub fn document_highlight(converter: &Converter<'_>, range: TextRange, kind: ReferenceKind) -> lsp::DocumentHighlight {
    // An imported name binds the export in the code block; calls read it.
    let kind = match kind {
        ReferenceKind::ImportedName => lsp::DocumentHighlightKind::WRITE,
        ReferenceKind::Call => lsp::DocumentHighlightKind::READ,
        _ => lsp::DocumentHighlightKind::TEXT,
    };
    lsp::DocumentHighlight { range: converter.range(range), kind: Some(kind) }
}

/// A change as a workspace edit: `documentChanges` (versioned for open
/// documents, file renames after every text edit) when the client takes
/// them, else plain `changes`.
pub fn workspace_edit(
    change: &SourceChange,
    encoding: Encoding,
    versions: &HashMap<PathBuf, (Uri, i32)>,
    document_changes: bool,
) -> lsp::WorkspaceEdit {
    let text_edits = |edits: &[runbook_ide::TextEdit]| -> Vec<lsp::TextEdit> {
        edits
            .iter()
            .map(|edit| lsp::TextEdit { range: source_range(&edit.range, encoding), new_text: edit.new_text.clone() })
            .collect()
    };
    let uri_of = |path: &Path| versions.get(path).map(|(uri, _)| uri.clone()).or_else(|| Uri::from_file_path(path));
    if !document_changes {
        let changes =
            change.edits.iter().filter_map(|(path, edits)| Some((uri_of(path)?, text_edits(edits)))).collect();
        return lsp::WorkspaceEdit { changes: Some(changes), ..lsp::WorkspaceEdit::default() };
    }
    let mut operations: Vec<lsp::DocumentChangeOperation> = change
        .edits
        .iter()
        .filter_map(|(path, edits)| {
            let uri = uri_of(path)?;
            let version = versions.get(path).map(|(_, version)| *version);
            Some(lsp::DocumentChangeOperation::Edit(lsp::TextDocumentEdit {
                text_document: lsp::OptionalVersionedTextDocumentIdentifier { uri, version },
                edits: text_edits(edits).into_iter().map(lsp::OneOf::Left).collect(),
            }))
        })
        .collect();
    for edit in &change.file_system_edits {
        let FileSystemEdit::Rename { from, to } = edit;
        let (Some(old_uri), Some(new_uri)) = (Uri::from_file_path(from), Uri::from_file_path(to)) else { continue };
        operations.push(lsp::DocumentChangeOperation::Op(lsp::ResourceOp::Rename(lsp::RenameFile {
            old_uri,
            new_uri,
            options: Some(lsp::RenameFileOptions { overwrite: Some(false), ignore_if_exists: Some(false) }),
            annotation_id: None,
        })));
    }
    lsp::WorkspaceEdit { document_changes: Some(lsp::DocumentChanges::Operations(operations)), ..Default::default() }
}

pub fn workspace_symbol(symbol: &WorkspaceSymbol, encoding: Encoding) -> Option<lsp::WorkspaceSymbol> {
    let kind = match symbol.kind {
        WorkspaceSymbolKind::Key => lsp::SymbolKind::MODULE,
        WorkspaceSymbolKind::Action => lsp::SymbolKind::EVENT,
        WorkspaceSymbolKind::Export(kind) => match kind {
            ExportKind::Function | ExportKind::ArrowFunction => lsp::SymbolKind::FUNCTION,
            ExportKind::Class => lsp::SymbolKind::CLASS,
            ExportKind::Variable => lsp::SymbolKind::VARIABLE,
            ExportKind::Type => lsp::SymbolKind::TYPE_PARAMETER,
            ExportKind::Interface => lsp::SymbolKind::INTERFACE,
            ExportKind::Enum => lsp::SymbolKind::ENUM,
        },
    };
    Some(lsp::WorkspaceSymbol {
        name: symbol.name.clone(),
        kind,
        tags: None,
        container_name: symbol.container.clone(),
        location: lsp::OneOf::Left(location(&symbol.path, &symbol.range, encoding)?),
        data: None,
    })
}

pub fn document_link(converter: &Converter<'_>, link: &DocumentLink) -> Option<lsp::DocumentLink> {
    Some(lsp::DocumentLink {
        range: converter.range(link.range),
        target: Some(Uri::from_file_path(&link.target)?),
        tooltip: Some(format!("Open {}", link.target.file_name()?.to_string_lossy())),
        data: None,
    })
}

/// The file renames the server wants to hear of before they happen: runbooks
/// and KEY files, and folders (KEY folders; which ones is known only once a
/// folder's configuration is read, so every folder is asked about).
pub fn rename_filters() -> lsp::FileOperationRegistrationOptions {
    let filter = |glob: String, matches| lsp::FileOperationFilter {
        scheme: Some("file".to_string()),
        pattern: lsp::FileOperationPattern { glob, matches: Some(matches), options: None },
    };
    let extensions: Vec<&str> = runbook_ide::MARKDOWN_EXTENSIONS
        .into_iter()
        .chain(runbook_keys::SCRIPT_EXTENSIONS.iter().map(|extension| extension.trim_start_matches('.')))
        .collect();
    lsp::FileOperationRegistrationOptions {
        filters: vec![
            filter(format!("**/*.{{{}}}", extensions.join(",")), lsp::FileOperationPatternKind::File),
            filter("**".to_string(), lsp::FileOperationPatternKind::Folder),
        ],
    }
}

/// A fold as whole lines (what every client folds by): from the line of its
/// start to the line of its end; `None` when that is one line.
pub fn folding_range(converter: &Converter<'_>, fold: &Fold) -> Option<lsp::FoldingRange> {
    let start = converter.position(fold.range.start);
    let end = converter.position(fold.range.end);
    // A fold that ends at a line break ends on the line before.
    let end_line = if end.character == 0 && end.line > start.line { end.line - 1 } else { end.line };
    (end_line > start.line).then(|| lsp::FoldingRange {
        start_line: start.line,
        end_line,
        // LSP's kinds (comment, imports, region markers) name none of these.
        ..lsp::FoldingRange::default()
    })
}

/// The hints, those at the same place as one hint of several parts, each
/// part with its own tooltip: clients draw separate hints at one place with
/// no space between them (Helix 25.01), and one hint reads as one remark.
pub fn inlay_hints(converter: &Converter<'_>, hints: &[InlayHint]) -> Vec<lsp::InlayHint> {
    let mut converted: Vec<(usize, lsp::InlayHint)> = Vec::new();
    for hint in hints {
        let part = lsp::InlayHintLabelPart {
            value: hint.label.clone(),
            tooltip: Some(lsp::InlayHintLabelPartTooltip::MarkupContent(markdown(hint.tooltip.clone()))),
            location: None,
            command: None,
        };
        match converted.last_mut() {
            Some((offset, lsp::InlayHint { label: lsp::InlayHintLabel::LabelParts(parts), .. }))
                if *offset == hint.offset =>
            {
                parts.push(lsp::InlayHintLabelPart { value: " · ".to_string(), ..lsp::InlayHintLabelPart::default() });
                parts.push(part);
            }
            _ => converted.push((
                hint.offset,
                lsp::InlayHint {
                    position: converter.position(hint.offset),
                    label: lsp::InlayHintLabel::LabelParts(vec![part]),
                    kind: None,
                    text_edits: None,
                    tooltip: None,
                    padding_left: Some(true),
                    padding_right: None,
                    data: None,
                },
            )),
        }
    }
    converted.into_iter().map(|(_, hint)| hint).collect()
}

/// A lens with its command, which shows its locations (see `show_references`).
pub fn code_lens(converter: &Converter<'_>, uri: &Uri, lens: &CodeLens, client_side: bool) -> lsp::CodeLens {
    let range = converter.range(lens.range);
    let locations = lens
        .locations
        .iter()
        .filter_map(|location| {
            Some(lsp::Location::new(
                Uri::from_file_path(&location.path)?,
                source_range(&location.range, converter.encoding),
            ))
        })
        .collect();
    let command = crate::show_references::command(lens.title.clone(), uri, range.start, locations, client_side);
    lsp::CodeLens { range, command: Some(command), data: None }
}

#[cfg(test)]
mod tests {
    use runbook_ide::IdeConfig;
    use runbook_syntax::{Encoding, Parse};

    use super::*;

    fn uri() -> Uri {
        "file:///ws/runbook.md".parse().unwrap()
    }

    /// Completion after multi-byte text: the replaced range in each encoding.
    #[test]
    fn completion_ranges_after_multi_byte_text_in_both_encodings() {
        let text = "### Action 1: Rückspiel 🔁 (REV\n";
        let parse = Parse::new(text);
        let rope = ropey::Rope::from_str(text);
        let list = runbook_ide::completions(&parse, text.find('\n').unwrap(), None, &IdeConfig::default());
        let item = list.items.iter().find(|item| item.label == "REVERSIBLE").expect("offered");
        for (encoding, start, end) in [(Encoding::Utf16, 28, 31), (Encoding::Utf8, 31, 34)] {
            let converter = Converter::new(&rope, encoding);
            let cursor = converter.offset(lsp::Position::new(0, end));
            assert_eq!(cursor, text.find('\n').unwrap(), "{encoding:?}");
            let converted = completion_item(item.clone(), converter.range(item.edit_range), &uri(), true);
            let Some(lsp::CompletionTextEdit::Edit(edit)) = converted.text_edit else { panic!("a text edit") };
            assert_eq!(
                edit.range,
                lsp::Range::new(lsp::Position::new(0, start), lsp::Position::new(0, end)),
                "{encoding:?}"
            );
            assert_eq!(edit.new_text, "REVERSIBLE");
        }
    }

    #[test]
    fn snippets_become_plain_text_without_client_support() {
        let text = "### Act\n";
        let rope = ropey::Rope::from_str(text);
        let converter = Converter::new(&rope, Encoding::Utf16);
        let item = CompletionItem {
            label: "Action 1: X".to_string(),
            label_description: None,
            kind: CompletionKind::Snippet,
            detail: None,
            documentation: None,
            edit_range: runbook_syntax::TextRange::new(0, 7),
            insert_text: "### Action ${1:1}: ${2:X} (${3|SAFE,REVERSIBLE|})\n$0".to_string(),
            is_snippet: true,
            sort_text: Some("0000".to_string()),
            filter_text: None,
            resolve_data: Some(ResolveData::Key { slug: "node-x".to_string() }),
            preselect: false,
        };
        let plain = completion_item(item.clone(), converter.range(item.edit_range), &uri(), false);
        assert_eq!(plain.insert_text_format, Some(lsp::InsertTextFormat::PLAIN_TEXT));
        let Some(lsp::CompletionTextEdit::Edit(edit)) = &plain.text_edit else { panic!("a text edit") };
        assert_eq!(edit.new_text, "### Action 1: X (SAFE)\n");
        let range = converter.range(item.edit_range);
        let snippet = completion_item(item, range, &uri(), true);
        assert_eq!(snippet.insert_text_format, Some(lsp::InsertTextFormat::SNIPPET));
        // The data names the document and round-trips.
        let (data_uri, data) = completion_resolve_data(snippet.data.as_ref().unwrap()).unwrap();
        assert_eq!(data_uri, uri());
        assert_eq!(data, ResolveData::Key { slug: "node-x".to_string() });
    }
}
