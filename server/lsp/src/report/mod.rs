//! `runbook-ls report`: the audit inventory of a workspace (every Action's
//! safety, KEYs, side effects, preconditions, rollback and findings) as one
//! self-contained HTML page or as JSON. The inventory comes from the same
//! `Analysis` as `check`; this module only finds the workspace and writes.

mod html;
mod json;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use runbook_ide::Inventory;
use runbook_keys::fs::RealFs;

use crate::check::Run;

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Files or folders to report on [default: the current directory]; all in one workspace.
    pub paths: Vec<PathBuf>,
    /// Where to write the report [default: standard output].
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// What to write.
    #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
    pub format: ReportFormat,
    /// The configuration file to use instead of `<workspace root>/runbook-ls.toml`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    /// One self-contained HTML page (inline styles, a small inline script to filter).
    Html,
    /// The same inventory as one JSON object.
    Json,
}

/// The inventory of one workspace, and what the page calls it.
pub struct Report {
    /// The workspace root's folder name.
    pub workspace: String,
    pub inventory: Inventory,
}

/// Writes the report; 0 when written, 2 when it could not be (one line on
/// stderr says why). Findings do not change the status: `check` is the gate.
pub fn run(args: ReportArgs) -> ExitCode {
    let report = match report(&args.paths, args.config.as_deref()) {
        Ok(report) => report,
        Err(message) => {
            eprintln!("runbook-ls: {message}");
            return ExitCode::from(2);
        }
    };
    let text = match args.format {
        ReportFormat::Html => html::render(&report),
        ReportFormat::Json => json::render(&report),
    };
    let written = match &args.output {
        Some(path) => std::fs::write(path, text)
            .map_err(|error| format!("cannot write the report to {}: {error}", path.display())),
        None => {
            let mut out = io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .map_err(|error| format!("cannot write the report: {error}"))
        }
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("runbook-ls: {message}");
            ExitCode::from(2)
        }
    }
}

/// The inventory of the workspace the paths belong to, indexed for exactly
/// those paths as `check` indexes them.
pub fn report(paths: &[PathBuf], config: Option<&Path>) -> Result<Report, String> {
    let run = Run::for_paths(paths, config)?;
    if let Some((path, why)) = run.unreadable().first() {
        return Err(format!("cannot read {}: {why}", path.display()));
    }
    let mut analyses = run.analyses(|root| Arc::new(RealFs::new([root.to_path_buf()])));
    if analyses.len() > 1 {
        let roots: Vec<String> = analyses.iter().map(|(root, _)| root.display().to_string()).collect();
        return Err(format!(
            "the paths belong to {} workspaces ({}): report on one workspace at a time",
            analyses.len(),
            roots.join(", ")
        ));
    }
    let (root, analysis) = analyses.pop().ok_or("nothing to report on")?;
    let workspace = root.file_name().map_or_else(|| root.display().to_string(), |name| name.to_string_lossy().into());
    Ok(Report { workspace, inventory: analysis.inventory() })
}

#[cfg(test)]
mod tests;
