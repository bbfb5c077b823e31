//! Baselines, for adopting runbook-ls on a repository that already has
//! findings: `check --write-baseline FILE` records today's findings, and
//! `check --baseline FILE` then reports only the findings that are not in it,
//! matched by fingerprint (see `fingerprint`), so that edits above a known
//! finding do not bring it back.

use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;

use serde::{Deserialize, Serialize};

use crate::check::Finding;

const FORMAT_VERSION: u32 = 1;

/// The file: findings sorted as `check` prints them. Only `fingerprint`
/// matters for matching; the rest tells a reviewer what was accepted.
#[derive(Serialize, Deserialize)]
struct BaselineFile {
    tool: String,
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    fingerprint: String,
    path: String,
    line: u32,
    code: String,
    message: String,
}

/// Writes every finding to `file` and says so on stderr; nothing is printed
/// on stdout and the exit status is 0: the findings are accepted.
pub fn write(file: &Path, findings: &[Finding]) -> ExitCode {
    let baseline = BaselineFile {
        tool: "runbook-ls".to_string(),
        version: FORMAT_VERSION,
        findings: findings
            .iter()
            .map(|finding| Entry {
                fingerprint: finding.fingerprint.clone(),
                path: finding.path.clone(),
                line: finding.line,
                code: finding.code.as_str().to_string(),
                message: finding.message.clone(),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&baseline).expect("a baseline serializes");
    text.push('\n');
    if let Err(error) = std::fs::write(file, text) {
        eprintln!("runbook-ls: cannot write the baseline {}: {error}", file.display());
        return ExitCode::from(2);
    }
    eprintln!("runbook-ls: wrote {} to the baseline {}", count(findings.len(), "finding"), file.display());
    ExitCode::SUCCESS
}

/// The findings that are not in the baseline `file`, and on stderr how many
/// were left out as known and how many baseline entries are fixed. When only
/// some files were checked (`--affected-by`), only the entries of those
/// (workspace-relative `checked` paths) can be fixed.
pub fn filter(file: &Path, findings: Vec<Finding>, checked: Option<&[String]>) -> Result<Vec<Finding>, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|error| format!("cannot read the baseline {}: {error}", file.display()))?;
    let baseline: BaselineFile = serde_json::from_str(&text).map_err(|error| {
        format!("{} is not a runbook-ls baseline ({error}): write one with --write-baseline", file.display())
    })?;
    if baseline.version != FORMAT_VERSION {
        return Err(format!(
            "{} is a version {} baseline; this runbook-ls reads version {FORMAT_VERSION}: write it again with --write-baseline",
            file.display(),
            baseline.version
        ));
    }
    let in_scope = |path: &str| checked.is_none_or(|checked| checked.iter().any(|file| file == path));
    let outcome = Outcome::of(&baseline, findings, in_scope);
    eprintln!(
        "runbook-ls: {} not in the baseline; {} in the baseline (not shown); {} fixed",
        count(outcome.new.len(), "finding"),
        outcome.n_known,
        count(outcome.n_fixed, "baseline entry"),
    );
    Ok(outcome.new)
}

struct Outcome {
    new: Vec<Finding>,
    /// Findings matched by a baseline entry.
    n_known: usize,
    /// Baseline entries of the checked files that no finding matched.
    n_fixed: usize,
}

impl Outcome {
    fn of(baseline: &BaselineFile, findings: Vec<Finding>, in_scope: impl Fn(&str) -> bool) -> Outcome {
        // Counted, not a set: a baseline edited by hand may repeat an entry.
        let mut unmatched: HashMap<&str, usize> = HashMap::new();
        for entry in baseline.findings.iter().filter(|entry| in_scope(&entry.path)) {
            *unmatched.entry(entry.fingerprint.as_str()).or_default() += 1;
        }
        let mut new = Vec::new();
        let mut n_known = 0;
        for finding in findings {
            match unmatched.get_mut(finding.fingerprint.as_str()) {
                Some(left) if *left > 0 => {
                    *left -= 1;
                    n_known += 1;
                }
                _ => new.push(finding),
            }
        }
        Outcome { new, n_known, n_fixed: unmatched.values().sum() }
    }
}

fn count(n: usize, what: &str) -> String {
    match (n, what.strip_suffix('y')) {
        (1, _) => format!("1 {what}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        (_, None) => format!("{n} {what}s"),
    }
}
