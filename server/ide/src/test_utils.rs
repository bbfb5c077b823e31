//! Shared pieces of the data-driven tests: fixtures to workspaces, and
//! renderings of results with their ranges quoted.

use std::io;
use std::path::{Path, PathBuf};

use runbook_keys::fs::FileSystem;
use runbook_syntax::TextRange;
use runbook_syntax::fixture::Fixture;

/// A file system with nothing in it, for rules that need none.
#[derive(Clone, Copy)]
pub struct EmptyFs;

impl FileSystem for EmptyFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        Err(io::Error::new(io::ErrorKind::NotFound, path.display().to_string()))
    }
    fn is_file(&self, _: &Path) -> bool {
        false
    }
    fn is_dir(&self, _: &Path) -> bool {
        false
    }
    fn read_dir(&self, _: &Path) -> io::Result<Vec<PathBuf>> {
        Ok(Vec::new())
    }
    fn walk(&self, _: &Path) -> Vec<PathBuf> {
        Vec::new()
    }
    fn shared(&self) -> std::sync::Arc<dyn FileSystem> {
        std::sync::Arc::new(*self)
    }
}

pub const WORKSPACE_ROOT: &str = "/ws";

/// The fixture's files in memory under `/ws`, and the catalog built from them.
pub fn catalog(fixture: &Fixture) -> (runbook_keys::fs::MemoryFs, runbook_keys::KeyCatalog) {
    let root = Path::new(WORKSPACE_ROOT);
    let fs = runbook_keys::fs::MemoryFs::from_fixture(fixture, root);
    let catalog = runbook_keys::KeyCatalog::build(&fs, root, &runbook_keys::CatalogConfig::default());
    (fs, catalog)
}

/// The absolute path of a fixture file.
pub fn fixture_path(fixture: &Fixture, file: usize) -> PathBuf {
    PathBuf::from(format!("{WORKSPACE_ROOT}{}", fixture.files[file].path))
}

/// `12:4-12:9 "text"`: a range as 1-based line:column (in characters) and its text.
pub fn quote(text: &str, range: TextRange) -> String {
    let index = runbook_syntax::LineIndex::new(text);
    let position = |offset| {
        let position = index.line_col(text, offset, runbook_syntax::Encoding::Utf32);
        format!("{}:{}", position.line + 1, position.col + 1)
    };
    format!("{}-{} {:?}", position(range.start), position(range.end), &text[range.as_range()])
}

/// A workspace from a fixture, as the server has it: the files on disk under
/// `/ws`, configured from its `runbook-ls.toml` if it has one, indexed, and
/// the file with the `$0` cursor (else the first markdown file) open in the
/// editor with its fixture text. Returns the host, that file's path and the
/// cursor's offset (0 without one).
pub fn analysis_host(fixture: &Fixture) -> (crate::AnalysisHost, PathBuf, usize) {
    let fs = std::sync::Arc::new(runbook_keys::fs::MemoryFs::from_fixture(fixture, Path::new(WORKSPACE_ROOT)));
    let mut host = crate::AnalysisHost::new(PathBuf::from(WORKSPACE_ROOT), fs);
    let config_file = host.analysis().read_config_file();
    host.set_settings(config_file, Vec::new());
    let index = host.analysis().build_index(&crate::IndexScope::Workspace);
    host.set_index(index);
    let main = fixture.main_file();
    let path = fixture_path(fixture, main);
    host.open_document(path.clone(), &fixture.files[main].text);
    (host, path, fixture.cursor.map_or(0, |(_, offset)| offset))
}

/// `analysis_host`, with the main file's text instead of the cursor.
pub fn host(fixture: &Fixture) -> (crate::AnalysisHost, PathBuf, String) {
    let (host, path, _) = analysis_host(fixture);
    (host, path, fixture.files[fixture.main_file()].text.clone())
}

/// `host`'s analysis.
pub fn analysis(fixture: &Fixture) -> (crate::Analysis, PathBuf, String) {
    let (host, path, text) = host(fixture);
    (host.analysis(), path, text)
}

/// `/runbooks/a.md:3:5-3:9 "text"`: a place in a file of the analysis (open
/// documents as the editor has them), workspace-relative, 1-based, columns in
/// characters.
pub fn quote_file_range(analysis: &crate::Analysis, path: &Path, range: runbook_syntax::SourceRange) -> String {
    let text = match analysis.document(path) {
        Some(document) => document.parse().text().to_string(),
        None => analysis.fs().read_to_string(path).unwrap_or_default(),
    };
    let relative = path.strip_prefix(WORKSPACE_ROOT).unwrap_or(path);
    let quoted = text.get(range.range.as_range()).unwrap_or("<out of range>");
    format!(
        "/{}:{}:{}-{}:{} {:?}",
        runbook_keys::fs::slash_path(relative),
        range.start.line + 1,
        range.start.utf32 + 1,
        range.end.line + 1,
        range.end.utf32 + 1,
        quoted
    )
}

/// A workspace from a fixture with nothing open, indexed whole as the server
/// and `check --affected-by` index it. Returns its analysis and its root.
pub fn workspace_analysis(fixture: &str) -> (crate::Analysis, PathBuf) {
    let fixture = Fixture::parse(fixture.trim_start());
    let root = PathBuf::from(WORKSPACE_ROOT);
    let fs = std::sync::Arc::new(runbook_keys::fs::MemoryFs::from_fixture(&fixture, &root));
    let mut host = crate::AnalysisHost::new(root.clone(), fs);
    let config_file = host.analysis().read_config_file();
    host.set_settings(config_file, Vec::new());
    let index = host.analysis().build_index(&crate::IndexScope::Workspace);
    host.set_index(index);
    (host.analysis(), root)
}
