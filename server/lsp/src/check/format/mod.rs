//! How `runbook-ls check` prints its findings: one file per format.

mod github;
mod gitlab;
mod json;
mod junit;
pub mod sarif;
mod text;

use std::io::{self, Write};

use clap::ValueEnum;

use crate::check::Finding;

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `path:line:col: severity[code] message`, one per line.
    Text,
    /// One JSON array of findings.
    Json,
    /// SARIF 2.1.0, for code-scanning services.
    Sarif,
    /// GitHub Actions workflow commands: annotations on the pull request.
    Github,
    /// GitLab Code Quality JSON.
    Gitlab,
    /// JUnit XML: one failing test case per finding.
    Junit,
}

/// Writes the findings to standard output in `format`.
pub fn print(findings: &[Finding], format: Format) -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match format {
        Format::Text => text::write(&mut out, findings)?,
        Format::Json => json::write(&mut out, findings)?,
        Format::Sarif => sarif::write(&mut out, findings)?,
        Format::Github => github::write(&mut out, findings)?,
        Format::Gitlab => gitlab::write(&mut out, findings)?,
        Format::Junit => junit::write(&mut out, findings)?,
    }
    out.flush()
}
