//! `check --cache`: the findings of an earlier run, reused for every runbook
//! whose text is unchanged while nothing else the findings depend on changed.
//!
//! A runbook's findings depend on its own text and on the workspace around
//! it: the configuration, the KEY catalog (manifests, TypeScript sources,
//! `tsconfig.json`), `pack.json` files and which paths exist (`Location`).
//! So one cache file per workspace root holds:
//! * a *workspace fingerprint*: the binary's version, the root, the
//!   configuration file's path and text, the path of every file a walk of the
//!   workspace and of its key roots lists, and the size and modification time
//!   of every such file that is not a runbook. Any difference (a manifest
//!   edited, a runbook added, a `pack.json` touched) discards the whole cache;
//! * the findings that are not about one runbook (configuration and manifest
//!   problems), valid for that fingerprint;
//! * per runbook, a hash of its text and its findings.
//!
//! Runbook texts are compared by content, the rest by size and time, which is
//! what makes a warm run cheap: it reads the runbooks and checks the tree's
//! files by size and time, but builds no KEY catalog when every runbook hits.
//!
//! Listing the tree is most of a warm run (31,000 folders for 10,000 KEYs),
//! so a second file records the last walk (`WalkedTree`): its folders, files
//! and ignore files with their identities. When each still has the same
//! identity on the disk, a walk would list the same files with the same
//! identities, and the record stands in for it: a stat per entry instead of
//! opening and reading every folder. A record is checked against the disk
//! whatever the cache file says, so a stale one can only cost a walk.
//!
//! The cache is an optimisation only: a file that cannot be read or parsed,
//! or that another version wrote, is ignored and rewritten; deleting the
//! folder is safe.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use runbook_ide::{DiagnosticCode, Severity};
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::Xxh3;

use runbook_ide::settings::ConfigFile;
use runbook_ide::{Analysis, is_markdown};
use runbook_keys::fs::{FileIdentity, WalkedTree, is_skipped_name, repository_root};

/// The folder under the workspace root that holds the cache unless
/// `--cache-dir` names another.
pub const CACHE_DIR: &str = ".runbook-ls-cache";

/// Bumped whenever the file's shape or the meaning of its fields changes.
const FORMAT: u32 = 2;

/// A finding without the parts the run derives (display path, root,
/// fingerprint: `fingerprint::assign` recomputes it from the snippet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedFinding {
    /// Absolute; only for findings that are not about one runbook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub severity: String,
    pub code: String,
    pub message: String,
    pub snippet: String,
}

impl CachedFinding {
    pub fn severity(&self) -> Option<Severity> {
        Severity::parse(&self.severity)
    }

    pub fn code(&self) -> Option<DiagnosticCode> {
        DiagnosticCode::parse(&self.code)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct CachedRunbook {
    /// xxh3-128 of the file's bytes, in hex.
    content: String,
    findings: Vec<CachedFinding>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct CacheFile {
    format: u32,
    version: String,
    /// xxh3-128 of everything but the runbooks' texts, in hex.
    workspace: String,
    /// `None` until a run that built the catalog wrote them.
    workspace_findings: Option<Vec<CachedFinding>>,
    /// By path relative to the root, `/`-separated.
    runbooks: BTreeMap<String, CachedRunbook>,
}

/// The cache of one workspace root for one run: what was read, and what this
/// run adds.
pub struct CheckCache {
    root: PathBuf,
    file: PathBuf,
    fingerprint: String,
    previous: CacheFile,
    runbooks: BTreeMap<String, CachedRunbook>,
    workspace_findings: Option<Vec<CachedFinding>>,
    /// The walk this run made, to record for the next (see `recorded_walk`).
    walk: Option<WalkedTree>,
}

/// The cache file of the workspace at `root` in `cache_dir` (default: under
/// the root). One folder may serve several roots (`--cache-dir` shared by a
/// monorepo).
fn cache_file(root: &Path, cache_dir: Option<&Path>) -> PathBuf {
    let dir = cache_dir.map_or_else(|| root.join(CACHE_DIR), Path::to_path_buf);
    dir.join(format!("check-{}.json", &hex128(xxhash_rust::xxh3::xxh3_128(root_bytes(root)))[..16]))
}

/// The file that records the last walk of a workspace, beside its cache file.
fn walk_file(cache_file: &Path) -> PathBuf {
    cache_file.with_extension("walk")
}

/// The first line of a walk record; bumped whenever its shape changes.
const WALK_HEADER: &str = "runbook-ls walk 2";

/// The identity a file counts with in the workspace fingerprint and in a
/// walk record: none for a runbook, whose entry compares its content.
fn counted_identity(file: &Path, identity: FileIdentity) -> Option<FileIdentity> {
    (!is_markdown(file)).then_some(identity)
}

/// The files a walk of `root` would list now, with their identities, when
/// the last recorded walk still stands: every folder, file and ignore file
/// it recorded has the same identity on the disk, and the same repository
/// holds the root. `None` sends the caller to walk.
pub fn recorded_walk(root: &Path, cache_dir: Option<&Path>) -> Option<Vec<(PathBuf, FileIdentity)>> {
    let text = std::fs::read_to_string(walk_file(&cache_file(root, cache_dir))).ok()?;
    let mut lines = text.split('\n');
    if lines.next()? != WALK_HEADER {
        return None;
    }
    let repository = lines.next()?.strip_prefix("repository\t")?;
    let current = repository_root(root).map(|path| path.display().to_string()).unwrap_or_default();
    if repository != current {
        return None;
    }
    let mut entries = Vec::new();
    for line in lines.filter(|line| !line.is_empty()) {
        let mut fields = line.splitn(4, '\t');
        let kind = fields.next()?;
        let len = fields.next()?.parse().ok()?;
        let modified = fields.next()?.parse().ok()?;
        // Relative to the root, but for the ignore files above it.
        entries.push((kind, root.join(fields.next()?), FileIdentity { len, modified }));
    }
    // A runbook's identity does not count; its folder's time says it is
    // still there.
    let stands = entries.par_iter().all(|(_, path, identity)| {
        counted_identity(path, *identity).is_none_or(|identity| FileIdentity::on_disk(path) == identity)
    });
    stands.then(|| {
        let files = entries.into_iter().filter(|(kind, ..)| *kind == "f");
        files.map(|(_, path, identity)| (path, identity)).collect()
    })
}

/// The text of the record of `walk` (see `recorded_walk`): its folders
/// (`d`), ignore files (`i`) and files (`f`, with the identities they count
/// with), paths relative to `root` where they are under it, without what is
/// under the cache folder (which every run changes); `None` when a path
/// cannot be written on one line.
fn walk_record(root: &Path, walk: &WalkedTree, cache_dir: &Path) -> Option<String> {
    let mut text = format!("{WALK_HEADER}\nrepository\t");
    if let Some(repository) = &walk.repository {
        text.push_str(repository.to_str()?);
    }
    text.push('\n');
    let kinds = [("d", &walk.folders), ("i", &walk.ignore_files), ("f", &walk.files)];
    for (kind, entries) in kinds {
        for (path, identity) in entries.iter().filter(|(path, _)| !path.starts_with(cache_dir)) {
            let identity = counted_identity(path, *identity).unwrap_or_default();
            let path = path.strip_prefix(root).unwrap_or(path).to_str().filter(|path| !path.contains(['\n', '\t']))?;
            text.push_str(&format!("{kind}\t{}\t{}\t{path}\n", identity.len, identity.modified));
        }
    }
    Some(text)
}

impl CheckCache {
    /// Opens the cache of the workspace of `analysis` (configured with
    /// `config_file`, not indexed) in `cache_dir` (default: under the root),
    /// reading it if it exists and still fits the workspace. `root_files` is
    /// the walk of the whole workspace (`FileSystem::walk_tree`'s files).
    pub fn open(
        analysis: &Analysis,
        config_file: &ConfigFile,
        cache_dir: Option<&Path>,
        root_files: &[(PathBuf, FileIdentity)],
    ) -> Self {
        let root = analysis.root();
        let file = cache_file(root, cache_dir);
        let dir = file.parent().unwrap_or(root);
        let fingerprint = workspace_fingerprint(analysis, config_file, dir, root_files);
        let previous = std::fs::read(&file)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<CacheFile>(&bytes).ok())
            .filter(|cache| {
                cache.format == FORMAT && cache.version == env!("CARGO_PKG_VERSION") && cache.workspace == fingerprint
            })
            .unwrap_or_default();
        CheckCache {
            root: root.to_path_buf(),
            file,
            fingerprint,
            workspace_findings: previous.workspace_findings.clone(),
            runbooks: BTreeMap::new(),
            previous,
            walk: None,
        }
    }

    /// Records the walk this run made, for the next run to check instead of
    /// walking (see `recorded_walk`).
    pub fn set_walk(&mut self, walk: WalkedTree) {
        self.walk = Some(walk);
    }

    /// The findings that are not about one runbook, if an earlier run of this
    /// workspace state recorded them.
    pub fn workspace_findings(&self) -> Option<&[CachedFinding]> {
        self.workspace_findings.as_deref()
    }

    pub fn set_workspace_findings(&mut self, findings: Vec<CachedFinding>) {
        self.workspace_findings = Some(findings);
    }

    /// The findings recorded for `relative` when its content hashed to
    /// `content` (see `content_hash`).
    pub fn runbook(&self, relative: &str, content: &str) -> Option<&[CachedFinding]> {
        let runbook = self.previous.runbooks.get(relative)?;
        (runbook.content == content).then_some(runbook.findings.as_slice())
    }

    pub fn set_runbook(&mut self, relative: String, content: String, findings: Vec<CachedFinding>) {
        self.runbooks.insert(relative, CachedRunbook { content, findings });
    }

    /// Writes what this run knows: its runbooks, and the earlier entries of
    /// runbooks it did not check (still valid for the same fingerprint).
    /// Written to a temporary file and renamed, so a run that is stopped or
    /// runs beside another never leaves half a file.
    /// Nothing is written when the run changed nothing: every runbook hit
    /// and the walk was the recorded one.
    pub fn save(mut self) -> std::io::Result<()> {
        let unchanged = self.previous.workspace == self.fingerprint
            && self.runbooks.is_empty()
            && self.workspace_findings == self.previous.workspace_findings
            && self.walk.is_none();
        if unchanged {
            return Ok(());
        }
        let dir = self.file.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        // What pytest and ruff do: the folder keeps itself out of git.
        let ignore = dir.join(".gitignore");
        if !ignore.exists() {
            std::fs::write(&ignore, "# Written by runbook-ls check --cache; safe to delete.\n*\n")?;
        }
        let mut runbooks = std::mem::take(&mut self.previous.runbooks);
        runbooks.append(&mut self.runbooks);
        let cache = CacheFile {
            format: FORMAT,
            version: env!("CARGO_PKG_VERSION").to_string(),
            workspace: self.fingerprint,
            workspace_findings: self.workspace_findings,
            runbooks,
        };
        replace_file(&self.file, |out| Ok(serde_json::to_writer(out, &cache)?))?;
        // Without a record (a path that does not fit on a line), the next
        // run walks.
        let walk_file = walk_file(&self.file);
        let canonical_dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        match self.walk.as_ref().and_then(|walk| walk_record(&self.root, walk, &canonical_dir)) {
            Some(record) => replace_file(&walk_file, |out| out.write_all(record.as_bytes())),
            None if self.walk.is_some() => std::fs::remove_file(&walk_file).or(Ok(())),
            None => Ok(()),
        }
    }
}

/// Writes `file` whole through a temporary file beside it, renamed over it,
/// so that a run that is stopped or runs beside another never leaves half a
/// file.
fn replace_file(
    file: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    let temporary = dir.join(format!(".{}.{}.tmp", file.file_name().unwrap_or_default().display(), std::process::id()));
    let written = (|| {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&temporary)?);
        write(&mut out)?;
        out.flush()?;
        drop(out);
        std::fs::rename(&temporary, file)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// The key roots in hidden folders, which the workspace's walk leaves out
/// and a walk record does not cover.
pub fn hidden_key_roots(analysis: &Analysis) -> Vec<PathBuf> {
    let relative = |root: &runbook_keys::KeyRoot| Path::new(root.path.trim_matches('/')).to_path_buf();
    let hidden = |path: &Path| path.components().any(|part| is_skipped_name(&part.as_os_str().to_string_lossy()));
    analysis
        .config()
        .key_roots
        .iter()
        .map(relative)
        .filter(|path| hidden(path))
        .map(|path| analysis.root().join(path))
        .collect()
}

fn root_bytes(root: &Path) -> &[u8] {
    root.as_os_str().as_encoded_bytes()
}

fn hex128(hash: u128) -> String {
    format!("{hash:032x}")
}

/// The hash a runbook's entry is keyed on: of its bytes, so that a file that
/// is not UTF-8 (a finding of its own) is cached like the others.
pub fn content_hash(bytes: &[u8]) -> String {
    hex128(xxhash_rust::xxh3::xxh3_128(bytes))
}

/// What every runbook's findings depend on besides its own text (see the
/// module comment). Runbooks count by path only: editing one leaves the
/// others' entries valid.
fn workspace_fingerprint(
    analysis: &Analysis,
    config_file: &ConfigFile,
    cache_dir: &Path,
    root_files: &[(PathBuf, FileIdentity)],
) -> String {
    let mut files = root_files.to_vec();
    for root in hidden_key_roots(analysis) {
        files.extend(analysis.fs().walk_tree(&root).files);
    }
    // A `--cache-dir` inside the workspace changes with every run.
    let cache_dir = cache_dir.canonicalize().unwrap_or_else(|_| cache_dir.to_path_buf());
    files.retain(|(file, _)| !file.starts_with(&cache_dir));
    let mut hasher = Xxh3::new();
    let mut add = |bytes: &[u8]| {
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    add(&FORMAT.to_le_bytes());
    add(env!("CARGO_PKG_VERSION").as_bytes());
    // Two builds of one version (a developer's) may find different things.
    let exe = std::env::current_exe().and_then(std::fs::metadata).map(|metadata| FileIdentity::of(&metadata));
    let exe = exe.unwrap_or_default();
    add(&exe.len.to_le_bytes());
    add(&exe.modified.to_le_bytes());
    add(root_bytes(analysis.root()));
    add(root_bytes(&config_file.path));
    add(config_file.text.as_bytes());
    for (file, identity) in &files {
        add(root_bytes(file));
        let identity = counted_identity(file, *identity).unwrap_or_default();
        add(&identity.len.to_le_bytes());
        add(&identity.modified.to_le_bytes());
    }
    hex128(hasher.digest128())
}
