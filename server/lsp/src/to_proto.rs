//! Conversions of ide results into LSP types (positions via `positions`).

use runbook_ide::{Diagnostic, RelatedLocation, Severity, Symbol, SymbolKind};
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

pub fn diagnostic(uri: &Uri, converter: &Converter<'_>, diagnostic: &Diagnostic) -> lsp::Diagnostic {
    let related: Vec<lsp::DiagnosticRelatedInformation> = diagnostic
        .related
        .iter()
        .filter_map(|related| {
            let location = match &related.location {
                RelatedLocation::Here(range) => lsp::Location::new(uri.clone(), converter.range(*range)),
                RelatedLocation::File { path, range } => {
                    lsp::Location::new(Uri::from_file_path(path)?, source_range(range, converter.encoding))
                }
            };
            Some(lsp::DiagnosticRelatedInformation { location, message: related.message.clone() })
        })
        .collect();
    lsp::Diagnostic {
        range: converter.range(diagnostic.range),
        severity: Some(severity(diagnostic.severity)),
        code: Some(NumberOrString::String(diagnostic.code.as_str().to_string())),
        code_description: None,
        source: Some(SOURCE.to_string()),
        message: diagnostic.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: diagnostic.data.clone(),
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
