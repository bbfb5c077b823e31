//! The KEY catalog (SPEC 1): which KEYs exist under the key roots, their
//! manifests and their exports. Reads only through `fs::FileSystem`; knows
//! nothing of LSP.

pub mod fs;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use runbook_syntax::{SafetyClass, SourceRange};

/// A folder that holds one folder per KEY.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRoot {
    /// Relative to the workspace root, `/`-separated, e.g. `node-keys`.
    pub path: String,
    /// The family prefix of its KEYs' slugs, e.g. `node`.
    pub prefix: String,
    /// The import specifier prefix, e.g. `@/node-keys/`; `None` for roots
    /// whose KEYs export nothing (`jupyter-keys`).
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
}

/// A KEY's `key.json`, with the fields SPEC 1 uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    pub slug: Option<String>,
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
    /// The declaration's signature text, without a body
    /// (`export async function f(a: A): Promise<void>`).
    pub signature: String,
    pub doc: Option<JsDoc>,
    pub definition: FileRange,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// `node-safe-cron-execution`.
    pub slug: String,
    /// `node`.
    pub family: String,
    /// Index into `KeyCatalog::roots`.
    pub root: usize,
    /// The folder name under the root.
    pub folder: String,
    /// Absolute path of the KEY folder.
    pub dir: PathBuf,
    pub manifest_path: Option<PathBuf>,
    pub manifest: Option<Manifest>,
    /// The entry file (`src/index.ts`, `.tsx`, `.js`, `.mjs`), if present.
    pub entry: Option<PathBuf>,
    /// Sorted by name.
    pub exports: Vec<Export>,
}

impl Key {
    pub fn export(&self, name: &str) -> Option<&Export> {
        self.exports.iter().find(|export| export.name == name)
    }

    /// The KEY's declared safety class: the manifest's, else the strictest
    /// `@safety` of its exports.
    pub fn declared_safety(&self) -> Option<SafetyClass> {
        todo!()
    }
}

/// A problem with a `key.json` (`invalid-key-manifest`).
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

/// All KEYs of a workspace. Cheap to clone: KEYs are shared.
#[derive(Debug, Clone, Default)]
pub struct KeyCatalog {
    workspace_root: PathBuf,
    /// The configured roots that exist.
    roots: Vec<KeyRoot>,
    /// Sorted by slug.
    keys: Vec<Arc<Key>>,
    by_slug: HashMap<String, usize>,
    problems: Vec<ManifestProblem>,
}

impl KeyCatalog {
    /// Indexes every KEY under the roots of `config` that exist in `workspace_root`.
    pub fn build(_fs: &dyn fs::FileSystem, _workspace_root: &Path, _config: &CatalogConfig) -> KeyCatalog {
        todo!()
    }

    /// A new catalog after the files at `changed` were created, changed or
    /// deleted; only the KEYs those files belong to (and manifests, roots and
    /// `tsconfig.json`) are read again. Returns the slugs whose KEY changed.
    pub fn update(&self, _fs: &dyn fs::FileSystem, _changed: &[PathBuf]) -> (KeyCatalog, Vec<String>) {
        todo!()
    }

    pub fn workspace_root(&self) -> &Path {
        &self.workspace_root
    }

    pub fn roots(&self) -> &[KeyRoot] {
        &self.roots
    }

    pub fn keys(&self) -> impl ExactSizeIterator<Item = &Key> {
        self.keys.iter().map(|key| &**key)
    }

    pub fn key(&self, slug: &str) -> Option<&Key> {
        self.by_slug.get(slug).map(|&index| &*self.keys[index])
    }

    /// Whether `family` is the prefix of a root that exists or of some KEY.
    pub fn is_family(&self, family: &str) -> bool {
        self.roots.iter().any(|root| root.prefix == family) || self.keys.iter().any(|key| key.family == family)
    }

    /// The slugs closest to `slug` (for did-you-mean), best first, at most `n`.
    pub fn closest_slugs(&self, _slug: &str, _n: usize) -> Vec<&str> {
        todo!()
    }

    /// What an import specifier (`@/node-keys/x/src`) names.
    pub fn resolve_import(&self, _specifier: &str) -> ImportTarget<'_> {
        todo!()
    }

    /// The KEY whose folder holds a workspace-relative path (`/node-keys/x/src/index.ts`).
    pub fn key_for_path(&self, _path: &str) -> Option<&Key> {
        todo!()
    }

    pub fn manifest_problems(&self) -> &[ManifestProblem] {
        &self.problems
    }
}
