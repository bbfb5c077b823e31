//! Reading one KEY folder (its files, manifest, slug, entry and exports) into a `Key`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use runbook_syntax::{SourceRange, TextRange};

use crate::fs::{FileSystem, is_skipped_name, slash_path};
use crate::manifest::{MANIFEST, parse_manifest};
use crate::{FileRange, Key, KeyRoot, LazyExports, ManifestProblem};

/// The entry files of a KEY, in the order SPEC 1 prefers them.
pub const ENTRY_FILES: [&str; 4] = ["src/index.ts", "src/index.tsx", "src/index.js", "src/index.mjs"];

/// The manifest tools that give a KEY an alias in another family.
const FAMILY_TOOLS: [&str; 3] = ["node", "next", "jupyter"];

/// A KEY folder found under a root, with its files.
#[derive(Debug)]
pub(crate) struct KeyFolder {
    pub(crate) root: usize,
    pub(crate) folder: String,
    pub(crate) dir: PathBuf,
    /// Relative to `dir`, `/`-separated, sorted as strings.
    pub(crate) files: Vec<String>,
}

/// A KEY as read, with what is wrong with its manifest.
#[derive(Debug, Clone)]
pub(crate) struct LoadedKey {
    pub(crate) key: Arc<Key>,
    pub(crate) problems: Vec<ManifestProblem>,
    /// The manifest value the slug came from (`slug`, else `tool`), where a
    /// duplicate slug is reported.
    pub(crate) slug_source: Option<FileRange>,
}

/// The KEY folders directly under `root_dir`: every sub-folder that is not
/// hidden or `node_modules`, with the files `walk` finds in it.
pub(crate) fn key_folders(fs: &dyn FileSystem, root_index: usize, root_dir: &Path) -> Vec<KeyFolder> {
    let Ok(entries) = fs.read_dir(root_dir) else { return Vec::new() };
    let mut files_by_folder: HashMap<String, Vec<String>> = HashMap::new();
    for file in fs.walk(root_dir) {
        let Ok(relative) = file.strip_prefix(root_dir) else { continue };
        let mut components = relative.components().map(|component| component.as_os_str().to_string_lossy());
        let Some(folder) = components.next() else { continue };
        let rest: Vec<_> = components.collect();
        // Files directly in the root (a README) belong to no KEY.
        if rest.is_empty() {
            continue;
        }
        files_by_folder.entry(folder.into_owned()).or_default().push(rest.join("/"));
    }
    entries
        .into_iter()
        .filter_map(|dir| {
            let folder = dir.file_name()?.to_string_lossy().into_owned();
            if is_skipped_name(&folder) || !fs.is_dir(&dir) {
                return None;
            }
            let mut files = files_by_folder.remove(&folder).unwrap_or_default();
            files.sort_unstable();
            Some(KeyFolder { root: root_index, folder, dir, files })
        })
        .collect()
}

/// One KEY folder re-read on its own (after a change inside it).
pub(crate) fn key_folder(fs: &dyn FileSystem, root_index: usize, root_dir: &Path, folder: &str) -> Option<KeyFolder> {
    let dir = root_dir.join(folder);
    if is_skipped_name(folder) || !fs.is_dir(&dir) {
        return None;
    }
    let mut files: Vec<String> =
        fs.walk(&dir).iter().filter_map(|file| Some(slash_path(file.strip_prefix(&dir).ok()?))).collect();
    files.sort_unstable();
    Some(KeyFolder { root: root_index, folder: folder.to_string(), dir, files })
}

/// Reads a KEY. `alias_dir` is where `@/` points, for aliased imports
/// between the KEY's own files.
/// `shared_fs` is `fs`, kept to parse the KEY's sources when first needed.
pub(crate) fn load_key(
    fs: &dyn FileSystem,
    shared_fs: &Arc<dyn FileSystem>,
    root: &KeyRoot,
    alias_dir: &Path,
    folder: KeyFolder,
) -> LoadedKey {
    let KeyFolder { root: root_index, folder, dir, files } = folder;
    let has = |file: &str| files.binary_search_by(|candidate| candidate.as_str().cmp(file)).is_ok();

    let mut problems = Vec::new();
    let mut manifest = None;
    let mut slug_source = None;
    let manifest_path = has(MANIFEST).then(|| dir.join(MANIFEST));
    if let Some(path) = &manifest_path {
        match fs.read_to_string(path) {
            Ok(text) => {
                let parsed = parse_manifest(path, &text);
                problems = parsed.problems;
                manifest = parsed.manifest;
                slug_source =
                    parsed.slug_range.or(parsed.tool_range).map(|range| FileRange { path: path.clone(), range });
            }
            Err(error) => problems.push(ManifestProblem {
                location: FileRange { path: path.clone(), range: SourceRange::default() },
                message: format!("key.json could not be read ({error}); the KEY is indexed from its folder name"),
            }),
        }
    }

    // SPEC 1: the root's family gives the canonical slug; a manifest `tool`
    // of another family gives an alias, because real repositories keep
    // Next-flavoured KEYs in `node-keys/` and still call them `node-…`.
    let family = root.prefix.clone();
    let name = manifest.as_ref().and_then(|manifest| manifest.slug.as_deref()).unwrap_or(&folder);
    let slug = slug_of(&family, name);
    let alias = manifest
        .as_ref()
        .and_then(|manifest| manifest.tool.as_deref())
        .filter(|tool| FAMILY_TOOLS.contains(tool) && **tool != family)
        .map(|tool| slug_of(tool, name))
        .filter(|alias| *alias != slug);

    let entry = ENTRY_FILES.iter().find(|file| has(file)).copied();
    let exports = match entry {
        Some(entry) => {
            let alias_prefix = dir.strip_prefix(alias_dir).ok().map(slash_path);
            LazyExports::new(Arc::clone(shared_fs), dir.clone(), files.clone(), alias_prefix, entry)
        }
        None => LazyExports::none(),
    };

    let key = Key {
        slug,
        alias,
        family,
        root: root_index,
        folder,
        entry: entry.map(|entry| dir.join(entry)),
        dir,
        manifest_path,
        manifest,
        exports,
        files,
    };
    LoadedKey { key: Arc::new(key), problems, slug_source }
}

/// `<family>-<name>`, unless the name already starts with `<family>-`.
pub(crate) fn slug_of(family: &str, name: &str) -> String {
    match name.strip_prefix(family) {
        Some(rest) if rest.starts_with('-') => name.to_string(),
        _ => format!("{family}-{name}"),
    }
}

/// Where a problem is reported when there is no better place: the start of a file.
pub(crate) fn file_start(path: &Path) -> FileRange {
    FileRange { path: path.to_path_buf(), range: SourceRange { range: TextRange::empty(0), ..SourceRange::default() } }
}
