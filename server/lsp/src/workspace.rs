//! One workspace folder as the features see it: its root, the file system
//! confined to it, its configuration and (once indexed) its KEY catalog.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use runbook_ide::{Diagnostic, DiagnosticCode, IdeConfig};
use runbook_keys::fs::{FileSystem, RealFs};
use runbook_keys::{CatalogConfig, KeyCatalog};
use runbook_syntax::{References, TextRange};

use crate::config::{self, CONFIG_FILE, ConfigLayer, ConfigProblem};

#[derive(Clone)]
pub struct WorkspaceState {
    pub root: PathBuf,
    pub fs: Arc<dyn FileSystem>,
    pub config: Arc<IdeConfig>,
    /// `None` until the index is built.
    pub catalog: Option<Arc<KeyCatalog>>,
    /// Every markdown file of the workspace on disk (for cross-file features),
    /// filled in with the index.
    pub runbooks: Arc<BTreeMap<PathBuf, Arc<IndexedRunbook>>>,
}

/// A runbook on disk, as the index keeps it: its text and where it names
/// KEYs, read with the least parsing that finds them (`references`).
#[derive(Debug)]
#[expect(dead_code, reason = "kept for the cross-file features (references, workspace symbols) that read it")]
pub struct IndexedRunbook {
    pub text: Arc<str>,
    pub references: References,
}

impl IndexedRunbook {
    pub fn read(fs: &dyn FileSystem, path: &Path) -> Option<IndexedRunbook> {
        let text = fs.read_to_string(path).ok()?;
        Some(IndexedRunbook { references: runbook_syntax::references(&text), text: Arc::from(text) })
    }
}

/// The extensions of runbooks.
pub const MARKDOWN_EXTENSIONS: [&str; 2] = ["md", "markdown"];

pub fn is_markdown(path: &Path) -> bool {
    path.extension().is_some_and(|extension| MARKDOWN_EXTENSIONS.iter().any(|known| extension == *known))
}

/// What the configuration file said, and what is wrong with it.
#[derive(Debug, Clone, Default)]
pub struct ConfigFile {
    pub path: PathBuf,
    /// Empty when there is no file.
    pub text: String,
    pub layer: ConfigLayer,
    pub problems: Vec<ConfigProblem>,
}

impl ConfigFile {
    /// Reads `path` (normally `<root>/runbook-ls.toml`); no file is no configuration.
    pub fn read(fs: &dyn FileSystem, path: PathBuf) -> ConfigFile {
        match fs.read_to_string(&path) {
            Ok(text) => {
                let (layer, problems) = ConfigLayer::from_toml(&text);
                ConfigFile { path, text, layer, problems }
            }
            Err(_) => ConfigFile { path, ..ConfigFile::default() },
        }
    }

    /// The problems as `invalid-config` diagnostics on the file.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        self.problems
            .iter()
            .map(|problem| {
                let range = problem.range.clone().map_or(TextRange::empty(0), |range| {
                    let end = range.end.min(self.text.len());
                    TextRange::new(range.start.min(end), end)
                });
                Diagnostic::new(DiagnosticCode::InvalidConfig, range, problem.message.clone())
            })
            .collect()
    }
}

impl WorkspaceState {
    pub fn new(root: PathBuf) -> WorkspaceState {
        WorkspaceState {
            fs: Arc::new(RealFs::new([root.clone()])),
            root,
            config: Arc::new(IdeConfig::default()),
            catalog: None,
            runbooks: Arc::default(),
        }
    }

    /// The workspace at `root` configured from `config_file` (default:
    /// `<root>/runbook-ls.toml`) and then the client's layers, without its index.
    pub fn configured(
        root: PathBuf,
        config_file: Option<PathBuf>,
        client_layers: &[&ConfigLayer],
    ) -> (WorkspaceState, ConfigFile) {
        let mut workspace = WorkspaceState::new(root);
        let (config, file) = workspace.read_config(config_file, client_layers);
        workspace.config = Arc::new(config);
        (workspace, file)
    }

    /// The configuration from `config_file` (default: `<root>/runbook-ls.toml`)
    /// overridden by the client's layers, in order; and the file as read.
    pub fn read_config(&self, config_file: Option<PathBuf>, client_layers: &[&ConfigLayer]) -> (IdeConfig, ConfigFile) {
        let file = match config_file {
            // A file named on the command line is the user's choice, wherever it is.
            Some(path) => ConfigFile::read(&RealFs::new([path.parent().unwrap_or(&path).to_path_buf()]), path),
            None => ConfigFile::read(&*self.fs, self.root.join(CONFIG_FILE)),
        };
        let mut layers = vec![&file.layer];
        layers.extend_from_slice(client_layers);
        (config::resolve(&layers), file)
    }

    /// Builds the KEY index (slow: reads every KEY).
    pub fn index_keys(&mut self) {
        let catalog_config = CatalogConfig { key_roots: self.config.key_roots.clone() };
        self.catalog = Some(Arc::new(KeyCatalog::build(&*self.fs, &self.root, &catalog_config)));
    }

    /// Reads and parses every markdown file of the workspace, in parallel.
    pub fn index_runbooks(&mut self) {
        let files: Vec<PathBuf> = self.fs.walk(&self.root).into_iter().filter(|path| is_markdown(path)).collect();
        let fs = &*self.fs;
        let runbooks: BTreeMap<PathBuf, Arc<IndexedRunbook>> = files
            .into_par_iter()
            .filter_map(|path| {
                let runbook = IndexedRunbook::read(fs, &path)?;
                Some((path, Arc::new(runbook)))
            })
            .collect();
        self.runbooks = Arc::new(runbooks);
    }

    pub fn ide(&self) -> runbook_ide::Workspace<'_> {
        runbook_ide::Workspace {
            root: &self.root,
            config: &self.config,
            catalog: self.catalog.as_deref(),
            fs: &*self.fs,
        }
    }
}
