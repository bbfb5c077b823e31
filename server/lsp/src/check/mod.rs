//! `runbook-ls check`: the server's diagnostics for whole trees, for CI.
//! Each workspace the paths belong to gets an `AnalysisHost`, indexed for
//! exactly those paths; the findings are its diagnostics, printed in one of
//! the `format`s.

mod affected;
mod baseline;
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
    let analyses = run.analyses(|root| Arc::new(RealFs::new([root.to_path_buf()])));
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
                let mut host = AnalysisHost::new(root.clone(), fs(root));
                let config_file = self.config_file.clone().unwrap_or_else(|| host.analysis().read_config_file());
                host.set_settings(config_file, Vec::new());
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

    /// The runbooks under the given paths of the workspace at `root` that
    /// the `changed` files affect.
    fn affected_files(&self, root: &Path, analysis: &Analysis, changed: &[PathBuf]) -> Vec<PathBuf> {
        let under_paths = self.targets.paths(root);
        let mut affected = analysis.affected_runbooks(changed);
        affected.retain(|runbook| under_paths.iter().any(|path| runbook.starts_with(path)));
        affected
    }

    pub fn findings(&self, analyses: &[(PathBuf, Analysis)]) -> Vec<Finding> {
        let cwd = &self.cwd;
        let mut findings = Vec::new();
        for (path, why) in &self.targets.unreadable {
            let message = format!("cannot read {}: {why}", path.display());
            let diagnostic =
                Diagnostic::new(DiagnosticCode::UnreadableFile, runbook_syntax::TextRange::empty(0), message);
            let start = LineCol { line: 0, col: 0 };
            findings.push(finding(cwd, path, cwd, (start, start), "", &diagnostic));
        }
        let mut n_affected = 0;
        for (root, analysis) in analyses {
            for FileDiagnostic { path, range, diagnostic } in analysis.workspace_diagnostics() {
                if self.changed.as_ref().is_some_and(|changed| !changed.contains(&path)) {
                    continue;
                }
                let at = |position: SourcePosition| LineCol { line: position.line, col: position.utf32 };
                let text = analysis.file_text(&path).unwrap_or_default();
                let snippet = text.get(range.range.start..range.range.end).unwrap_or_default();
                findings.push(finding(root, &path, cwd, (at(range.start), at(range.end)), snippet, &diagnostic));
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
                    let found = analysis.diagnostics(path);
                    let parse = analysis.parse(path);
                    let text = parse.as_ref().map_or("", |parse| parse.text());
                    let empty = LineIndex::new("");
                    let line_index = parse.as_ref().map_or(&empty, |parse| parse.line_index());
                    // Findings come sorted by position: one cursor for their
                    // starts and one for their ends walk a long line once each.
                    let mut starts = line_index.cursor(text, Encoding::Utf32);
                    let mut ends = line_index.cursor(text, Encoding::Utf32);
                    progress.tick();
                    found
                        .iter()
                        .map(|diagnostic| {
                            let range = (starts.line_col(diagnostic.range.start), ends.line_col(diagnostic.range.end));
                            let snippet = text.get(diagnostic.range.start..diagnostic.range.end).unwrap_or_default();
                            finding(root, path, cwd, range, snippet, diagnostic)
                        })
                        .collect()
                })
                .collect();
            progress.finish();
            findings.extend(per_file.into_iter().flatten());
        }
        if let Some(changed) = &self.changed {
            affected::report(changed.len(), n_affected);
        }
        // Stable: findings at one place keep the order the rules gave them.
        findings.sort_by(|a, b| {
            (&a.display_path, a.line, a.column, a.code).cmp(&(&b.display_path, b.line, b.column, b.code))
        });
        // The same file reached through two of the given paths is reported once.
        let mut seen = std::collections::HashSet::new();
        findings.retain(|finding| seen.insert(finding.clone()));
        fingerprint::assign(&mut findings);
        findings
    }
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
