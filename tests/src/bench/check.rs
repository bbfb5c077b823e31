//! W5: `runbook-ls check --format json` on the W4 workspace, as CI runs it.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use serde_json::Value;

use super::report::{Outcome, Row, Target};
use super::stats::{millis, summarize};

/// The markdown files under `root`, which is what `check` lints.
pub fn count_markdown_files(root: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(root) else { return 0 };
    entries
        .flatten()
        .map(|entry| {
            let path = entry.path();
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => count_markdown_files(&path),
                Ok(kind) if kind.is_file() => {
                    usize::from(path.extension().is_some_and(|extension| extension == "md" || extension == "markdown"))
                }
                _ => 0,
            }
        })
        .sum()
}

fn check_once(binary: &Path, root: &Path, target: &Path) -> std::io::Result<(f64, std::process::Output)> {
    let started = Instant::now();
    let output = Command::new(binary)
        .args(["check", "--format", "json"])
        .arg(target)
        .current_dir(root.parent().unwrap_or(root))
        .output()?;
    Ok((millis(started.elapsed()), output))
}

/// Runs the check of `root` `n_runs` times; returns the wall-time row and
/// the files-per-second row. The check of `one_runbook` alone, in the notes,
/// shows what the KEY index costs before any runbook is checked.
pub fn run(binary: &Path, root: &Path, one_runbook: &Path, n_runs: usize) -> (Row, Row) {
    let n_files = count_markdown_files(root);
    let mut wall = Vec::new();
    let mut rates = Vec::new();
    let mut notes = Vec::new();
    let mut failure = None;
    for run in 0..n_runs {
        let (elapsed, output) = match check_once(binary, root, root) {
            Ok(measured) => measured,
            Err(error) => {
                failure = Some(format!("cannot run {}: {error}", binary.display()));
                break;
            }
        };
        let code = output.status.code();
        if !matches!(code, Some(0 | 1)) {
            let stderr = String::from_utf8_lossy(&output.stderr);
            failure = Some(format!("exit status {:?}: {}", code, stderr.lines().next().unwrap_or_default()));
            break;
        }
        wall.push(elapsed);
        rates.push(n_files as f64 / (elapsed / 1000.0));
        if run == 0 {
            let findings: Vec<Value> = serde_json::from_slice::<Value>(&output.stdout)
                .ok()
                .and_then(|value| value.as_array().cloned())
                .unwrap_or_default();
            let mut by_code: BTreeMap<String, usize> = BTreeMap::new();
            for finding in &findings {
                *by_code.entry(finding["code"].as_str().unwrap_or("?").to_string()).or_default() += 1;
            }
            let mut codes: Vec<(String, usize)> = by_code.into_iter().collect();
            codes.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let top: Vec<String> = codes.iter().take(6).map(|(code, n)| format!("{code} {n}")).collect();
            notes.push(format!(
                "{n_files} markdown files; exit status {}; {} findings ({}); {:.1} MB of JSON",
                code.unwrap_or(-1),
                findings.len(),
                top.join(", "),
                output.stdout.len() as f64 / (1024.0 * 1024.0),
            ));
        }
    }
    if failure.is_none()
        && let Ok((elapsed, output)) = check_once(binary, root, one_runbook)
    {
        notes.push(format!(
            "checking one runbook of the same workspace takes {elapsed:.0} ms (exit status {}): the KEY index alone",
            output.status.code().unwrap_or(-1)
        ));
    }
    let outcome = |samples: &[f64]| match (&failure, summarize(samples)) {
        (Some(reason), _) => Outcome::Failed(reason.clone()),
        (None, Some(summary)) => Outcome::Measured(summary),
        (None, None) => Outcome::Failed("no runs".to_string()),
    };
    let mut wall_row = Row::new("W5", "CLI: check --format json, wall time", "ms", outcome(&wall));
    wall_row.notes = notes;
    let rate_row = Row::new("W5", "CLI: check, files per second (p50 = median run)", "files/s", outcome(&rates))
        .with_targets(&[Target::P50AtLeast(1000.0)]);
    (wall_row, rate_row)
}
