//! `runbook-ls check`: the server's diagnostics for a whole tree, for CI, as
//! text, JSON or SARIF.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::{Args, ValueEnum};
use rayon::prelude::*;
use runbook_ide::{Diagnostic, DiagnosticCode, Severity};
use runbook_keys::fs::slash_path;
use runbook_syntax::{Encoding, LineCol, LineIndex, Parse, SourcePosition};
use serde_json::{Value, json};

use crate::config::CONFIG_FILE;
use crate::workspace::{WorkspaceState, is_markdown};

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
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `path:line:col: severity[code] message`, one per line.
    Text,
    /// One JSON array of findings.
    Json,
    /// SARIF 2.1.0, for code-scanning services.
    Sarif,
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
}

pub fn run(args: CheckArgs) -> ExitCode {
    let findings = match check(&args) {
        Ok(findings) => findings,
        Err(message) => {
            eprintln!("runbook-ls: {message}");
            return ExitCode::from(2);
        }
    };
    if let Err(error) = print(&findings, args.format) {
        eprintln!("runbook-ls: cannot write the findings: {error}");
        return ExitCode::from(2);
    }
    let n_errors = findings.iter().filter(|finding| finding.severity == Severity::Error).count();
    if n_errors > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

/// Every finding under the given paths, sorted by path and position.
pub fn check(args: &CheckArgs) -> Result<Vec<Finding>, String> {
    let cwd = std::env::current_dir().map_err(|error| format!("cannot read the current directory: {error}"))?;
    let config_file = match &args.config {
        Some(path) => {
            let path = cwd.join(path);
            if !path.is_file() {
                return Err(format!("cannot read the configuration file {}", path.display()));
            }
            Some(path.canonicalize().map_err(|error| format!("cannot read {}: {error}", path.display()))?)
        }
        None => None,
    };
    let paths = if args.paths.is_empty() { vec![cwd.clone()] } else { args.paths.clone() };
    let mut targets = Vec::new();
    for path in &paths {
        let absolute =
            cwd.join(path).canonicalize().map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        targets.push(absolute);
    }

    let mut findings = Vec::new();
    let mut roots: Vec<PathBuf> = targets.iter().map(|target| workspace_root(target)).collect();
    roots.sort();
    roots.dedup();
    for root in roots {
        let (mut workspace, file) = WorkspaceState::configured(root.clone(), config_file.clone(), &[]);
        workspace.index_keys();
        let mut files: Vec<PathBuf> = Vec::new();
        for target in targets.iter().filter(|target| workspace_root(target) == root) {
            if target.is_dir() {
                files.extend(workspace.fs.walk(target).into_iter().filter(|file| is_markdown(file)));
            } else {
                files.push(target.clone());
            }
        }
        files.sort();
        files.dedup();

        if !file.text.is_empty() {
            let index = LineIndex::new(&file.text);
            for diagnostic in
                file.diagnostics().into_iter().filter_map(|diagnostic| workspace.config.configured(diagnostic))
            {
                findings.push(text_finding(&workspace, &file.path, &cwd, &file.text, &index, &diagnostic));
            }
        }
        if let Some(catalog) = &workspace.catalog {
            for problem in catalog.manifest_problems() {
                findings.extend(manifest_finding(&workspace, &cwd, problem));
            }
        }
        let progress = Progress::new(files.len());
        let per_file: Vec<Result<Vec<Finding>, String>> = files
            .par_iter()
            .map(|file| {
                let result = check_file(&workspace, file, &cwd);
                progress.tick();
                result
            })
            .collect();
        progress.finish();
        for file_findings in per_file {
            findings.extend(file_findings?);
        }
    }
    // Stable: findings at one place keep the order the rules gave them.
    findings
        .sort_by(|a, b| (&a.display_path, a.line, a.column, a.code).cmp(&(&b.display_path, b.line, b.column, b.code)));
    // The same file reached through two of the given paths is reported once.
    let mut seen = std::collections::HashSet::new();
    findings.retain(|finding| seen.insert(finding.clone()));
    Ok(findings)
}

fn check_file(workspace: &WorkspaceState, path: &Path, cwd: &Path) -> Result<Vec<Finding>, String> {
    let text = workspace.fs.read_to_string(path).map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let parse = Parse::new(&text);
    let found = runbook_ide::diagnostics(&runbook_ide::File { path, parse: &parse }, &workspace.ide());
    Ok(found
        .iter()
        .map(|diagnostic| text_finding(workspace, path, cwd, &text, parse.line_index(), diagnostic))
        .collect())
}

/// A finding in a text the caller read, positioned with its line index.
fn text_finding(
    workspace: &WorkspaceState,
    path: &Path,
    cwd: &Path,
    text: &str,
    line_index: &LineIndex,
    diagnostic: &Diagnostic,
) -> Finding {
    let at = |offset| line_index.line_col(text, offset, Encoding::Utf32);
    finding(workspace, path, cwd, (at(diagnostic.range.start), at(diagnostic.range.end)), diagnostic)
}

/// A manifest problem as a finding, unless `invalid-key-manifest` is off.
fn manifest_finding(
    workspace: &WorkspaceState,
    cwd: &Path,
    problem: &runbook_keys::ManifestProblem,
) -> Option<Finding> {
    let range = &problem.location.range;
    let diagnostic = Diagnostic::new(DiagnosticCode::InvalidKeyManifest, range.range, problem.message.clone());
    let diagnostic = workspace.config.configured(diagnostic)?;
    let at = |position: SourcePosition| LineCol { line: position.line, col: position.utf32 };
    Some(finding(workspace, &problem.location.path, cwd, (at(range.start), at(range.end)), &diagnostic))
}

/// `diagnostic` as a finding in `path`, from its zero-based start and end
/// (columns in characters).
fn finding(
    workspace: &WorkspaceState,
    path: &Path,
    cwd: &Path,
    (start, end): (LineCol, LineCol),
    diagnostic: &Diagnostic,
) -> Finding {
    Finding {
        display_path: display_path(path, cwd),
        path: relative_path(&workspace.root, path),
        workspace_root: workspace.root.clone(),
        line: start.line + 1,
        column: start.col + 1,
        end_line: end.line + 1,
        end_column: end.col + 1,
        severity: diagnostic.severity,
        code: diagnostic.code,
        message: diagnostic.message.clone(),
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

fn print(findings: &[Finding], format: Format) -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match format {
        Format::Text => {
            for finding in findings {
                writeln!(
                    out,
                    "{}:{}:{}: {}[{}] {}",
                    finding.display_path, finding.line, finding.column, finding.severity, finding.code, finding.message
                )?;
            }
        }
        Format::Json => {
            let findings: Vec<JsonFinding<'_>> = findings
                .iter()
                .map(|finding| JsonFinding {
                    path: &finding.path,
                    line: finding.line,
                    column: finding.column,
                    end_line: finding.end_line,
                    end_column: finding.end_column,
                    severity: finding.severity.as_str(),
                    code: finding.code.as_str(),
                    message: &finding.message,
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &findings)?;
            writeln!(out)?;
        }
        Format::Sarif => {
            serde_json::to_writer_pretty(&mut out, &sarif_report(findings))?;
            writeln!(out)?;
        }
    }
    out.flush()
}

/// One finding of the JSON format, fields in the order SPEC 4 lists them.
#[derive(serde::Serialize)]
struct JsonFinding<'a> {
    path: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    severity: &'static str,
    code: &'static str,
    message: &'a str,
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "note",
    }
}

/// SARIF 2.1.0: one run, every rule described, paths relative to the
/// workspace root (`%SRCROOT%`), columns in Unicode code points.
pub fn sarif_report(findings: &[Finding]) -> Value {
    let rules: Vec<Value> = DiagnosticCode::ALL
        .iter()
        .map(|code| {
            let docs = runbook_ide::rule_docs(*code);
            json!({
                "id": code.as_str(),
                "name": pascal_case(code.as_str()),
                "shortDescription": { "text": code.summary() },
                "fullDescription": { "text": docs.why },
                "help": { "text": docs.help_text(), "markdown": docs.help_markdown() },
                "defaultConfiguration": { "level": sarif_level(code.default_severity()) },
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|finding| {
            json!({
                "ruleId": finding.code.as_str(),
                "ruleIndex": DiagnosticCode::ALL.iter().position(|code| *code == finding.code),
                "level": sarif_level(finding.severity),
                "message": { "text": finding.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": finding.path, "uriBaseId": "%SRCROOT%" },
                        "region": {
                            "startLine": finding.line,
                            "startColumn": finding.column,
                            "endLine": finding.end_line,
                            "endColumn": finding.end_column,
                        },
                    },
                }],
            })
        })
        .collect();
    let root = findings.first().and_then(|finding| directory_uri(&finding.workspace_root));
    let mut run = json!({
        "tool": {
            "driver": {
                "name": "runbook-ls",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/runbook-ls/runbook-ls",
                "rules": rules,
            },
        },
        "columnKind": "unicodeCodePoints",
        "results": results,
    });
    if let Some(root) = root {
        run["originalUriBaseIds"] = json!({ "%SRCROOT%": { "uri": root } });
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    })
}

fn pascal_case(code: &str) -> String {
    code.split('-').map(|word| word[..1].to_uppercase() + &word[1..]).collect()
}

/// The `file:` URI of a folder, ending in `/` as SARIF's base URIs must.
fn directory_uri(path: &Path) -> Option<String> {
    let uri = tower_lsp_server::ls_types::Uri::from_file_path(path)?;
    Some(format!("{}/", uri.as_str().trim_end_matches('/')))
}

/// The nearest ancestor (or the path itself) that holds `runbook-ls.toml` or
/// a default key root; else the path itself (its folder, for a file).
pub fn workspace_root(path: &Path) -> PathBuf {
    let start = if path.is_dir() { path } else { path.parent().unwrap_or(path) };
    for dir in start.ancestors() {
        let is_root = dir.join(CONFIG_FILE).is_file()
            || runbook_keys::KeyRoot::defaults().iter().any(|root| dir.join(&root.path).is_dir());
        if is_root {
            return dir.to_path_buf();
        }
    }
    start.to_path_buf()
}

fn display_path(path: &Path, cwd: &Path) -> String {
    path.strip_prefix(cwd).unwrap_or(path).display().to_string()
}

fn relative_path(root: &Path, path: &Path) -> String {
    slash_path(path.strip_prefix(root).unwrap_or(path))
}
