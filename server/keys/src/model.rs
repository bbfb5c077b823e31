//! The KEY model (SPEC 1) as plain data: key roots, manifests, exports with
//! their JSDoc, KEYs, and what an import specifier names. The catalog that
//! builds and indexes them is `catalog`.

use std::path::PathBuf;
use std::sync::Arc;

use crate::{exports, fs};

use runbook_syntax::{SafetyClass, SourceRange};

/// A folder that holds one folder per KEY.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRoot {
    /// Relative to the workspace root, `/`-separated, e.g. `node-keys`.
    pub path: String,
    /// The family prefix of its KEYs' slugs, e.g. `node`.
    pub prefix: String,
    /// The import specifier prefix, e.g. `@/node-keys/`. When `None` the
    /// catalog derives it from the `@/` alias (`@/` + the root's path relative
    /// to the alias folder + `/`), except for the `jupyter` family, whose KEYs
    /// are notebooks that export nothing and so have no import prefix.
    /// `KeyCatalog::roots` holds the prefixes in effect.
    pub import: Option<String>,
}

impl KeyRoot {
    /// SPEC 1's default roots; each is used only if it exists.
    pub fn defaults() -> Vec<KeyRoot> {
        [
            ("node-keys", "node", Some("@/node-keys/")),
            ("next-keys", "next", Some("@/next-keys/")),
            ("jupyter-keys", "jupyter", None),
        ]
        .into_iter()
        .map(|(path, prefix, import)| KeyRoot {
            path: path.to_string(),
            prefix: prefix.to_string(),
            import: import.map(str::to_string),
        })
        .collect()
    }

    /// The prefix its KEYs are imported with, as configured: `import`
    /// (ending in `/`), else `@/<path>/`; `None` for the `jupyter` family.
    /// The catalog derives the default from the `@/` alias instead (see
    /// `KeyCatalog::roots`).
    pub fn import_prefix(&self) -> Option<String> {
        self.import_prefix_or(|| format!("@/{}/", self.path.trim_matches('/')))
    }

    /// `import` ending in `/`, else `default()`; `None` for `jupyter`, whose
    /// KEYs are notebooks that export nothing.
    pub(crate) fn import_prefix_or(&self, default: impl FnOnce() -> String) -> Option<String> {
        match &self.import {
            Some(import) if import.ends_with('/') => Some(import.clone()),
            Some(import) => Some(format!("{import}/")),
            None if self.prefix == "jupyter" => None,
            None => Some(default()),
        }
    }
}

/// A KEY's `key.json`, with the fields SPEC 1 uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    pub slug: Option<String>,
    /// Where `slug`'s text is, inside its quotes (a rename rewrites it).
    pub slug_range: Option<SourceRange>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub tool: Option<String>,
    pub key_type: Vec<String>,
    pub runtime: Option<String>,
    pub side_effects: Vec<String>,
    pub required_env: Vec<String>,
    pub optional_env: Vec<String>,
    pub tenant_scope: Option<String>,
    pub safety: Option<SafetyClass>,
    /// Where `safety`'s value is in the manifest (for related information).
    pub safety_range: Option<SourceRange>,
    pub preconditions: Vec<String>,
    pub rollback: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportKind {
    Function,
    Class,
    /// `export const f = (…) => …` or `= function …`.
    ArrowFunction,
    /// Any other `export const`/`let`/`var`.
    Variable,
    Type,
    Interface,
    Enum,
}

impl ExportKind {
    pub fn is_type(self) -> bool {
        matches!(self, ExportKind::Type | ExportKind::Interface)
    }

    pub fn is_callable(self) -> bool {
        matches!(self, ExportKind::Function | ExportKind::ArrowFunction)
    }
}

/// A JSDoc comment, with the tags SPEC 1 names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsDoc {
    pub summary: String,
    /// `@param name - text`, in order.
    pub params: Vec<(String, String)>,
    pub returns: Option<String>,
    /// `@safety REVERSIBLE - note`: the raw text; `safety_class` its class.
    pub safety: Option<String>,
    pub safety_class: Option<SafetyClass>,
    pub side_effects: Vec<String>,
    pub preconditions: Vec<String>,
    pub rollback: Option<String>,
}

/// A place in a file that is not open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRange {
    pub path: PathBuf,
    pub range: SourceRange,
}

/// A name a KEY's entry exports, followed through re-exports to its declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// The exported name (`default` for a default export).
    pub name: String,
    pub kind: ExportKind,
    /// The declaration's signature text on one line, without a body or
    /// comments (`export async function f(a: A): Promise<void>`; for a const
    /// arrow function, the declaration up to the `=>`). For an overloaded
    /// function, the first overload's: the implementation's signature is not
    /// visible to callers.
    pub signature: String,
    /// The further overloads' signatures, after the one in `signature`;
    /// empty unless the function is overloaded.
    pub overloads: Vec<String>,
    pub doc: Option<JsDoc>,
    pub definition: FileRange,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// The canonical slug, in its root's family: `node-safe-cron-execution`.
    pub slug: String,
    /// The slug in the family of the manifest's `tool`, when that is another
    /// family (`next-audit-log-capture` for `"tool": "next"` in `node-keys/`):
    /// it names the same KEY unless another KEY has it as its canonical slug
    /// (see `KeyCatalog::aliases`).
    pub alias: Option<String>,
    /// The family of the canonical slug, its root's: `node`.
    pub family: String,
    /// Index into `KeyCatalog::roots`.
    pub root: usize,
    /// The folder name under the root.
    pub folder: String,
    /// Absolute path of the KEY folder.
    pub dir: PathBuf,
    /// The `key.json`, when the folder has one.
    pub manifest_path: Option<PathBuf>,
    /// The manifest's fields that have the right type; `None` without a
    /// `key.json` or when it is not JSON (see `KeyCatalog::manifest_problems`).
    pub manifest: Option<Manifest>,
    /// The entry file (`src/index.ts`, `.tsx`, `.js`, `.mjs`), if present.
    pub entry: Option<PathBuf>,
    /// Sorted by name; parsed on first use (`Key::exports`).
    pub(crate) exports: LazyExports,
    /// Every file in the KEY folder, relative to it and `/`-separated
    /// (`src/handlers/cron.ts`), sorted; hidden, ignored and `node_modules`
    /// files are left out. Import specifiers and `Location` paths resolve
    /// against this list.
    pub files: Vec<String>,
}

impl Key {
    /// The names the entry exports, sorted by name. The KEY's TypeScript is
    /// parsed on the first call (indexing reads only folders and manifests:
    /// most KEYs of a large workspace are never asked for their exports).
    pub fn exports(&self) -> &[Export] {
        self.exports.get()
    }

    pub fn export(&self, name: &str) -> Option<&Export> {
        self.exports().iter().find(|export| export.name == name)
    }

    /// The KEY's declared safety class: the manifest's, else the strictest
    /// `@safety` of its exports.
    pub fn declared_safety(&self) -> Option<SafetyClass> {
        self.declared_safety_source().map(|(class, _)| class)
    }

    /// The declared safety class and where it is declared.
    pub fn declared_safety_source(&self) -> Option<(SafetyClass, SafetySource<'_>)> {
        if let Some(class) = self.manifest.as_ref().and_then(|manifest| manifest.safety) {
            return Some((class, SafetySource::Manifest));
        }
        self.exports()
            .iter()
            .filter_map(|export| Some((export.doc.as_ref()?.safety_class?, SafetySource::Export(export))))
            .max_by_key(|(class, _)| *class)
    }

    /// Whether the KEY folder holds `file` (relative, `/`-separated).
    pub fn has_file(&self, file: &str) -> bool {
        self.files.binary_search_by(|candidate| candidate.as_str().cmp(file)).is_ok()
    }

    /// Whether the KEY folder holds a folder `dir` (relative, `/`-separated,
    /// with or without a trailing `/`) with a file in it; `""` is the KEY
    /// folder itself.
    pub fn has_dir(&self, dir: &str) -> bool {
        let dir = dir.trim_end_matches('/');
        if dir.is_empty() {
            return true;
        }
        let prefix = format!("{dir}/");
        let first = self.files.partition_point(|file| file.as_str() < prefix.as_str());
        self.files.get(first).is_some_and(|file| file.starts_with(&prefix))
    }
}

/// A KEY's exports, parsed from its sources on first use.
pub(crate) struct LazyExports {
    parsed: std::sync::OnceLock<Vec<Export>>,
    /// `None` for a KEY without an entry (no exports) or built from a list.
    source: Option<ExportSource>,
}

/// What parsing a KEY's exports needs.
struct ExportSource {
    fs: Arc<dyn fs::FileSystem>,
    dir: PathBuf,
    files: Vec<String>,
    alias_prefix: Option<String>,
    entry: &'static str,
}

impl LazyExports {
    pub(crate) fn new(
        fs: Arc<dyn fs::FileSystem>,
        dir: PathBuf,
        files: Vec<String>,
        alias_prefix: Option<String>,
        entry: &'static str,
    ) -> LazyExports {
        LazyExports {
            parsed: std::sync::OnceLock::new(),
            source: Some(ExportSource { fs, dir, files, alias_prefix, entry }),
        }
    }

    pub(crate) fn none() -> LazyExports {
        LazyExports { parsed: std::sync::OnceLock::from(Vec::new()), source: None }
    }

    fn get(&self) -> &[Export] {
        self.parsed.get_or_init(|| match &self.source {
            Some(source) => exports::key_exports(
                &*source.fs,
                &source.dir,
                &source.files,
                source.alias_prefix.as_deref(),
                source.entry,
            ),
            None => Vec::new(),
        })
    }
}

impl Clone for LazyExports {
    fn clone(&self) -> LazyExports {
        LazyExports {
            parsed: self.parsed.clone(),
            source: self.source.as_ref().map(|source| ExportSource {
                fs: Arc::clone(&source.fs),
                dir: source.dir.clone(),
                files: source.files.clone(),
                alias_prefix: source.alias_prefix.clone(),
                entry: source.entry,
            }),
        }
    }
}

impl std::fmt::Debug for LazyExports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.parsed.get() {
            Some(exports) => exports.fmt(f),
            None => f.write_str("(not parsed yet)"),
        }
    }
}

/// When one side was parsed, the other is parsed too and the exports are
/// compared (one KEY's parse, on a catalog update). When neither was, no
/// feature has seen either's exports, so the same entry over the same files
/// stands in for the other: the disk is read when they are first needed.
impl PartialEq for LazyExports {
    fn eq(&self, other: &LazyExports) -> bool {
        if std::ptr::eq(self, other) {
            return true;
        }
        if self.parsed.get().is_some() || other.parsed.get().is_some() {
            return self.get() == other.get();
        }
        match (&self.source, &other.source) {
            (Some(a), Some(b)) => {
                (&a.dir, &a.files, &a.alias_prefix, a.entry) == (&b.dir, &b.files, &b.alias_prefix, b.entry)
            }
            (None, None) => true,
            _ => false,
        }
    }
}

impl Eq for LazyExports {}

/// Where a KEY declares its safety class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SafetySource<'k> {
    /// The manifest's `safety`.
    Manifest,
    /// The `@safety` of this export, the strictest of the KEY's.
    Export(&'k Export),
}

/// A problem with a `key.json` (`invalid-key-manifest`), or a KEY whose slug
/// another KEY already has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestProblem {
    pub location: FileRange,
    pub message: String,
}

/// What an import specifier names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportTarget<'a> {
    /// Not under any root's import prefix: not a KEY import.
    NotAKeyImport,
    /// The entry of a KEY (`…/src`, `…/src/index`, `…/src/index.ts`).
    Entry(&'a Key),
    /// Another file inside a KEY folder (`…/src/handlers/cron`): a KEY
    /// import, but its exports are not the entry's.
    File { key: &'a Key, path: PathBuf },
    /// A KEY folder without that file or without an entry.
    Missing { key: &'a Key },
    /// Under a root's prefix, but no KEY folder has that name. `folder` is
    /// the byte range of the folder name inside the specifier.
    UnknownFolder { root: usize, folder: std::ops::Range<usize> },
}

impl<'a> ImportTarget<'a> {
    /// The KEY whose entry is imported: only then are its exports the import's.
    pub fn entry(&self) -> Option<&'a Key> {
        match *self {
            ImportTarget::Entry(key) => Some(key),
            _ => None,
        }
    }

    /// The KEY the import reaches, whether or not the file exists.
    pub fn key(&self) -> Option<&'a Key> {
        match *self {
            ImportTarget::Entry(key) | ImportTarget::File { key, .. } | ImportTarget::Missing { key } => Some(key),
            ImportTarget::NotAKeyImport | ImportTarget::UnknownFolder { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogConfig {
    /// The configured roots (defaults unless `[[key-roots]]` replaces them).
    pub key_roots: Vec<KeyRoot>,
}

impl Default for CatalogConfig {
    fn default() -> Self {
        CatalogConfig { key_roots: KeyRoot::defaults() }
    }
}
