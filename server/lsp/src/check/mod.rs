//! `runbook-ls check`: the server's diagnostics for whole trees, for CI.
//! Each workspace the paths belong to gets an `AnalysisHost`, indexed for
//! exactly those paths; the findings are its diagnostics, printed in one of
//! the `format`s.

mod affected;
mod baseline;
mod cache;
pub(crate) mod discover;
pub(crate) mod fingerprint;
mod fix;
pub mod format;

use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::Args;
use rayon::prelude::*;
use runbook_ide::settings::ConfigFile;
use runbook_ide::{Analysis, AnalysisHost, Diagnostic, DiagnosticCode, FileDiagnostic, IndexScope, Severity};

use cache::{CachedFinding, CheckCache};
use runbook_keys::fs::{FileSystem, RealFs, slash_path};
use runbook_syntax::{Encoding, LineCol, LineIndex, SourcePosition};

pub use format::Format;

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Files or folders to check [default: the current directory].
    pub paths: Vec<PathBuf>,
    /// How to print the findings.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// The configuration file to use instead of `<workspace root>/runbook-ls.toml`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Apply every unambiguous fix to the files in place, then print the findings that remain.
    #[arg(long, conflicts_with = "diff")]
    pub fix: bool,
    /// Print the unambiguous fixes as a unified diff and write nothing.
    #[arg(long, conflicts_with = "format")]
    pub diff: bool,
    /// Report only the findings that are not in this baseline file (matched by fingerprint, not by line).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["write_baseline", "fix", "diff"])]
    pub baseline: Option<PathBuf>,
    /// Record every finding in this baseline file, print none and exit 0.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["fix", "diff", "format"])]
    pub write_baseline: Option<PathBuf>,
    /// Check only the runbooks these changed files can affect: themselves, and those using a KEY they belong to.
    #[arg(long, value_name = "PATH", num_args = 1.., conflicts_with_all = ["fix", "diff"])]
    pub affected_by: Vec<PathBuf>,
    /// Like --affected-by, with the changed files read from standard input, one per line.
    #[arg(long, conflicts_with_all = ["affected_by", "fix", "diff"])]
    pub stdin_paths: bool,
    /// Reuse the findings of runbooks unchanged since the last `--cache` run
    /// (kept in `<workspace root>/.runbook-ls-cache/`, safe to delete).
    #[arg(long, conflicts_with_all = ["fix", "diff", "affected_by", "stdin_paths"])]
    pub cache: bool,
    /// Where `--cache` keeps its files instead.
    #[arg(long, value_name = "DIR", requires = "cache")]
    pub cache_dir: Option<PathBuf>,
}

/// One finding, positioned for people: 1-based lines, columns in characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Finding {
    /// As the user would open it: relative to the current directory when under it.
    pub display_path: String,
    /// Relative to the workspace root, `/`-separated.
    pub path: String,
    pub workspace_root: PathBuf,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub severity: Severity,
    pub code: DiagnosticCode,
    pub message: String,
    /// The text the finding points at (empty for a finding about a whole file).
    pub snippet: String,
    /// What the finding is matched by across runs (see `fingerprint`).
    pub fingerprint: String,
}

pub fn run(args: CheckArgs) -> ExitCode {
    if args.fix || args.diff {
        return fix::run(&args);
    }
    let (findings, checked) = match check(&args) {
        Ok(checked) => checked,
        Err(message) => {
            eprintln!("runbook-ls: {message}");
            return ExitCode::from(2);
        }
    };
    if let Some(file) = &args.write_baseline {
        return baseline::write(file, &findings);
    }
    let findings = match &args.baseline {
        Some(file) => match baseline::filter(file, findings, checked.as_deref()) {
            Ok(findings) => findings,
            Err(message) => {
                eprintln!("runbook-ls: {message}");
                return ExitCode::from(2);
            }
        },
        None => findings,
    };
    if let Err(error) = format::print(&findings, args.format) {
        eprintln!("runbook-ls: cannot write the findings: {error}");
        return ExitCode::from(2);
    }
    exit_status(&findings)
}

/// 1 with errors among the findings, else 0.
fn exit_status(findings: &[Finding]) -> ExitCode {
    let n_errors = findings.iter().filter(|finding| finding.severity == Severity::Error).count();
    if n_errors > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

/// Every finding under the given paths, sorted by path and position, and
/// with `--affected-by` the workspace-relative paths of the files checked
/// (`None`: everything under the paths). A path that cannot be read is a
/// finding too: one bad path never hides the findings of the others.
pub fn check(args: &CheckArgs) -> Result<(Vec<Finding>, Option<Vec<String>>), String> {
    let run = Run::new(args)?;
    let fs = |root: &Path| -> Arc<dyn FileSystem> { Arc::new(RealFs::new([root.to_path_buf()])) };
    if args.cache {
        let cache_dir = args.cache_dir.as_ref().map(|dir| run.cwd.join(dir));
        return Ok((run.cached_findings(fs, cache_dir.as_deref()), None));
    }
    let analyses = run.analyses(fs);
    let findings = run.findings(&analyses);
    let checked = run.changed.as_ref().map(|changed| {
        let mut checked = Vec::new();
        for (root, analysis) in &analyses {
            let files = run.affected_files(root, analysis, changed).into_iter().chain(changed.iter().cloned());
            checked.extend(files.map(|path| relative_path(root, &path)));
        }
        checked
    });
    Ok((findings, checked))
}

/// What one `check` works on: the paths grouped by workspace, and the
/// configuration file given on the command line.
pub(crate) struct Run {
    pub cwd: PathBuf,
    config_file: Option<ConfigFile>,
    targets: discover::Targets,
    /// `--affected-by`: the changed files (absolute). Each workspace is then
    /// indexed whole, and only the runbooks they affect are checked.
    changed: Option<Vec<PathBuf>>,
}

impl Run {
    pub fn new(args: &CheckArgs) -> Result<Run, String> {
        let mut run = Run::for_paths(&args.paths, args.config.as_deref())?;
        run.changed = affected::changed_paths(args, &run.cwd)?;
        Ok(run)
    }

    /// The workspaces of `paths` (default: the current directory), with the
    /// configuration file `config` instead of each root's when given.
    pub fn for_paths(paths: &[PathBuf], config: Option<&Path>) -> Result<Run, String> {
        let cwd = std::env::current_dir().map_err(|error| format!("cannot read the current directory: {error}"))?;
        // A file named on the command line is the user's choice, wherever it is.
        let config_file = match config {
            Some(path) => {
                let path = cwd.join(path);
                let text = std::fs::read_to_string(&path)
                    .map_err(|error| format!("cannot read the configuration file {}: {error}", path.display()))?;
                let path = path.canonicalize().unwrap_or(path);
                Some(ConfigFile::parse(path, text))
            }
            None => None,
        };
        let paths = if paths.is_empty() { vec![cwd.clone()] } else { paths.to_vec() };
        let targets = discover::targets(&paths, &cwd);
        Ok(Run { cwd, config_file, targets, changed: None })
    }

    /// The given paths that could not be read, with why.
    pub fn unreadable(&self) -> &[(PathBuf, String)] {
        &self.targets.unreadable
    }

    /// Each workspace, configured and indexed for its paths, read through
    /// the file system `fs` gives for its root.
    pub fn analyses(&self, fs: impl Fn(&Path) -> Arc<dyn FileSystem>) -> Vec<(PathBuf, Analysis)> {
        self.targets
            .workspaces
            .iter()
            .map(|(root, paths)| {
                let (mut host, _) = self.host(root, fs(root));
                let scope = match self.changed {
                    Some(_) => IndexScope::Workspace,
                    None => IndexScope::Paths(paths.clone()),
                };
                let index = host.analysis().build_index(&scope);
                host.set_index(index);
                (root.clone(), host.analysis())
            })
            .collect()
    }

    /// The workspace at `root`, configured but not indexed, and the
    /// configuration file it was configured with.
    fn host(&self, root: &Path, fs: Arc<dyn FileSystem>) -> (AnalysisHost, ConfigFile) {
        let mut host = AnalysisHost::new(root.to_path_buf(), fs);
        let config_file = self.config_file.clone().unwrap_or_else(|| host.analysis().read_config_file());
        host.set_settings(config_file.clone(), Vec::new());
        (host, config_file)
    }

    /// The runbooks under the given paths of the workspace at `root` that
    /// the `changed` files affect.
    fn affected_files(&self, root: &Path, analysis: &Analysis, changed: &[PathBuf]) -> Vec<PathBuf> {
        let under_paths = self.targets.paths(root);
        let mut affected = analysis.affected_runbooks(changed);
        affected.retain(|runbook| under_paths.iter().any(|path| runbook.starts_with(path)));
        affected
    }

    pub fn findings(&self, analyses: &[(PathBuf, Analysis)]) -> Vec<Finding> {
        let mut findings = self.unreadable_findings();
        let mut n_affected = 0;
        for (root, analysis) in analyses {
            for (path, finding) in self.workspace_findings(root, analysis) {
                if self.changed.as_ref().is_some_and(|changed| !changed.contains(&path)) {
                    continue;
                }
                findings.push(finding);
            }
            let affected;
            let files: Vec<&Path> = match &self.changed {
                Some(changed) => {
                    affected = self.affected_files(root, analysis, changed);
                    n_affected += affected.len();
                    affected.iter().map(PathBuf::as_path).collect()
                }
                None => analysis.index().map(|index| index.runbook_paths().collect()).unwrap_or_default(),
            };
            let progress = Progress::new(files.len());
            let per_file: Vec<Vec<Finding>> = files
                .par_iter()
                .map(|path| {
                    let found = self.runbook_findings(root, analysis, path);
                    progress.tick();
                    found
                })
                .collect();
            progress.finish();
            findings.extend(per_file.into_iter().flatten());
        }
        if let Some(changed) = &self.changed {
            affected::report(changed.len(), n_affected);
        }
        finish(findings)
    }

    /// `check --cache`: each workspace's findings, taken from its cache for
    /// every runbook whose content is unchanged (see `cache`). The index is
    /// built only when something is missing, and then only for the runbooks
    /// the cache did not have: a run where nothing changed reads no KEY.
    fn cached_findings(&self, fs: impl Fn(&Path) -> Arc<dyn FileSystem>, cache_dir: Option<&Path>) -> Vec<Finding> {
        let cwd = &self.cwd;
        let mut findings = self.unreadable_findings();
        for (root, paths) in &self.targets.workspaces {
            let (mut host, config_file) = self.host(root, fs(root));
            let analysis = host.analysis();
            // The last walk, when it still stands (see `cache::recorded_walk`).
            let recordable = cache::hidden_key_roots(&analysis).is_empty();
            let recorded = recordable.then(|| cache::recorded_walk(root, cache_dir)).flatten();
            let walk = recorded.is_none().then(|| analysis.fs().walk_tree(root));
            let walked = recorded.as_deref().or(walk.as_ref().map(|walk| walk.files.as_slice())).unwrap_or_default();
            let mut cache = CheckCache::open(&analysis, &config_file, cache_dir, walked);
            let runbooks = named_runbooks(analysis.fs(), root, walked.iter().map(|(file, _)| file), paths);
            if let Some(walk) = walk.filter(|_| recordable) {
                cache.set_walk(walk);
            }
            let progress = Progress::new(runbooks.len());
            // (path, content hash, findings from the cache)
            let read: Vec<(PathBuf, Option<String>, Option<Vec<Finding>>)> = runbooks
                .into_par_iter()
                .map(|path| {
                    // A file that cannot be read is the index's to report, as without the cache.
                    let Ok(bytes) = analysis.fs().read(&path) else { return (path, None, None) };
                    let content = cache::content_hash(&bytes);
                    let cached = cache
                        .runbook(&relative_path(root, &path), &content)
                        .and_then(|cached| restore(root, &path, cwd, cached));
                    if cached.is_some() {
                        progress.tick();
                    }
                    (path, Some(content), cached)
                })
                .collect();
            let cached_workspace: Option<Vec<Finding>> = cache.workspace_findings().and_then(|cached| {
                cached.iter().map(|cached| restore_one(root, cached.path.as_deref()?, cwd, cached)).collect()
            });
            let misses: Vec<PathBuf> =
                read.iter().filter(|(_, _, cached)| cached.is_none()).map(|(path, _, _)| path.clone()).collect();
            match cached_workspace {
                Some(cached) if misses.is_empty() => findings.extend(cached),
                _ => {
                    // The runbooks missed, and the packs beside them, are all
                    // their diagnostics read besides the catalog.
                    let index = analysis.build_index(&IndexScope::Paths(misses));
                    host.set_index(index);
                    let analysis = host.analysis();
                    let found = self.workspace_findings(root, &analysis);
                    cache.set_workspace_findings(
                        found.iter().map(|(path, finding)| to_cached(finding, Some(path))).collect(),
                    );
                    findings.extend(found.into_iter().map(|(_, finding)| finding));
                    let contents: std::collections::HashMap<&Path, &str> = read
                        .iter()
                        .filter_map(|(path, content, _)| Some((path.as_path(), content.as_deref()?)))
                        .collect();
                    let files: Vec<&Path> =
                        analysis.index().map(|index| index.runbook_paths().collect()).unwrap_or_default();
                    let checked: Vec<(&Path, Vec<Finding>)> = files
                        .par_iter()
                        .map(|path| {
                            let found = self.runbook_findings(root, &analysis, path);
                            progress.tick();
                            (*path, found)
                        })
                        .collect();
                    for (path, found) in checked {
                        if let Some(content) = contents.get(path) {
                            let cached = found.iter().map(|finding| to_cached(finding, None)).collect();
                            cache.set_runbook(relative_path(root, path), content.to_string(), cached);
                        }
                        findings.extend(found);
                    }
                }
            }
            progress.finish();
            findings.extend(read.into_iter().filter_map(|(_, _, cached)| cached).flatten());
            if let Err(error) = cache.save() {
                // A cache that cannot be written only makes the next run slower.
                eprintln!("runbook-ls: cannot write the check cache: {error}");
            }
        }
        finish(findings)
    }

    /// The given paths that could not be read, as findings.
    fn unreadable_findings(&self) -> Vec<Finding> {
        let cwd = &self.cwd;
        self.targets
            .unreadable
            .iter()
            .map(|(path, why)| {
                let message = format!("cannot read {}: {why}", path.display());
                let diagnostic =
                    Diagnostic::new(DiagnosticCode::UnreadableFile, runbook_syntax::TextRange::empty(0), message);
                let start = LineCol { line: 0, col: 0 };
                finding(cwd, path, cwd, (start, start), "", &diagnostic)
            })
            .collect()
    }

    /// The findings about the workspace at `root` rather than a runbook
    /// (its configuration file, its manifests), with the file each is in.
    fn workspace_findings(&self, root: &Path, analysis: &Analysis) -> Vec<(PathBuf, Finding)> {
        analysis
            .workspace_diagnostics()
            .into_iter()
            .map(|FileDiagnostic { path, range, diagnostic }| {
                let at = |position: SourcePosition| LineCol { line: position.line, col: position.utf32 };
                let text = analysis.file_text(&path).unwrap_or_default();
                let snippet = text.get(range.range.start..range.range.end).unwrap_or_default();
                let finding = finding(root, &path, &self.cwd, (at(range.start), at(range.end)), snippet, &diagnostic);
                (path, finding)
            })
            .collect()
    }

    /// The findings of one runbook of the workspace at `root`.
    fn runbook_findings(&self, root: &Path, analysis: &Analysis, path: &Path) -> Vec<Finding> {
        let found = analysis.diagnostics(path);
        let parse = analysis.parse(path);
        let text = parse.as_ref().map_or("", |parse| parse.text());
        let empty = LineIndex::new("");
        let line_index = parse.as_ref().map_or(&empty, |parse| parse.line_index());
        // Findings come sorted by position: one cursor for their
        // starts and one for their ends walk a long line once each.
        let mut starts = line_index.cursor(text, Encoding::Utf32);
        let mut ends = line_index.cursor(text, Encoding::Utf32);
        found
            .iter()
            .map(|diagnostic| {
                let range = (starts.line_col(diagnostic.range.start), ends.line_col(diagnostic.range.end));
                let snippet = text.get(diagnostic.range.start..diagnostic.range.end).unwrap_or_default();
                finding(root, path, &self.cwd, range, snippet, diagnostic)
            })
            .collect()
    }
}

/// The runbooks that `paths` name under `root`, whose walk is `root_files`:
/// the root itself (the usual `check .`) is not walked a second time.
fn named_runbooks<'a>(
    fs: &dyn FileSystem,
    root: &Path,
    root_files: impl Iterator<Item = &'a PathBuf>,
    paths: &[PathBuf],
) -> Vec<PathBuf> {
    let parts: Vec<PathBuf> = paths.iter().filter(|path| *path != root).cloned().collect();
    let mut runbooks = IndexScope::named_runbooks(fs, &parts);
    if parts.len() < paths.len() {
        runbooks.extend(root_files.filter(|file| runbook_ide::is_markdown(file)).cloned());
    }
    runbooks.into_iter().collect()
}

/// The findings sorted, each once, with their fingerprints.
fn finish(mut findings: Vec<Finding>) -> Vec<Finding> {
    // Stable: findings at one place keep the order the rules gave them.
    findings
        .sort_by(|a, b| (&a.display_path, a.line, a.column, a.code).cmp(&(&b.display_path, b.line, b.column, b.code)));
    // The same file reached through two of the given paths is reported once.
    let mut seen = std::collections::HashSet::new();
    findings.retain(|finding| seen.insert(finding.clone()));
    fingerprint::assign(&mut findings);
    findings
}

/// A finding as the cache keeps it; `path` (absolute) for findings that are
/// not about the runbook they are filed under.
fn to_cached(finding: &Finding, path: Option<&Path>) -> CachedFinding {
    CachedFinding {
        path: path.map(Path::to_path_buf),
        line: finding.line,
        column: finding.column,
        end_line: finding.end_line,
        end_column: finding.end_column,
        severity: finding.severity.as_str().to_string(),
        code: finding.code.as_str().to_string(),
        message: finding.message.clone(),
        snippet: finding.snippet.clone(),
    }
}

/// The cached findings of the runbook at `path` as findings of this run;
/// `None` if one names a code or severity this binary does not know.
fn restore(root: &Path, path: &Path, cwd: &Path, cached: &[CachedFinding]) -> Option<Vec<Finding>> {
    cached.iter().map(|cached| restore_one(root, cached.path.as_deref().unwrap_or(path), cwd, cached)).collect()
}

fn restore_one(root: &Path, path: &Path, cwd: &Path, cached: &CachedFinding) -> Option<Finding> {
    Some(Finding {
        display_path: display_path(path, cwd),
        path: relative_path(root, path),
        workspace_root: root.to_path_buf(),
        line: cached.line,
        column: cached.column,
        end_line: cached.end_line,
        end_column: cached.end_column,
        severity: cached.severity()?,
        code: cached.code()?,
        message: cached.message.clone(),
        snippet: cached.snippet.clone(),
        // `finish` computes it, as for a finding of this run.
        fingerprint: String::new(),
    })
}

/// `diagnostic` as a finding in `path` of the workspace at `root`, from its
/// zero-based start and end (columns in characters).
fn finding(
    root: &Path,
    path: &Path,
    cwd: &Path,
    (start, end): (LineCol, LineCol),
    snippet: &str,
    diagnostic: &Diagnostic,
) -> Finding {
    Finding {
        display_path: display_path(path, cwd),
        path: relative_path(root, path),
        workspace_root: root.to_path_buf(),
        line: start.line + 1,
        column: start.col + 1,
        end_line: end.line + 1,
        end_column: end.col + 1,
        severity: diagnostic.severity,
        code: diagnostic.code,
        message: diagnostic.message.clone(),
        snippet: snippet.to_string(),
        fingerprint: String::new(),
    }
}

/// A progress line on stderr for large trees, when someone is watching.
struct Progress {
    total: usize,
    done: AtomicUsize,
    shown: bool,
}

impl Progress {
    const MIN_FILES: usize = 200;

    fn new(total: usize) -> Progress {
        let shown = total >= Progress::MIN_FILES && io::stderr().is_terminal();
        Progress { total, done: AtomicUsize::new(0), shown }
    }

    fn tick(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if self.shown && (done.is_multiple_of(50) || done == self.total) {
            eprint!("\rrunbook-ls: checked {done}/{} files", self.total);
        }
    }

    fn finish(&self) {
        if self.shown {
            eprintln!();
        }
    }
}

fn display_path(path: &Path, cwd: &Path) -> String {
    path.strip_prefix(cwd).unwrap_or(path).display().to_string()
}

fn relative_path(root: &Path, path: &Path) -> String {
    slash_path(path.strip_prefix(root).unwrap_or(path))
}
