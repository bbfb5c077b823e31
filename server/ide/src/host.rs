//! The workspace as the features see it, in rust-analyzer's shape: an
//! `AnalysisHost` takes changes (settings, open documents and their edits,
//! a new index) and hands out `Analysis` snapshots, which are cheap to clone,
//! never change, and answer every feature. The language server and
//! `runbook-ls check` both drive this one API.
//!
//! Open documents overlay the runbooks of the index: a feature reading a file
//! sees the editor's text when the file is open, the disk's otherwise.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use runbook_keys::fs::FileSystem;
use runbook_keys::{FileRange, KeyCatalog};
use runbook_syntax::{Document, Parse, SourceRange, TextRange};

use crate::assists::{Assist, AssistId, AssistQuery, FixAll};
use crate::classify::{Classification, classify};
use crate::completion::{CompletionList, ResolveData};
use crate::diagnostic::Fixes;
use crate::diagnostics::{self, ActionMemo, File, Workspace};
use crate::index::{DiskFile, IndexScope, IndexUpdate, WorkspaceIndex};
use crate::settings::{CONFIG_FILE, ConfigFile, ConfigLayer};
use crate::{Diagnostic, DiagnosticCode, HoverResult, IdeConfig, Symbol};

/// Everything an analysis reads. Fields are shared: a snapshot is a few
/// reference counts.
#[derive(Clone)]
struct WorkspaceState {
    root: Arc<Path>,
    fs: Arc<dyn FileSystem>,
    config_file: Arc<ConfigFile>,
    client_layers: Arc<Vec<ConfigLayer>>,
    config: Arc<IdeConfig>,
    /// `None` until the index is built: the features that need KEYs stay quiet.
    index: Option<WorkspaceIndex>,
    open: Arc<HashMap<PathBuf, Document>>,
    /// Counts the changes of everything above but the open documents: what
    /// the findings memoized for open documents are valid for.
    generation: u64,
    /// Per open document, the findings of its Actions (see `ActionMemo`),
    /// shared by every snapshot.
    memos: Arc<Mutex<HashMap<PathBuf, Arc<ActionMemo>>>>,
}

/// The one mutable workspace: changes go in here, snapshots come out.
pub struct AnalysisHost {
    state: WorkspaceState,
}

/// A consistent view of the workspace at one moment.
#[derive(Clone)]
pub struct Analysis {
    state: WorkspaceState,
}

/// A diagnostic of a file the features do not parse (`runbook-ls.toml`, a
/// `key.json`), positioned when its text was read.
#[derive(Debug, Clone, PartialEq)]
pub struct FileDiagnostic {
    pub path: PathBuf,
    pub range: SourceRange,
    pub diagnostic: Diagnostic,
}

impl AnalysisHost {
    /// A workspace rooted at `root` (absolute), read through `fs`, with the
    /// default configuration and no index yet.
    pub fn new(root: PathBuf, fs: Arc<dyn FileSystem>) -> AnalysisHost {
        let config_file = ConfigFile { path: root.join(CONFIG_FILE), ..ConfigFile::default() };
        AnalysisHost {
            state: WorkspaceState {
                root: Arc::from(root),
                fs,
                config_file: Arc::new(config_file),
                client_layers: Arc::default(),
                config: Arc::new(IdeConfig::default()),
                index: None,
                open: Arc::default(),
                generation: 0,
                memos: Arc::default(),
            },
        }
    }

    pub fn analysis(&self) -> Analysis {
        Analysis { state: self.state.clone() }
    }

    pub fn root(&self) -> &Path {
        &self.state.root
    }

    pub fn config(&self) -> &IdeConfig {
        &self.state.config
    }

    /// Sets where the configuration comes from: the file (see
    /// `Analysis::read_config_file`) overridden by the editor's layers, in
    /// order. Returns whether the key roots changed, which needs a new index.
    pub fn set_settings(&mut self, config_file: ConfigFile, client_layers: Vec<ConfigLayer>) -> bool {
        let mut layers = vec![&config_file.layer];
        layers.extend(client_layers.iter());
        let config = crate::settings::resolve(&layers);
        let roots_changed = config.key_roots != self.state.config.key_roots;
        self.state.generation += 1;
        self.state.config = Arc::new(config);
        self.state.config_file = Arc::new(config_file);
        self.state.client_layers = Arc::new(client_layers);
        roots_changed
    }

    /// The editor's layers as last set.
    pub fn client_layers(&self) -> &[ConfigLayer] {
        &self.state.client_layers
    }

    /// Replaces the index (built by `Analysis::build_index` or `update_index`).
    pub fn set_index(&mut self, index: WorkspaceIndex) {
        self.state.generation += 1;
        self.state.index = Some(index);
    }

    /// Opens (or reopens) a document with the editor's text.
    pub fn open_document(&mut self, path: PathBuf, text: &str) {
        Arc::make_mut(&mut self.state.open).insert(path, Document::new(text));
    }

    /// Takes over a document another host held open (its folder changed),
    /// keeping its text and parse.
    pub fn adopt_document(&mut self, path: PathBuf, document: Document) {
        Arc::make_mut(&mut self.state.open).insert(path, document);
    }

    /// The open document at `path`, to be edited in place. Snapshots taken
    /// before keep the text they had.
    pub fn document_mut(&mut self, path: &Path) -> Option<&mut Document> {
        Arc::make_mut(&mut self.state.open).get_mut(path)
    }

    pub fn close_document(&mut self, path: &Path) -> Option<Document> {
        self.state.memos.lock().unwrap_or_else(PoisonError::into_inner).remove(path);
        Arc::make_mut(&mut self.state.open).remove(path)
    }

    pub fn open_documents(&self) -> impl Iterator<Item = (&Path, &Document)> {
        self.state.open.iter().map(|(path, document)| (path.as_path(), document))
    }
}

impl Analysis {
    pub fn root(&self) -> &Path {
        &self.state.root
    }

    pub fn fs(&self) -> &dyn FileSystem {
        &*self.state.fs
    }

    pub fn config(&self) -> &IdeConfig {
        &self.state.config
    }

    /// The KEY catalog, once indexed.
    pub fn catalog(&self) -> Option<&KeyCatalog> {
        self.state.index.as_ref().map(|index| &*index.catalog)
    }

    pub fn index(&self) -> Option<&WorkspaceIndex> {
        self.state.index.as_ref()
    }

    /// Reads `<root>/runbook-ls.toml` through the workspace's file system.
    pub fn read_config_file(&self) -> ConfigFile {
        ConfigFile::read(&*self.state.fs, self.state.root.join(CONFIG_FILE))
    }

    /// Reads the KEY roots and the runbooks and packs of `scope` (slow: the
    /// caller runs it off the main loop and hands the result to
    /// `AnalysisHost::set_index`).
    pub fn build_index(&self, scope: &IndexScope) -> WorkspaceIndex {
        WorkspaceIndex::build(&*self.state.fs, &self.state.root, &self.state.config, scope)
    }

    /// The index after files changed on disk; `None` before the first index.
    pub fn update_index(&self, changed: &[PathBuf]) -> Option<IndexUpdate> {
        Some(self.state.index.as_ref()?.update(&*self.state.fs, changed))
    }

    /// The open document at `path`.
    pub fn document(&self, path: &Path) -> Option<&Document> {
        self.state.open.get(path)
    }

    /// The parse of a runbook: the open document's, else the index's. An
    /// open document above `max-document-bytes` has none: it is never parsed,
    /// so that typing in it costs only the rope's edit.
    pub fn parse(&self, path: &Path) -> Option<Arc<Parse>> {
        if let Some(document) = self.state.open.get(path) {
            return (!self.is_too_large(document)).then(|| document.parse());
        }
        self.state.index.as_ref()?.runbooks.get(path)?.parse().cloned()
    }

    /// Whether an open document is above the live-analysis size limit.
    pub fn is_too_large(&self, document: &Document) -> bool {
        document.len() > self.state.config.max_document_bytes
    }

    /// A range of a runbook (open or indexed), positioned in every encoding.
    pub fn source_range(&self, path: &Path, range: runbook_syntax::TextRange) -> Option<SourceRange> {
        let parse = self.parse(path)?;
        Some(parse.line_index().source_range(parse.text(), range))
    }

    /// Every runbook of the workspace (open or indexed), with its parse.
    pub fn runbooks(&self) -> impl Iterator<Item = (&Path, Arc<Parse>)> {
        // A document too large to analyse live counts as it is on disk.
        let live = |path: &Path| self.state.open.get(path).is_some_and(|document| !self.is_too_large(document));
        let open = self
            .state
            .open
            .iter()
            .filter(move |(path, _)| live(path))
            .map(|(path, document)| (path.as_path(), document.parse()));
        let indexed = self.state.index.iter().flat_map(|index| index.runbooks.iter());
        let on_disk = indexed
            .filter(move |(path, _)| !live(path))
            .filter_map(|(path, file)| Some((path.as_path(), file.parse()?.clone())));
        open.chain(on_disk)
    }

    pub(crate) fn workspace(&self) -> Workspace<'_> {
        Workspace {
            root: &self.state.root,
            config: &self.state.config,
            catalog: self.catalog(),
            fs: &*self.state.fs,
            packs: self.state.index.as_ref().map(|index| &*index.packs),
        }
    }

    /// Every finding of a runbook, suppressions and levels applied, sorted.
    pub fn diagnostics(&self, path: &Path) -> Vec<Diagnostic> {
        self.diagnostics_with(path, Fixes::Include, None)
    }

    /// `diagnostics` without their fixes, for a publication: the client asks
    /// for a finding's fixes when it wants them (see `assists`).
    pub fn diagnostics_without_fixes(&self, path: &Path) -> Vec<Diagnostic> {
        self.diagnostics_with(path, Fixes::Omit, None)
    }

    /// `diagnostics`, of which those of the Actions that no range of
    /// `ranges` touches are left out: what a code action request needs,
    /// without checking every Action of a large runbook again.
    pub(crate) fn diagnostics_near(&self, path: &Path, ranges: &[TextRange]) -> Vec<Diagnostic> {
        self.diagnostics_with(path, Fixes::Include, Some(ranges))
    }

    fn diagnostics_with(&self, path: &Path, fixes: Fixes, actions_touching: Option<&[TextRange]>) -> Vec<Diagnostic> {
        if !self.state.open.contains_key(path)
            && let Some(DiskFile::Unreadable { valid_up_to }) =
                self.state.index.as_ref().and_then(|index| index.runbooks.get(path))
        {
            let message = format!(
                "this file is not UTF-8 text (the first invalid byte is at offset {valid_up_to}); save it as UTF-8 to check it"
            );
            let diagnostic =
                Diagnostic::new(DiagnosticCode::UnreadableFile, runbook_syntax::TextRange::empty(0), message);
            return self.state.config.configured(diagnostic).into_iter().collect();
        }
        let too_large =
            match (self.state.open.get(path), self.state.index.as_ref().and_then(|index| index.runbooks.get(path))) {
                (Some(document), _) => self.is_too_large(document).then(|| document.len()),
                (None, Some(DiskFile::TooLarge { len })) => Some(*len),
                _ => None,
            };
        if let Some(size) = too_large {
            let limit = self.state.config.max_document_bytes;
            let message = format!(
                "this document is {size} bytes, above the {limit}-byte limit for analysis as you type: raise `max-document-bytes` to analyse it live; `runbook-ls check` still checks it"
            );
            let diagnostic =
                Diagnostic::new(DiagnosticCode::FileTooLarge, runbook_syntax::TextRange::empty(0), message);
            return self.state.config.configured(diagnostic).into_iter().collect();
        }
        let Some(parse) = self.parse(path) else { return Vec::new() };
        let file = File { path, parse: &parse };
        if !self.state.open.contains_key(path) {
            return diagnostics::diagnostics_with(&file, &self.workspace(), None, fixes, actions_touching);
        }
        // An open document is diagnosed after each edit: the findings of the
        // Actions the edit did not touch are reused.
        let memo = self
            .state
            .memos
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(path.to_path_buf())
            .or_default()
            .clone();
        let memo = Some((&*memo, self.state.generation));
        diagnostics::diagnostics_with(&file, &self.workspace(), memo, fixes, actions_touching)
    }

    /// The findings about the workspace rather than a runbook: its
    /// configuration file and its KEY manifests.
    pub fn workspace_diagnostics(&self) -> Vec<FileDiagnostic> {
        let config = &self.state.config;
        let config_file = &self.state.config_file;
        let mut found: Vec<FileDiagnostic> = config_file
            .diagnostics()
            .into_iter()
            .filter_map(|(range, diagnostic)| {
                let diagnostic = config.configured(diagnostic)?;
                Some(FileDiagnostic { path: config_file.path.clone(), range, diagnostic })
            })
            .collect();
        if let Some(catalog) = self.catalog() {
            for problem in catalog.manifest_problems() {
                let FileRange { path, range } = &problem.location;
                let diagnostic =
                    Diagnostic::new(DiagnosticCode::InvalidKeyManifest, range.range, problem.message.clone());
                if let Some(diagnostic) = config.configured(diagnostic) {
                    found.push(FileDiagnostic { path: path.clone(), range: *range, diagnostic });
                }
            }
        }
        found
    }

    /// What the text at `offset` of a runbook names.
    pub fn classify(&self, path: &Path, offset: usize) -> Option<Classification> {
        let parse = self.parse(path)?;
        let offset = runbook_syntax::floor_char_boundary(parse.text(), offset);
        classify(parse.runbook(), offset, self.catalog(), &self.state.config)
    }

    pub fn hover(&self, path: &Path, offset: usize) -> Option<HoverResult> {
        crate::hover::hover(&*self.parse(path)?, offset, self.catalog(), &self.state.config)
    }

    pub fn completions(&self, path: &Path, offset: usize) -> CompletionList {
        let Some(parse) = self.parse(path) else { return CompletionList::default() };
        crate::completion::completions(&parse, offset, self.catalog(), &self.state.config)
    }

    /// The documentation a completion item left for later.
    pub fn resolve_completion(&self, data: &ResolveData) -> Option<String> {
        crate::completion::resolve_completion(data, self.catalog())
    }

    /// The audit inventory of every indexed runbook (`runbook-ls report`).
    pub fn inventory(&self) -> crate::Inventory {
        crate::inventory::inventory(self)
    }

    pub fn document_symbols(&self, path: &Path) -> Vec<Symbol> {
        self.parse(path).map(|parse| crate::document_symbols(&parse)).unwrap_or_default()
    }

    /// The code actions for `query` in the runbook at `path`.
    pub fn assists(&self, path: &Path, query: &AssistQuery) -> Vec<Assist> {
        crate::assists::assists(self, path, query)
    }

    /// The assist `id` names, with its edits (`codeAction/resolve`); `None`
    /// when the runbook no longer has it.
    pub fn resolve_assist(&self, path: &Path, id: &AssistId) -> Option<Assist> {
        crate::assists::resolve(self, path, id)
    }

    /// Every unattended fix of the runbook at `path` (and of the files its
    /// fixes edit, like its pack.json), applied until nothing changes.
    pub fn fix_all(&self, path: &Path) -> FixAll {
        crate::assists::fix_all(self, path)
    }

    /// The text of a workspace file as the features see it: an open or
    /// indexed runbook's, an indexed pack's, else the file system's.
    pub fn file_text(&self, path: &Path) -> Option<String> {
        if let Some(parse) = self.parse(path) {
            return Some(parse.text().to_string());
        }
        if let Some(pack) = self.state.index.as_ref().and_then(|index| index.packs.get(path)) {
            return Some(pack.text.to_string());
        }
        self.state.fs.read_to_string(path).ok()
    }

    /// This workspace with other texts for some files (runbooks and packs),
    /// as if they were open: what fix-all checks its result in.
    pub(crate) fn with_file_texts(&self, texts: Vec<(PathBuf, String)>) -> Analysis {
        let mut state = self.state.clone();
        for (path, text) in texts {
            if crate::is_pack(&path)
                && let Some(index) = state.index.as_mut()
            {
                Arc::make_mut(&mut index.packs).insert(path, Arc::new(crate::pack::Pack::parse(&text)));
            } else {
                Arc::make_mut(&mut state.open).insert(path, Document::new(&text));
            }
        }
        Analysis { state }
    }

    /// The semantic tokens of a runbook, or of the part of it that touches
    /// `range`, sorted and each on one line.
    pub fn semantic_tokens(&self, path: &Path, range: Option<runbook_syntax::TextRange>) -> Vec<crate::SemanticToken> {
        let Some(parse) = self.parse(path) else { return Vec::new() };
        let mut tokens = crate::semantic_tokens::semantic_tokens(&parse, self.catalog(), &self.state.config);
        if let Some(range) = range {
            tokens.retain(|token| token.range.touches_range(range));
        }
        tokens
    }

    /// The folding ranges of a runbook, sorted by start.
    pub fn folding_ranges(&self, path: &Path) -> Vec<crate::Fold> {
        self.parse(path).map(|parse| crate::folding_ranges::folding_ranges(parse.runbook())).unwrap_or_default()
    }

    /// The inlay hints of a runbook (those in `range`, or all), in document
    /// order; none before the index is ready or when the setting is off.
    pub fn inlay_hints(&self, path: &Path, range: Option<runbook_syntax::TextRange>) -> Vec<crate::InlayHint> {
        let (Some(parse), Some(catalog)) = (self.parse(path), self.catalog()) else { return Vec::new() };
        crate::inlay_hints::inlay_hints(&parse, range, catalog, &self.state.config)
    }

    /// The code lenses of a runbook's Actions; none before the index is ready.
    pub fn code_lenses(&self, path: &Path) -> Vec<crate::CodeLens> {
        let (Some(parse), Some(catalog)) = (self.parse(path), self.catalog()) else { return Vec::new() };
        crate::code_lens::code_lenses(path, &parse, self.runbooks(), catalog, &self.state.config)
    }
}

#[cfg(test)]
mod tests {
    use runbook_keys::fs::MemoryFs;

    use super::*;

    /// A document above `max-document-bytes` gets one finding and no analysis.
    #[test]
    fn documents_above_the_size_limit_are_not_analysed_live() {
        let mut host = AnalysisHost::new(PathBuf::from("/ws"), Arc::new(MemoryFs::new()));
        let (layer, problems) = ConfigLayer::from_toml("max-document-bytes = 64\n");
        assert_eq!(problems, []);
        host.set_settings(ConfigFile { layer, ..ConfigFile::default() }, Vec::new());
        let path = PathBuf::from("/ws/runbook.md");
        let text = "### Action 1: Restart (SAFE)\n\n`node-unknown-thing` and more text to pass the limit\n";
        host.open_document(path.clone(), text);
        let analysis = host.analysis();
        let found = analysis.diagnostics(&path);
        let rendered: Vec<String> = found
            .iter()
            .map(|diagnostic| format!("{} {:?}: {}", diagnostic.code, diagnostic.severity, diagnostic.message))
            .collect();
        expect_test::expect![[r#"
            [
                "file-too-large Info: this document is 83 bytes, above the 64-byte limit for analysis as you type: raise `max-document-bytes` to analyse it live; `runbook-ls check` still checks it",
            ]
        "#]]
        .assert_debug_eq(&rendered);
        assert!(analysis.parse(&path).is_none());
        assert!(analysis.hover(&path, text.find("node-").unwrap()).is_none());
        assert_eq!(analysis.runbooks().count(), 0);
        // Under the limit again, it is analysed as usual.
        host.document_mut(&path).unwrap().edit(runbook_syntax::TextRange::new(30, text.len()), "");
        assert!(host.analysis().parse(&path).is_some());
        assert!(
            host.analysis().diagnostics(&path).iter().all(|diagnostic| diagnostic.code != DiagnosticCode::FileTooLarge)
        );
    }

    /// An open document's memo keeps its findings without their fixes; a
    /// code action request still gets them, for the Actions it asks about
    /// (and every finding outside Actions).
    #[test]
    fn the_memo_keeps_no_fixes_and_code_actions_still_get_them() {
        let mut host = AnalysisHost::new(PathBuf::from("/ws"), Arc::new(MemoryFs::new()));
        let path = PathBuf::from("/ws/runbook.md");
        let text =
            "# R\n\n### Action 1: Restart (REVERSIBLE)\n\nRestart it.\n\n### Action 2: Drain (SAFE)\n\nDrain it.\n";
        host.open_document(path.clone(), text);
        let analysis = host.analysis();
        let published = analysis.diagnostics_without_fixes(&path);
        assert!(published.iter().all(|diagnostic| diagnostic.fixes.is_empty()));
        let memo = analysis.state.memos.lock().unwrap().get(&path).cloned().expect("an open document has a memo");
        let kept = memo.kept();
        assert!(kept.len() >= 3, "{kept:?}");
        assert!(kept.iter().all(|diagnostic| diagnostic.fixes.is_empty()), "{kept:?}");

        let all = analysis.diagnostics(&path);
        let without_fixes: Vec<Diagnostic> =
            all.iter().cloned().map(|diagnostic| Diagnostic { fixes: Vec::new(), ..diagnostic }).collect();
        assert_eq!(without_fixes, published);
        let fixable: Vec<&Diagnostic> = all.iter().filter(|diagnostic| !diagnostic.fixes.is_empty()).collect();
        let in_action = |n: usize| {
            let heading = text.find(&format!("### Action {n}")).unwrap();
            fixable.iter().filter(move |diagnostic| diagnostic.range.start == heading + 4).count()
        };
        assert!(in_action(1) >= 2 && in_action(2) >= 1, "{fixable:#?}");
        // At the second Action: its findings, with their fixes, and none of the first's.
        let at = TextRange::empty(text.find("Drain it").unwrap());
        let near = analysis.diagnostics_near(&path, &[at]);
        for diagnostic in &all {
            let of_first = diagnostic.range.end < text.find("### Action 2").unwrap() && diagnostic.range.start > 0;
            assert_eq!(near.contains(diagnostic), !of_first, "{diagnostic:?}");
        }
    }

    /// The server's index does not parse a runbook above the limit either;
    /// `check`'s (named paths) parses everything.
    #[test]
    fn the_workspace_index_skips_runbooks_above_the_size_limit() {
        let mut fs = MemoryFs::new();
        let path = PathBuf::from("/ws/runbooks/big.md");
        fs.insert(path.clone(), "### Action 1: Restart\n\n`node-unknown-thing` and more text to pass the limit\n");
        let mut host = AnalysisHost::new(PathBuf::from("/ws"), Arc::new(fs));
        let (layer, _) = ConfigLayer::from_toml("max-document-bytes = 64\n");
        host.set_settings(ConfigFile { layer, ..ConfigFile::default() }, Vec::new());
        for (scope, too_large) in [(IndexScope::Workspace, true), (IndexScope::Paths(vec![path.clone()]), false)] {
            let index = host.analysis().build_index(&scope);
            host.set_index(index);
            let codes: Vec<DiagnosticCode> =
                host.analysis().diagnostics(&path).iter().map(|diagnostic| diagnostic.code).collect();
            assert_eq!(codes == [DiagnosticCode::FileTooLarge], too_large, "{scope:?}: {codes:?}");
            assert_eq!(host.analysis().parse(&path).is_none(), too_large);
        }
    }
}
