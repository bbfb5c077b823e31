//! Shared pieces of the data-driven tests: fixtures to workspaces, and
//! renderings of results with their ranges quoted.

use std::io;
use std::path::{Path, PathBuf};

use runbook_keys::fs::FileSystem;
use runbook_syntax::TextRange;
use runbook_syntax::fixture::Fixture;

/// A file system with nothing in it, for rules that need none.
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

/// The fixture as a whole workspace: its files in memory under `/ws`, the
/// index built, and the main file open. Returns the host and the main
/// file's path and text.
pub fn host(fixture: &Fixture) -> (crate::AnalysisHost, PathBuf, String) {
    let root = PathBuf::from(WORKSPACE_ROOT);
    let fs = runbook_keys::fs::MemoryFs::from_fixture(fixture, &root);
    let mut host = crate::AnalysisHost::new(root, std::sync::Arc::new(fs));
    let index = host.analysis().build_index(&crate::IndexScope::Workspace);
    host.set_index(index);
    let main = fixture.main_file();
    let path = fixture_path(fixture, main);
    let text = fixture.files[main].text.clone();
    host.open_document(path.clone(), &text);
    (host, path, text)
}

/// `host`'s analysis.
pub fn analysis(fixture: &Fixture) -> (crate::Analysis, PathBuf, String) {
    let (host, path, text) = host(fixture);
    (host.analysis(), path, text)
}
