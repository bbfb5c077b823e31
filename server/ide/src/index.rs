//! The workspace index: the KEY catalog, every runbook on disk parsed to its
//! model (without syntax trees) and every `pack.json` with its reference
//! lists. It is built off the main loop (it reads the whole workspace) and
//! replaced as a whole; open documents overlay its runbooks (see `host`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;
use runbook_keys::fs::FileSystem;
use runbook_keys::{CatalogConfig, KeyCatalog};
use runbook_syntax::Parse;

use crate::IdeConfig;
use crate::pack::{PACK_FILE, Pack};

/// The extensions of runbooks.
pub const MARKDOWN_EXTENSIONS: [&str; 2] = ["md", "markdown"];

pub fn is_markdown(path: &Path) -> bool {
    path.extension().is_some_and(|extension| MARKDOWN_EXTENSIONS.iter().any(|known| extension == *known))
}

pub fn is_pack(path: &Path) -> bool {
    path.file_name().is_some_and(|name| name == PACK_FILE)
}

/// A markdown file as read from disk.
#[derive(Debug, Clone)]
pub(crate) enum DiskFile {
    /// Read as UTF-8; parsed when first needed.
    Text(Arc<LazyParse>),
    /// Not UTF-8: `valid_up_to` is the offset of the first invalid byte.
    Unreadable { valid_up_to: usize },
    /// Above the server's `max-document-bytes`: not parsed (`check` has no limit).
    TooLarge { len: usize },
}

impl DiskFile {
    /// Reads and parses a markdown file of at most `max_bytes` (when given);
    /// `None` when it cannot be read at all.
    pub(crate) fn read(fs: &dyn FileSystem, path: &Path, max_bytes: Option<usize>) -> Option<DiskFile> {
        let bytes = fs.read(path).ok()?;
        if max_bytes.is_some_and(|max_bytes| bytes.len() > max_bytes) {
            return Some(DiskFile::TooLarge { len: bytes.len() });
        }
        Some(match String::from_utf8(bytes) {
            Ok(text) => DiskFile::Text(Arc::new(LazyParse { text: Arc::new(text), parse: OnceLock::new() })),
            Err(error) => DiskFile::Unreadable { valid_up_to: error.utf8_error().valid_up_to() },
        })
    }

    /// The file's model, parsed by the first caller that needs it.
    pub(crate) fn parse(&self) -> Option<&Arc<Parse>> {
        match self {
            DiskFile::Text(lazy) => {
                Some(lazy.parse.get_or_init(|| Arc::new(Parse::standalone_shared(Arc::clone(&lazy.text)))))
            }
            DiskFile::Unreadable { .. } | DiskFile::TooLarge { .. } => None,
        }
    }
}

/// A runbook's text, parsed the first time something needs its model. An
/// index is ready once the catalog is read and the runbooks are read and
/// listed: parsing 1,000 runbooks was four fifths of the server's start,
/// and what an open document needs first (its diagnostics, completion,
/// hover) reads only the catalog. The server parses the rest in the
/// background right after (`WorkspaceIndex::parse_all`); a request that
/// needs one sooner parses it itself, once (`OnceLock`).
#[derive(Debug)]
pub(crate) struct LazyParse {
    text: Arc<String>,
    parse: OnceLock<Arc<Parse>>,
}

/// Which runbooks an index reads.
#[derive(Debug, Clone)]
pub enum IndexScope {
    /// Every markdown file and pack of the workspace (the server).
    Workspace,
    /// The markdown files at or under these paths, and the packs beside
    /// them (`runbook-ls check PATH…`). A file named here is read whatever
    /// its extension.
    Paths(Vec<PathBuf>),
}

impl IndexScope {
    /// The runbooks a `Paths` scope reads, sorted: the markdown files under
    /// the folders, and the files named (`check --cache` lists them without
    /// building an index).
    pub fn named_runbooks(fs: &dyn FileSystem, paths: &[PathBuf]) -> BTreeSet<PathBuf> {
        let mut files: BTreeSet<PathBuf> = BTreeSet::new();
        for path in paths {
            if fs.is_dir(path) {
                files.extend(fs.walk(path).into_iter().filter(|file| is_markdown(file)));
            } else {
                files.insert(path.clone());
            }
        }
        files
    }
}

/// What the index holds. Cheap to clone: everything is shared.
#[derive(Debug, Clone)]
pub struct WorkspaceIndex {
    pub(crate) catalog: Arc<KeyCatalog>,
    /// The runbooks on disk, by absolute path.
    pub(crate) runbooks: Arc<BTreeMap<PathBuf, DiskFile>>,
    /// The packs, by the absolute path of their `pack.json`.
    pub(crate) packs: Arc<BTreeMap<PathBuf, Arc<Pack>>>,
    /// Whether `runbooks` is every runbook of the workspace (cross-file
    /// features then answer for the whole workspace).
    pub(crate) complete: bool,
    /// Runbooks above this size are not parsed (the server's index).
    pub(crate) max_runbook_bytes: Option<usize>,
}

/// A new index after files changed on disk, and the KEYs whose meaning changed.
#[derive(Debug, Clone)]
pub struct IndexUpdate {
    pub index: WorkspaceIndex,
    /// Slugs of the KEYs added, removed or changed, sorted.
    pub changed_slugs: Vec<String>,
    /// Folder names of those KEYs (before and after), for import specifiers
    /// and Locations that name a folder rather than a slug.
    pub changed_folders: Vec<String>,
    /// Whether a `pack.json` changed.
    pub packs_changed: bool,
}

impl WorkspaceIndex {
    /// The runbooks the index read, sorted.
    pub fn runbook_paths(&self) -> impl Iterator<Item = &Path> {
        self.runbooks.keys().map(PathBuf::as_path)
    }

    pub fn catalog(&self) -> &KeyCatalog {
        &self.catalog
    }

    /// Parses every runbook not parsed yet, on every core (see `LazyParse`).
    pub fn parse_all(&self) {
        self.runbooks.par_iter().for_each(|(_, file)| {
            file.parse();
        });
    }

    /// Reads the KEY roots of `config`, and the runbooks and packs of `scope`.
    pub(crate) fn build(fs: &dyn FileSystem, root: &Path, config: &IdeConfig, scope: &IndexScope) -> WorkspaceIndex {
        let catalog_config = CatalogConfig { key_roots: config.key_roots.clone() };
        let catalog = KeyCatalog::build(fs, root, &catalog_config);
        // The server's index of the whole workspace skips what it would not
        // analyse live either; `check` (named paths) reads everything.
        let max_runbook_bytes = matches!(scope, IndexScope::Workspace).then_some(config.max_document_bytes);
        let (markdown, packs): (Vec<PathBuf>, Vec<PathBuf>) = match scope {
            IndexScope::Workspace => {
                let files = fs.walk(root);
                let packs = files.iter().filter(|path| is_pack(path)).cloned().collect();
                (files.into_iter().filter(|path| is_markdown(path)).collect(), packs)
            }
            IndexScope::Paths(paths) => {
                let files = IndexScope::named_runbooks(fs, paths);
                let packs: BTreeSet<PathBuf> =
                    files.iter().filter_map(|file| Some(file.parent()?.join(PACK_FILE))).collect();
                (files.into_iter().collect(), packs.into_iter().filter(|pack| fs.is_file(pack)).collect())
            }
        };
        WorkspaceIndex {
            catalog: Arc::new(catalog),
            runbooks: Arc::new(read_runbooks(fs, markdown, max_runbook_bytes)),
            packs: Arc::new(read_packs(fs, packs)),
            complete: matches!(scope, IndexScope::Workspace),
            max_runbook_bytes,
        }
    }

    /// The index after the files at `changed` were created, changed or
    /// deleted: KEY files go to the catalog's own update, runbooks and packs
    /// are read again (or dropped when they are gone).
    pub(crate) fn update(&self, fs: &dyn FileSystem, changed: &[PathBuf]) -> IndexUpdate {
        let markdown: Vec<PathBuf> = changed.iter().filter(|path| is_markdown(path)).cloned().collect();
        let packs: Vec<PathBuf> = changed.iter().filter(|path| is_pack(path)).cloned().collect();
        let key_paths: Vec<PathBuf> =
            changed.iter().filter(|path| !is_markdown(path) && !is_pack(path)).cloned().collect();
        let (catalog, changed_slugs) = if key_paths.is_empty() {
            (self.catalog.clone(), Vec::new())
        } else {
            let (catalog, changed_slugs) = self.catalog.update(fs, &key_paths);
            (Arc::new(catalog), changed_slugs)
        };
        let mut changed_folders: Vec<String> = changed_slugs
            .iter()
            .flat_map(|slug| [self.catalog.key(slug), catalog.key(slug)])
            .flatten()
            .map(|key| key.folder.clone())
            .collect();
        changed_folders.sort();
        changed_folders.dedup();
        let runbooks = if markdown.is_empty() {
            self.runbooks.clone()
        } else {
            let mut runbooks = (*self.runbooks).clone();
            let read: Vec<(PathBuf, Option<DiskFile>)> = markdown
                .into_par_iter()
                .map(|path| {
                    let file = DiskFile::read(fs, &path, self.max_runbook_bytes);
                    (path, file)
                })
                .collect();
            for (path, file) in read {
                match file {
                    Some(file) => runbooks.insert(path, file),
                    None => runbooks.remove(&path),
                };
            }
            Arc::new(runbooks)
        };
        let packs_changed = !packs.is_empty();
        let packs = if packs.is_empty() {
            self.packs.clone()
        } else {
            let mut all = (*self.packs).clone();
            for path in packs {
                match fs.read_to_string(&path) {
                    Ok(text) => all.insert(path, Arc::new(Pack::parse(&text))),
                    Err(_) => all.remove(&path),
                };
            }
            Arc::new(all)
        };
        IndexUpdate {
            index: WorkspaceIndex {
                catalog,
                runbooks,
                packs,
                complete: self.complete,
                max_runbook_bytes: self.max_runbook_bytes,
            },
            changed_slugs,
            changed_folders,
            packs_changed,
        }
    }
}

fn read_runbooks(fs: &dyn FileSystem, paths: Vec<PathBuf>, max_bytes: Option<usize>) -> BTreeMap<PathBuf, DiskFile> {
    paths
        .into_par_iter()
        .filter_map(|path| {
            let file = DiskFile::read(fs, &path, max_bytes)?;
            Some((path, file))
        })
        .collect()
}

fn read_packs(fs: &dyn FileSystem, paths: Vec<PathBuf>) -> BTreeMap<PathBuf, Arc<Pack>> {
    paths
        .into_iter()
        .filter_map(|path| {
            let text = fs.read_to_string(&path).ok()?;
            Some((path, Arc::new(Pack::parse(&text))))
        })
        .collect()
}

impl IndexUpdate {
    /// Whether the findings of a runbook can change with this update: it
    /// names a changed KEY, imports from or locates into a changed KEY
    /// folder, or a pack changed.
    pub fn affects(&self, runbook: &runbook_syntax::Runbook) -> bool {
        let names_folder =
            |text: &str| self.changed_folders.iter().any(|folder| text.split('/').any(|part| part == folder));
        self.packs_changed
            || runbook.key_refs.iter().any(|key_ref| self.changed_slugs.iter().any(|slug| **slug == *key_ref.slug))
            || runbook.imports.iter().any(|import| names_folder(&import.specifier))
            || runbook.locations.iter().any(|location| names_folder(&location.path))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use runbook_syntax::fixture::Fixture;

    use super::*;
    use crate::test_utils::WORKSPACE_ROOT;

    /// The index reads runbooks without parsing them; the first reader of a
    /// model parses it, and `parse_all` parses the rest.
    #[test]
    fn runbooks_are_parsed_when_first_needed() {
        let fixture = Fixture::parse(
            "//- /runbooks/a.md\nUse `node-x`.\n//- /runbooks/b.md\n# B\n//- /runbooks/c.md\nnot \u{ff}\n//- /node-keys/x/src/index.ts\nexport const x = 1;\n",
        );
        let fs = runbook_keys::fs::MemoryFs::from_fixture(&fixture, Path::new(WORKSPACE_ROOT));
        let host = crate::AnalysisHost::new(PathBuf::from(WORKSPACE_ROOT), Arc::new(fs));
        let index = host.analysis().build_index(&IndexScope::Workspace);
        let parsed = |index: &WorkspaceIndex| -> Vec<String> {
            index
                .runbooks
                .iter()
                .filter(|(_, file)| matches!(file, DiskFile::Text(lazy) if lazy.parse.get().is_some()))
                .map(|(path, _)| path.file_name().unwrap().to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(index.runbook_paths().count(), 3);
        assert!(parsed(&index).is_empty());
        let a = index.runbooks.get(&Path::new(WORKSPACE_ROOT).join("runbooks/a.md")).unwrap();
        assert_eq!(&*a.parse().unwrap().runbook().key_refs[0].slug, "node-x");
        assert_eq!(parsed(&index), ["a.md"]);
        // Clones share what was parsed.
        let clone = index.clone();
        clone.parse_all();
        assert_eq!(parsed(&index), ["a.md", "b.md", "c.md"]);
    }
}
