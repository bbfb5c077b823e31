//! Pull diagnostics (LSP 3.17 `textDocument/diagnostic`, `workspace/diagnostic`)
//! for the clients that can be told when to pull again, and the choice
//! between pulling and pushing, made once per session: never both.
//!
//! A runbook's diagnostics change without an edit of it: the KEY index is
//! built in the background after `initialized` and follows the files of the
//! workspace. A pulling client only learns of that through
//! `workspace/diagnostic/refresh`, so only a client that advertises
//! `textDocument.diagnostic` *and* `workspace.diagnostics.refreshSupport`
//! pulls (VS Code). Neovim 0.11 advertises the first without the second: it
//! pulls only the visible buffers, on open and change, and has no handler
//! for the refresh, so it would show findings that predate the index until
//! the next keystroke. Helix 25.01 advertises neither (a pull-only server
//! shows nothing there: tombi#711). Both get pushed diagnostics.
//!
//! Reports carry a `resultId` that is a hash of their content, so that a
//! client that already has them gets `unchanged`. The workspace report (all
//! runbooks of every folder, open or not, plus `runbook-ls.toml` and the
//! `key.json` files) is pulled again every few seconds by VS Code; reports
//! are kept until the folder's index or settings change, or the document's
//! version does, so that a pull that finds nothing new costs little.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use runbook_ide::{Analysis, FileDiagnostic};
use tower_lsp_server::ls_types::*;

use crate::positions::parse_range;
use crate::session::{Session, file_path};
use crate::to_proto;

/// What identifies pulls for our diagnostics (`DiagnosticOptions::identifier`).
const IDENTIFIER: &str = "runbook-ls";

/// Whether the client pulls diagnostics in a way that stays current: see
/// the module's documentation.
pub fn client_pulls(capabilities: &ClientCapabilities) -> bool {
    let pulls = capabilities.text_document.as_ref().is_some_and(|text_document| text_document.diagnostic.is_some());
    let refreshes = capabilities
        .workspace
        .as_ref()
        .and_then(|workspace| workspace.diagnostics.as_ref())
        .and_then(|diagnostics| diagnostics.refresh_support)
        .unwrap_or(false);
    pulls && refreshes
}

pub fn capability() -> DiagnosticServerCapabilities {
    DiagnosticServerCapabilities::Options(DiagnosticOptions {
        identifier: Some(IDENTIFIER.to_string()),
        // A runbook's findings depend on the KEYs and on its pack.json.
        inter_file_dependencies: true,
        workspace_diagnostics: true,
        work_done_progress_options: WorkDoneProgressOptions::default(),
    })
}

/// Whether this session pulls, and the reports computed for it.
#[derive(Default)]
pub struct PullState {
    pulls: AtomicBool,
    /// Bumped after any folder's index or settings change; a report
    /// computed from a snapshot taken before is not reused after.
    epoch: AtomicU64,
    reports: Mutex<HashMap<PathBuf, Report>>,
}

/// The report of one file and what it was computed from.
#[derive(Clone)]
struct Report {
    /// The epoch read before the snapshot was taken, and the open
    /// document's version (`None` for a file that is not open).
    stamp: (u64, Option<i32>),
    result_id: String,
    items: Vec<Diagnostic>,
}

impl PullState {
    pub fn pulls(&self) -> bool {
        self.pulls.load(Ordering::Relaxed)
    }

    pub fn set_pulls(&self, pulls: bool) {
        self.pulls.store(pulls, Ordering::Relaxed);
    }

    /// A folder's index or settings changed: every report may be stale.
    pub fn workspace_changed(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
    }

    /// Drops the report of a document opened again: its versions restart.
    pub fn forget(&self, path: &Path) {
        self.lock().remove(path);
    }

    fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// The report of `path` at `stamp`, computed by `compute` unless kept.
    fn report(&self, path: &Path, stamp: (u64, Option<i32>), compute: impl FnOnce() -> Vec<Diagnostic>) -> Report {
        if let Some(report) = self.lock().get(path).filter(|report| report.stamp == stamp) {
            return report.clone();
        }
        let items = compute();
        let report = Report { stamp, result_id: result_id(&items), items };
        self.lock().insert(path.to_path_buf(), report.clone());
        report
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Report>> {
        self.reports.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A hash of the report's content: the same findings get the same id, so
/// that an edit undone, or an index change that changes nothing here, is
/// `unchanged` to the client.
fn result_id(items: &[Diagnostic]) -> String {
    let mut hasher = DefaultHasher::new();
    serde_json::to_string(items).unwrap_or_default().hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// The findings of a runbook that is not open, positioned through its parse.
fn indexed_items(analysis: &Analysis, path: &Path, uri: &Uri, encoding: runbook_syntax::Encoding) -> Vec<Diagnostic> {
    let found = analysis.diagnostics_without_fixes(path);
    let parse = analysis.parse(path);
    found
        .into_iter()
        .map(|diagnostic| {
            // A file that is not UTF-8 has no parse: its one finding is at its start.
            let range = |range| parse.as_ref().map_or_else(Range::default, |parse| parse_range(parse, range, encoding));
            to_proto::diagnostic_in(uri, range, encoding, diagnostic)
        })
        .collect()
}

/// `textDocument/diagnostic`.
pub fn document_report(session: &Session, params: DocumentDiagnosticParams) -> DocumentDiagnosticReportResult {
    let pull = &session.pull;
    let epoch = pull.epoch();
    let uri = params.text_document.uri;
    let report = if let Some(snapshot) = session.snapshot(&uri) {
        let stamp = (epoch, Some(snapshot.version));
        pull.report(&snapshot.path.clone(), stamp, || crate::server::file_diagnostics(&snapshot))
    } else {
        // Not open (any more): what the index says about the file.
        let path = file_path(&uri);
        match path.as_deref().and_then(|path| Some((path, session.analysis_for(Some(path))?))) {
            Some((path, analysis)) => {
                pull.report(path, (epoch, None), || indexed_items(&analysis, path, &uri, session.encoding()))
            }
            None => Report { stamp: (epoch, None), result_id: result_id(&[]), items: Vec::new() },
        }
    };
    let report = if params.previous_result_id.as_deref() == Some(report.result_id.as_str()) {
        DocumentDiagnosticReport::Unchanged(RelatedUnchangedDocumentDiagnosticReport {
            related_documents: None,
            unchanged_document_diagnostic_report: UnchangedDocumentDiagnosticReport { result_id: report.result_id },
        })
    } else {
        DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
            related_documents: None,
            full_document_diagnostic_report: FullDocumentDiagnosticReport {
                result_id: Some(report.result_id),
                items: report.items,
            },
        })
    };
    DocumentDiagnosticReportResult::Report(report)
}

/// `workspace/diagnostic`: every runbook of every folder (open documents at
/// their version), the configuration files and manifests with findings, and
/// an empty report for each file the client had a report for that has none
/// now (deleted, or its findings fixed).
pub fn workspace_report(session: &Session, params: WorkspaceDiagnosticParams) -> WorkspaceDiagnosticReport {
    let pull = &session.pull;
    let epoch = pull.epoch();
    let encoding = session.encoding();
    let previous: HashMap<String, String> = params
        .previous_result_ids
        .into_iter()
        .map(|previous| (previous.uri.as_str().to_string(), previous.value))
        .collect();
    // Every file's report, the first one of a file winning (nested folders).
    let mut reports: Vec<(Uri, Option<i32>, Report)> = Vec::new();
    let mut add = |uri: Uri, version: Option<i32>, report: Report| reports.push((uri, version, report));

    for root in session.folder_roots() {
        let mut open_paths = HashSet::new();
        for uri in session.open_documents_in(&root) {
            let Some(snapshot) = session.snapshot(&uri) else { continue };
            open_paths.insert(snapshot.path.clone());
            let stamp = (epoch, Some(snapshot.version));
            let report = pull.report(&snapshot.path.clone(), stamp, || crate::server::file_diagnostics(&snapshot));
            add(uri, Some(snapshot.version), report);
        }
        let Some(analysis) = session.folder_analysis(&root) else { continue };
        let indexed: Vec<PathBuf> = analysis
            .index()
            .map(|index| {
                index.runbook_paths().filter(|path| !open_paths.contains(*path)).map(Path::to_path_buf).collect()
            })
            .unwrap_or_default();
        for path in indexed {
            let Some(uri) = Uri::from_file_path(&path) else { continue };
            let report = pull.report(&path, (epoch, None), || indexed_items(&analysis, &path, &uri, encoding));
            add(uri, None, report);
        }
        let mut files: HashMap<PathBuf, Vec<Diagnostic>> = HashMap::new();
        for FileDiagnostic { path, range, diagnostic } in analysis.workspace_diagnostics() {
            files.entry(path).or_default().push(to_proto::file_diagnostic(&range, encoding, &diagnostic));
        }
        for (path, diagnostics) in files {
            let Some(uri) = Uri::from_file_path(&path) else { continue };
            let report = Report { stamp: (epoch, None), result_id: result_id(&diagnostics), items: diagnostics };
            add(uri, None, report);
        }
    }
    let mut reported: HashSet<String> = HashSet::new();
    reports.retain(|(uri, _, _)| reported.insert(uri.as_str().to_string()));
    for uri in previous.keys().filter(|uri| !reported.contains(*uri)) {
        let Ok(uri) = uri.parse::<Uri>() else { continue };
        reports.push((uri, None, Report { stamp: (epoch, None), result_id: result_id(&[]), items: Vec::new() }));
    }
    let items = reports
        .into_iter()
        .map(|(uri, version, report)| {
            let version = version.map(i64::from);
            if previous.get(uri.as_str()) == Some(&report.result_id) {
                WorkspaceDocumentDiagnosticReport::Unchanged(WorkspaceUnchangedDocumentDiagnosticReport {
                    uri,
                    version,
                    unchanged_document_diagnostic_report: UnchangedDocumentDiagnosticReport {
                        result_id: report.result_id,
                    },
                })
            } else {
                WorkspaceDocumentDiagnosticReport::Full(WorkspaceFullDocumentDiagnosticReport {
                    uri,
                    version,
                    full_document_diagnostic_report: FullDocumentDiagnosticReport {
                        result_id: Some(report.result_id),
                        items: report.items,
                    },
                })
            }
        })
        .collect();
    WorkspaceDiagnosticReport { items }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capabilities(json: serde_json::Value) -> ClientCapabilities {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn only_clients_that_can_be_told_to_pull_again_pull() {
        // VS Code 1.100.
        assert!(client_pulls(&capabilities(serde_json::json!({
            "textDocument": { "diagnostic": { "dynamicRegistration": true, "relatedDocumentSupport": false } },
            "workspace": { "diagnostics": { "refreshSupport": true } },
        }))));
        // Neovim 0.11 (`vim.lsp.protocol.make_client_capabilities()`): no refresh.
        assert!(!client_pulls(&capabilities(serde_json::json!({
            "textDocument": { "diagnostic": { "dynamicRegistration": false, "tagSupport": { "valueSet": [1, 2] } } },
            "workspace": { "semanticTokens": { "refreshSupport": true }, "inlayHint": { "refreshSupport": true } },
        }))));
        // Helix 25.01: neither.
        assert!(!client_pulls(&capabilities(serde_json::json!({
            "textDocument": { "publishDiagnostics": { "versionSupport": true } },
            "workspace": { "configuration": true },
        }))));
    }

    #[test]
    fn result_ids_follow_the_content() {
        let diagnostic = || Diagnostic { message: "x".to_string(), ..Diagnostic::default() };
        assert_eq!(result_id(&[diagnostic()]), result_id(&[diagnostic()]));
        assert_ne!(result_id(&[diagnostic()]), result_id(&[]));
    }
}
