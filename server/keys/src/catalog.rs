//! The catalog of a workspace's KEYs: built from the key roots through the
//! file-system trait, updated incrementally from changed paths, and queried
//! by slug, folder, path and import specifier (with did-you-mean answers).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;

use crate::fs::{self, slash_path};
use crate::load::{self, LoadedKey, file_start, key_folder, key_folders, load_key};
use crate::module_resolution::{join_relative, resolve_module};
use crate::similarity::{self, SlugIndex};
use crate::tsconfig::{self, TSCONFIG, normalize};
use crate::{CatalogConfig, Export, ImportTarget, Key, KeyRoot, ManifestProblem};

/// Names side by side in one string, each with a value (a KEY's index in
/// `KeyCatalog::keys`, and an export's among the KEY's exports): completion
/// and workspace symbols match tens of thousands of names on every request,
/// and following each KEY's pointers to its names cost more than matching.
#[derive(Debug)]
struct NameTable<T> {
    text: String,
    entries: Vec<(usize, usize, T)>,
}

impl<T: Copy> NameTable<T> {
    fn new() -> NameTable<T> {
        NameTable { text: String::new(), entries: Vec::new() }
    }

    fn push(&mut self, name: &str, value: T) {
        let start = self.text.len();
        self.text.push_str(name);
        self.entries.push((start, self.text.len(), value));
    }

    fn iter(&self) -> impl ExactSizeIterator<Item = (&str, T)> + Clone {
        self.entries.iter().map(|&(start, end, value)| (&self.text[start..end], value))
    }
}

/// The canonical slugs and the aliases of a catalog's KEYs.
#[derive(Debug)]
struct SlugTable {
    canonical: NameTable<usize>,
    aliases: NameTable<usize>,
}

impl Default for SlugTable {
    fn default() -> SlugTable {
        SlugTable { canonical: NameTable::new(), aliases: NameTable::new() }
    }
}

impl SlugTable {
    fn new(catalog: &KeyCatalog) -> SlugTable {
        let mut table = SlugTable::default();
        for (index, key) in catalog.keys().enumerate() {
            table.canonical.push(&key.slug, index);
        }
        for (index, key) in catalog.keys().enumerate() {
            if let Some(alias) = catalog.alias(key) {
                table.aliases.push(alias, index);
            }
        }
        table
    }
}

/// Every KEY's slug, then each of its exports' names.
type SymbolTable = NameTable<(usize, Option<usize>)>;

/// Did-you-mean answers by (slug, count): indices into `KeyCatalog::keys`.
type SlugSuggestions = HashMap<(String, usize), Vec<usize>>;

/// `resolve_import`'s answers by specifier. An open runbook's imports are
/// resolved on every keystroke, by its diagnostics and by its semantic
/// tokens alike, and resolving one builds and normalises paths and looks
/// them up in the catalog's file list (no I/O: that list is in memory).
type ImportTargets = HashMap<Box<str>, Resolved>;

/// An `ImportTarget` that owns nothing borrowed: KEYs by index into `loaded`.
#[derive(Debug, Clone)]
enum Resolved {
    NotAKeyImport,
    Entry(usize),
    File(usize, PathBuf),
    Missing(usize),
    UnknownFolder { root: usize, folder: std::ops::Range<usize> },
}

/// Past this many specifiers the memo starts again: a workspace's runbooks
/// import a few hundred distinct ones, and a pasted list of typos should not
/// grow it forever.
const MAX_IMPORT_TARGETS: usize = 16 * 1024;

/// Locks one of the catalog's memos. A poisoned memo only lost an answer
/// being written when a reader panicked; it starts again, empty.
fn lock_memo<T: Default>(memo: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    memo.lock().unwrap_or_else(|poisoned| {
        let mut memo = poisoned.into_inner();
        *memo = T::default();
        memo
    })
}

/// All KEYs of a workspace. Cheap to clone: KEYs are shared.
#[derive(Debug, Clone, Default)]
pub struct KeyCatalog {
    workspace_root: PathBuf,
    config: CatalogConfig,
    /// The folder `@/` stands for.
    alias_dir: PathBuf,
    /// The configured roots that exist, with the import prefixes in effect.
    roots: Vec<KeyRoot>,
    /// Every KEY folder as read, sorted by folder path; includes KEYs left
    /// out of `keys` because an earlier folder has their slug.
    loaded: Vec<LoadedKey>,
    /// Per root: folder name → index into `loaded`.
    folders: Vec<HashMap<String, usize>>,
    /// Sorted by slug.
    pub(crate) keys: Vec<Arc<Key>>,
    pub(crate) by_slug: HashMap<String, usize>,
    /// The family prefixes of the existing roots and of every KEY, sorted.
    families: Vec<String>,
    /// `keys` prepared for did-you-mean.
    slug_index: Arc<SlugIndex>,
    /// Canonical slugs and aliases laid out for scanning.
    slug_table: Arc<SlugTable>,
    /// Slugs and export names laid out for scanning, built on first use
    /// (it reads the exports of every KEY).
    symbol_table: Arc<OnceLock<SymbolTable>>,
    /// Did-you-mean answers already given by this catalog, by slug and count:
    /// the same unknown KEYs are asked about on every keystroke.
    slug_suggestions: Arc<Mutex<SlugSuggestions>>,
    /// Import specifiers already resolved by this catalog.
    import_targets: Arc<Mutex<ImportTargets>>,
    /// Sorted by path, then position.
    problems: Vec<ManifestProblem>,
}

impl KeyCatalog {
    /// Indexes every KEY under the roots of `config` that exist in `workspace_root`.
    pub fn build(fs: &dyn fs::FileSystem, workspace_root: &Path, config: &CatalogConfig) -> KeyCatalog {
        // Lexically normalised (`a/../b` is `b`), so that the paths of KEYs
        // and of the `@/` folder compare with the paths editors report.
        let workspace_root = &normalize(workspace_root);
        let alias_dir = tsconfig::alias_dir(fs, workspace_root);
        let shared_fs = fs.shared();
        let roots = existing_roots(fs, workspace_root, config, &alias_dir);
        let folders: Vec<load::KeyFolder> = roots
            .iter()
            .enumerate()
            .flat_map(|(index, root)| key_folders(fs, index, &workspace_root.join(&root.path)))
            .collect();
        let loaded: Vec<LoadedKey> = folders
            .into_par_iter()
            .map(|folder| load_key(fs, &shared_fs, &roots[folder.root], &alias_dir, folder))
            .collect();
        KeyCatalog::assemble(workspace_root.to_path_buf(), config.clone(), alias_dir, roots, loaded)
    }

    /// A new catalog after the files at `changed` were created, changed or
    /// deleted; only the KEYs those files belong to (and manifests, roots and
    /// `tsconfig.json`) are read again. Returns the slugs whose KEY was
    /// added, removed or changed, sorted.
    ///
    /// A change to `tsconfig.json`, to a root folder itself (or a folder
    /// holding one), or under a configured root that did not exist, rebuilds
    /// everything; any other path outside the roots is ignored.
    pub fn update(&self, fs: &dyn fs::FileSystem, changed: &[PathBuf]) -> (KeyCatalog, Vec<String>) {
        let mut rebuild = false;
        let mut stale: BTreeSet<(usize, String)> = BTreeSet::new();
        let tsconfig = self.workspace_root.join(TSCONFIG);
        for path in changed {
            if *path == tsconfig {
                rebuild = true;
                break;
            }
            for root in &self.config.key_roots {
                let root_path = clean_root_path(&root.path);
                let root_dir = self.workspace_root.join(&root_path);
                if root_dir.starts_with(path) {
                    rebuild = true;
                } else if let Ok(inside) = path.strip_prefix(&root_dir) {
                    match self.roots.iter().position(|existing| existing.path == root_path) {
                        Some(index) => {
                            if let Some(folder) = inside.components().next() {
                                stale.insert((index, folder.as_os_str().to_string_lossy().into_owned()));
                            }
                        }
                        None => rebuild = true,
                    }
                }
            }
            if rebuild {
                break;
            }
        }
        let catalog = if rebuild {
            let mut catalog = KeyCatalog::build(fs, &self.workspace_root, &self.config);
            self.share_unchanged_keys(&mut catalog);
            catalog
        } else if stale.is_empty() {
            self.clone()
        } else {
            let stale_dirs: BTreeSet<PathBuf> = stale
                .iter()
                .map(|(root, folder)| self.workspace_root.join(&self.roots[*root].path).join(folder))
                .collect();
            let mut loaded: Vec<LoadedKey> =
                self.loaded.iter().filter(|loaded| !stale_dirs.contains(&loaded.key.dir)).cloned().collect();
            let shared_fs = fs.shared();
            let reread: Vec<load::KeyFolder> = stale
                .iter()
                .filter_map(|(root, folder)| {
                    key_folder(fs, *root, &self.workspace_root.join(&self.roots[*root].path), folder)
                })
                .collect();
            loaded.extend(
                reread
                    .into_par_iter()
                    .map(|folder| load_key(fs, &shared_fs, &self.roots[folder.root], &self.alias_dir, folder))
                    .collect::<Vec<_>>(),
            );
            KeyCatalog::assemble(
                self.workspace_root.clone(),
                self.config.clone(),
                self.alias_dir.clone(),
                self.roots.clone(),
                loaded,
            )
        };
        let changed_slugs = self.changed_slugs(&catalog);
        (catalog, changed_slugs)
    }

    /// Indexes the KEYs as read: sorts them, keeps the first folder of each
    /// slug, and gathers the problems.
    fn assemble(
        workspace_root: PathBuf,
        config: CatalogConfig,
        alias_dir: PathBuf,
        roots: Vec<KeyRoot>,
        mut loaded: Vec<LoadedKey>,
    ) -> KeyCatalog {
        loaded.sort_by(|a, b| a.key.dir.cmp(&b.key.dir));
        let mut folders: Vec<HashMap<String, usize>> = vec![HashMap::new(); roots.len()];
        let mut by_slug: HashMap<String, usize> = HashMap::with_capacity(loaded.len());
        let mut keys: Vec<Arc<Key>> = Vec::with_capacity(loaded.len());
        let mut problems = Vec::new();
        for (index, loaded_key) in loaded.iter().enumerate() {
            let key = &loaded_key.key;
            folders[key.root].insert(key.folder.clone(), index);
            problems.extend(loaded_key.problems.iter().cloned());
            match by_slug.get(&key.slug) {
                None => {
                    by_slug.insert(key.slug.clone(), keys.len());
                    keys.push(Arc::clone(key));
                }
                Some(&first) => {
                    problems.push(duplicate_slug_problem(&workspace_root, &keys[first], loaded_key));
                }
            }
        }
        keys.sort_by(|a, b| a.slug.cmp(&b.slug));
        for (index, key) in keys.iter().enumerate() {
            by_slug.insert(key.slug.clone(), index);
        }
        // Aliases after every canonical slug: a KEY's own name always wins
        // over another KEY's alias, and the first alias (by slug) over a later one.
        for (index, key) in keys.iter().enumerate() {
            if let Some(alias) = &key.alias {
                by_slug.entry(alias.clone()).or_insert(index);
            }
        }
        problems.sort_by(|a, b| {
            (&a.location.path, a.location.range.range.start).cmp(&(&b.location.path, b.location.range.range.start))
        });
        let mut families: Vec<String> =
            roots.iter().map(|root| root.prefix.clone()).chain(keys.iter().map(|key| key.family.clone())).collect();
        // An alias's family is its manifest `tool`, one of node, next, jupyter.
        families.extend(keys.iter().filter_map(|key| Some(key.alias.as_deref()?.split('-').next()?.to_string())));
        families.sort();
        families.dedup();
        let slug_index = Arc::new(SlugIndex::new(keys.iter().map(|key| key.slug.as_str())));
        let mut catalog = KeyCatalog {
            workspace_root,
            config,
            alias_dir,
            roots,
            loaded,
            folders,
            keys,
            by_slug,
            families,
            slug_index,
            slug_table: Arc::default(),
            symbol_table: Arc::default(),
            slug_suggestions: Arc::default(),
            import_targets: Arc::default(),
            problems,
        };
        catalog.slug_table = Arc::new(SlugTable::new(&catalog));
        catalog
    }

    /// Makes `new` hold this catalog's `Arc` for every KEY that a rebuild
    /// read again unchanged, so that readers can tell unchanged KEYs by pointer.
    fn share_unchanged_keys(&self, new: &mut KeyCatalog) {
        let old_by_dir: HashMap<&Path, &Arc<Key>> =
            self.loaded.iter().map(|loaded| (loaded.key.dir.as_path(), &loaded.key)).collect();
        let share = |key: &mut Arc<Key>| {
            if let Some(&old) = old_by_dir.get(key.dir.as_path())
                && **old == **key
            {
                *key = Arc::clone(old);
            }
        };
        new.loaded.iter_mut().for_each(|loaded| share(&mut loaded.key));
        new.keys.iter_mut().for_each(share);
    }

    /// The slugs that name a different KEY (or none) in `new` than in `self`.
    fn changed_slugs(&self, new: &KeyCatalog) -> Vec<String> {
        let mut changed = BTreeSet::new();
        for (slug, &index) in &self.by_slug {
            let old_key = &self.keys[index];
            let same = new.by_slug.get(slug).is_some_and(|&new_index| {
                Arc::ptr_eq(old_key, &new.keys[new_index]) || **old_key == *new.keys[new_index]
            });
            if !same {
                changed.insert(slug.clone());
            }
        }
        changed.extend(new.by_slug.keys().filter(|slug| !self.by_slug.contains_key(*slug)).cloned());
        changed.into_iter().collect()
    }

    pub fn workspace_root(&self) -> &Path {
        &self.workspace_root
    }

    /// The folder the `@/` import alias stands for (SPEC 1).
    pub fn alias_dir(&self) -> &Path {
        &self.alias_dir
    }

    pub fn config(&self) -> &CatalogConfig {
        &self.config
    }

    /// The configured roots that exist, with `import` set to the prefix in
    /// effect (given or derived; `None` for `jupyter`).
    pub fn roots(&self) -> &[KeyRoot] {
        &self.roots
    }

    pub fn keys(&self) -> impl ExactSizeIterator<Item = &Key> + Clone {
        self.keys.iter().map(|key| &**key)
    }

    /// The KEY a slug names: its canonical slug or its alias (SPEC 1).
    pub fn key(&self, slug: &str) -> Option<&Key> {
        self.by_slug.get(slug).map(|&index| &*self.keys[index])
    }

    /// The alias of `key` when it names `key` (another KEY may have it as
    /// its canonical slug, or as an earlier alias).
    pub fn alias<'k>(&self, key: &'k Key) -> Option<&'k str> {
        let alias = key.alias.as_deref()?;
        self.key(alias).is_some_and(|named| named.dir == key.dir).then_some(alias)
    }

    /// Every canonical slug with its KEY, sorted by slug. The same as
    /// `keys()`, but the slugs lie side by side in memory: completion scans
    /// all of them on every request, and following each KEY's pointers to
    /// its slug cost more than matching it.
    pub fn slugs(&self) -> impl ExactSizeIterator<Item = (&str, &Key)> + Clone {
        self.slug_table.canonical.iter().map(|(slug, index)| (slug, &*self.keys[index]))
    }

    /// Every alias (see `alias`) with its KEY, in the order of the KEYs' slugs.
    pub fn aliases(&self) -> impl ExactSizeIterator<Item = (&str, &Key)> + Clone {
        self.slug_table.aliases.iter().map(|(alias, index)| (alias, &*self.keys[index]))
    }

    /// Every KEY with its slug, then each of its exports with its name, in
    /// the order of `keys()`, the texts side by side in memory (workspace
    /// symbols match tens of thousands of them on every request). The first
    /// call reads the exports of every KEY.
    pub fn symbol_names(&self) -> impl Iterator<Item = (&str, &Key, Option<&Export>)> {
        let table = self.symbol_table.get_or_init(|| {
            let mut table = SymbolTable::new();
            for (index, key) in self.keys().enumerate() {
                table.push(&key.slug, (index, None));
                for (export, named) in key.exports().iter().enumerate() {
                    table.push(&named.name, (index, Some(export)));
                }
            }
            table
        });
        table.iter().map(|(name, (key, export))| {
            let key = &*self.keys[key];
            (name, key, export.map(|export| &key.exports()[export]))
        })
    }

    /// Whether `family` is the prefix of a root that exists or of some KEY.
    pub fn is_family(&self, family: &str) -> bool {
        self.families.binary_search_by(|known| known.as_str().cmp(family)).is_ok()
    }

    /// The slugs closest to `slug` (for did-you-mean), best first, at most
    /// `n`; only those similar enough to be a plausible misspelling. See
    /// `similarity` for the metric.
    pub fn closest_slugs(&self, slug: &str, n: usize) -> Vec<&str> {
        let mut cache = lock_memo(&self.slug_suggestions);
        let indices = cache.entry((slug.to_string(), n)).or_insert_with(|| self.slug_index.closest(slug, n)).clone();
        drop(cache);
        indices.into_iter().map(|index| self.keys[index].slug.as_str()).collect()
    }

    /// The exports of `key` whose names are closest to `name` (for
    /// did-you-mean on an imported name), best first, at most `n`.
    pub fn closest_exports<'k>(&self, key: &'k Key, name: &str, n: usize) -> Vec<&'k str> {
        similarity::closest_names(name, key.exports().iter().map(|export| export.name.as_str()), n)
    }

    /// Where the KEY folder is in an import specifier under a root's import
    /// prefix: the root's index and the byte range of the folder name.
    pub fn folder_in_specifier(&self, specifier: &str) -> Option<(usize, std::ops::Range<usize>)> {
        // The longest prefix wins, so nested roots (`@/keys/` and
        // `@/keys/next/`) each get their own KEYs.
        let (root, prefix_len) = self
            .roots
            .iter()
            .enumerate()
            .filter_map(|(index, root)| {
                let prefix = root.import.as_deref()?;
                let bare = prefix.trim_end_matches('/');
                (specifier.starts_with(prefix) || specifier == bare)
                    .then_some((index, prefix.len().min(specifier.len())))
            })
            .max_by_key(|&(_, prefix_len)| prefix_len)?;
        let rest = &specifier[prefix_len..];
        let folder_len = rest.find('/').unwrap_or(rest.len());
        Some((root, prefix_len..prefix_len + folder_len))
    }

    /// Where the KEY folder is in a workspace-relative path
    /// (`/node-keys/x/src/index.ts`): the root's index and the byte range of
    /// the folder name, when the path lies in a root.
    pub fn folder_in_path(&self, path: &str) -> Option<(usize, std::ops::Range<usize>)> {
        let lead = path.len() - path.trim_start_matches('/').len();
        self.roots.iter().enumerate().find_map(|(root_index, root)| {
            let inside = path[lead..].strip_prefix(root.path.as_str())?.strip_prefix('/')?;
            let start = path.len() - inside.len();
            let folder_len = inside.find('/').unwrap_or(inside.len());
            (folder_len > 0).then_some((root_index, start..start + folder_len))
        })
    }

    /// What an import specifier (`@/node-keys/x/src`) names.
    pub fn resolve_import(&self, specifier: &str) -> ImportTarget<'_> {
        let mut memo = lock_memo(&self.import_targets);
        let resolved = match memo.get(specifier) {
            Some(resolved) => resolved.clone(),
            None => {
                let resolved = self.resolve_import_afresh(specifier);
                if memo.len() >= MAX_IMPORT_TARGETS {
                    memo.clear();
                }
                memo.insert(specifier.into(), resolved.clone());
                resolved
            }
        };
        drop(memo);
        let key = |index: usize| &*self.loaded[index].key;
        match resolved {
            Resolved::NotAKeyImport => ImportTarget::NotAKeyImport,
            Resolved::Entry(index) => ImportTarget::Entry(key(index)),
            Resolved::File(index, path) => ImportTarget::File { key: key(index), path },
            Resolved::Missing(index) => ImportTarget::Missing { key: key(index) },
            Resolved::UnknownFolder { root, folder } => ImportTarget::UnknownFolder { root, folder },
        }
    }

    fn resolve_import_afresh(&self, specifier: &str) -> Resolved {
        let Some((root, folder)) = self.folder_in_specifier(specifier) else { return Resolved::NotAKeyImport };
        let prefix_len = folder.start;
        let rest = &specifier[prefix_len..];
        let folder_len = folder.len();
        let Some(&index) = self.folders[root].get(&rest[..folder_len]) else {
            return Resolved::UnknownFolder { root, folder };
        };
        let key = &*self.loaded[index].key;
        // Trailing (and doubled) slashes are tolerated: `…/src/`.
        let Some(module) = join_relative("", &rest[folder_len..]) else { return Resolved::Missing(index) };
        match resolve_module(&key.files, &module) {
            Some(file) if key.entry.as_deref() == Some(key.dir.join(file).as_path()) => Resolved::Entry(index),
            Some(file) => Resolved::File(index, key.dir.join(file)),
            None => Resolved::Missing(index),
        }
    }

    /// The KEY whose folder holds a workspace-relative path (`/node-keys/x/src/index.ts`).
    pub fn key_for_path(&self, path: &str) -> Option<&Key> {
        let (root, folder) = self.folder_in_path(path)?;
        let &index = self.folders[root].get(&path[folder])?;
        Some(&*self.loaded[index].key)
    }

    /// The KEY whose folder holds an absolute path.
    pub fn key_for_file(&self, path: &Path) -> Option<&Key> {
        self.key_for_path(&self.relative_path(path)?)
    }

    /// `path` relative to the workspace root, `/`-separated with a leading
    /// `/` (`/node-keys/x/src/index.ts`), the way runbooks write `Location`s.
    pub fn relative_path(&self, path: &Path) -> Option<String> {
        let relative = path.strip_prefix(&self.workspace_root).ok()?;
        Some(format!("/{}", slash_path(relative)))
    }

    pub fn manifest_problems(&self) -> &[ManifestProblem] {
        &self.problems
    }
}

/// A root's path as configured, without `./` or surrounding slashes.
fn clean_root_path(path: &str) -> String {
    path.trim_start_matches("./").trim_matches('/').to_string()
}

/// The configured roots whose folder exists, with their import prefixes.
fn existing_roots(
    fs: &dyn fs::FileSystem,
    workspace_root: &Path,
    config: &CatalogConfig,
    alias_dir: &Path,
) -> Vec<KeyRoot> {
    config
        .key_roots
        .iter()
        .filter_map(|root| {
            let path = clean_root_path(&root.path);
            if path.is_empty() || !fs.is_dir(&workspace_root.join(&path)) {
                return None;
            }
            let import = root.import_prefix_or(|| derived_import(workspace_root, alias_dir, &path));
            Some(KeyRoot { path, prefix: root.prefix.clone(), import })
        })
        .collect()
}

/// `@/` + the root's path relative to the alias folder + `/`; a root outside
/// the alias folder keeps its workspace-relative path, as runbooks write it.
fn derived_import(workspace_root: &Path, alias_dir: &Path, root_path: &str) -> String {
    let root_dir = normalize(&workspace_root.join(root_path));
    match root_dir.strip_prefix(alias_dir) {
        Ok(relative) if relative.as_os_str().is_empty() => "@/".to_string(),
        Ok(relative) => format!("@/{}/", slash_path(relative)),
        Err(_) => format!("@/{root_path}/"),
    }
}

fn duplicate_slug_problem(workspace_root: &Path, kept: &Key, dropped: &LoadedKey) -> ManifestProblem {
    let relative = |dir: &Path| {
        dir.strip_prefix(workspace_root)
            .map_or_else(|_| dir.display().to_string(), |relative| format!("/{}", slash_path(relative)))
    };
    let location = dropped
        .slug_source
        .clone()
        .or_else(|| dropped.key.manifest_path.as_deref().map(file_start))
        .unwrap_or_else(|| file_start(&dropped.key.dir));
    ManifestProblem {
        location,
        message: format!(
            "KEY slug `{}` is already used by {}, so {} is not indexed; give one of them a different `slug` in key.json",
            dropped.key.slug,
            relative(&kept.dir),
            relative(&dropped.key.dir),
        ),
    }
}
