//! `runbook-ls check`: the server's diagnostics for a whole tree, for CI.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use rayon::prelude::*;
use runbook_ide::{Diagnostic, Severity};
use runbook_syntax::{Encoding, LineIndex, Parse};

use crate::workspace::WorkspaceState;

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Files or folders to check [default: the current directory].
    pub paths: Vec<PathBuf>,
    /// How to print the findings.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `path:line:col: severity[code] message`, one per line.
    Text,
}

/// One finding, positioned for people: 1-based lines, columns in characters.
#[derive(Debug, Clone)]
pub struct Finding {
    /// As the user would open it: relative to the current directory when under it.
    pub display_path: String,
    pub line: u32,
    pub column: u32,
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
}

pub fn run(args: CheckArgs) -> ExitCode {
    match check(&args) {
        Ok(findings) => {
            let n_errors = findings.iter().filter(|finding| finding.severity == Severity::Error).count();
            if let Err(error) = print(&findings, args.format) {
                eprintln!("runbook-ls: cannot write the findings: {error}");
                return ExitCode::from(2);
            }
            eprintln!("runbook-ls: {} finding(s), {} error(s)", findings.len(), n_errors);
            if n_errors > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS }
        }
        Err(message) => {
            eprintln!("runbook-ls: {message}");
            ExitCode::from(2)
        }
    }
}

/// Every finding under the given paths, sorted by path and position.
pub fn check(args: &CheckArgs) -> Result<Vec<Finding>, String> {
    let cwd = std::env::current_dir().map_err(|error| format!("cannot read the current directory: {error}"))?;
    let paths = if args.paths.is_empty() { vec![cwd.clone()] } else { args.paths.clone() };
    let mut findings = Vec::new();
    for path in paths {
        let absolute = cwd.join(&path);
        let absolute = absolute.canonicalize().map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        let root = workspace_root(&absolute);
        let workspace = WorkspaceState::new(root);
        let files: Vec<PathBuf> = if absolute.is_dir() {
            workspace.fs.walk(&absolute).into_iter().filter(|file| is_markdown(file)).collect()
        } else {
            vec![absolute.clone()]
        };
        let per_file: Vec<Result<Vec<Finding>, String>> =
            files.par_iter().map(|file| check_file(&workspace, file, &cwd)).collect();
        for file_findings in per_file {
            findings.extend(file_findings?);
        }
    }
    findings
        .sort_by(|a, b| (&a.display_path, a.line, a.column, a.code).cmp(&(&b.display_path, b.line, b.column, b.code)));
    Ok(findings)
}

fn check_file(workspace: &WorkspaceState, path: &Path, cwd: &Path) -> Result<Vec<Finding>, String> {
    let text = workspace.fs.read_to_string(path).map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let parse = Parse::new(&text);
    let found = runbook_ide::diagnostics(&runbook_ide::File { path, parse: &parse }, &workspace.ide());
    let display_path = display_path(path, cwd);
    Ok(found.iter().map(|diagnostic| finding(&display_path, &text, parse.line_index(), diagnostic)).collect())
}

fn finding(display_path: &str, text: &str, line_index: &LineIndex, diagnostic: &Diagnostic) -> Finding {
    let start = line_index.line_col(text, diagnostic.range.start, Encoding::Utf32);
    Finding {
        display_path: display_path.to_string(),
        line: start.line + 1,
        column: start.col + 1,
        severity: diagnostic.severity,
        code: diagnostic.code.as_str(),
        message: diagnostic.message.clone(),
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
    }
    out.flush()
}

/// The nearest ancestor (or the path itself) that holds `runbook-ls.toml` or
/// a default key root; else the path itself (its folder, for a file).
pub fn workspace_root(path: &Path) -> PathBuf {
    let start = if path.is_dir() { path } else { path.parent().unwrap_or(path) };
    for dir in start.ancestors() {
        let is_root = dir.join("runbook-ls.toml").is_file()
            || ["node-keys", "next-keys", "jupyter-keys"].iter().any(|root| dir.join(root).is_dir());
        if is_root {
            return dir.to_path_buf();
        }
    }
    start.to_path_buf()
}

fn is_markdown(path: &Path) -> bool {
    path.extension().is_some_and(|extension| extension == "md" || extension == "markdown")
}

fn display_path(path: &Path, cwd: &Path) -> String {
    path.strip_prefix(cwd).unwrap_or(path).display().to_string()
}
