//! W5, large document: `runbook-ls check` of one runbook of several
//! megabytes (issue 15 with the hardening issue: a 5 MB runbook checked in
//! ≤ 2 s and ≤ 200 MB). The runbook is the demo's two runbooks repeated with
//! their Actions renumbered, beside a copy of the demo's KEYs, as
//! `tests/large/measure.py` builds it, so that both tell the same story.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::document::peak_rss_mb;
use super::report::{Outcome, Row, Target};
use super::stats::{millis, summarize};

/// The demo workspace the large runbook is made from.
fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo")
}

/// A runbook of at least `size` bytes: the demo's runbooks, repeated, each
/// repetition's Actions and Steps numbered apart (`Action 3` becomes
/// `Action 123` in the 12th).
pub fn runbook(size: usize) -> std::io::Result<String> {
    let mut body = String::new();
    for name in ["clean.md", "broken.md"] {
        body.push_str(&std::fs::read_to_string(demo().join("runbooks").join(name))?);
        body.push('\n');
    }
    let mut out = String::with_capacity(size + body.len());
    let mut n = 0;
    while out.len() < size {
        n += 1;
        for line in body.split_inclusive('\n') {
            out.push_str(&renumbered(line, n));
        }
    }
    Ok(out)
}

/// `### Action 3: x` as `### Action {n}3: x` (and Steps alike); other lines unchanged.
fn renumbered(line: &str, n: usize) -> String {
    let hashes = line.bytes().take_while(|&byte| byte == b'#').count();
    if hashes == 0 {
        return line.to_string();
    }
    for word in ["Action ", "Step "] {
        let Some(rest) = line[hashes..].strip_prefix(' ').and_then(|rest| rest.strip_prefix(word)) else { continue };
        if rest.starts_with(|c: char| c.is_ascii_digit()) {
            let at = line.len() - rest.len();
            return format!("{}{n}{}", &line[..at], rest);
        }
    }
    line.to_string()
}

/// One run: wall time and the peak resident memory, read from
/// `/proc/<pid>/status` (VmHWM, a high-water mark) until the process exits.
fn run_once(binary: &Path, workspace: &Path, file: &str) -> Result<(f64, Option<f64>), String> {
    let started = Instant::now();
    let mut child = Command::new(binary)
        .args(["check", "--format", "json", file])
        .current_dir(workspace)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|error| format!("cannot run {}: {error}", binary.display()))?;
    let mut peak_mb: Option<f64> = None;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|error| error.to_string())? {
            break status;
        }
        if let Some(hwm) = peak_rss_mb(child.id()) {
            peak_mb = Some(peak_mb.map_or(hwm, |peak| peak.max(hwm)));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let wall_ms = millis(started.elapsed());
    // 0: nothing found, 1: findings; anything else means it could not run.
    if !matches!(status.code(), Some(0 | 1)) {
        return Err(format!("exit status {:?}", status.code()));
    }
    Ok((wall_ms, peak_mb))
}

/// `n_runs` checks of a `megabytes` MB runbook in a workspace under `dir`:
/// the wall-time row and the peak-memory row.
pub fn run(binary: &Path, dir: &Path, megabytes: usize, n_runs: usize) -> Vec<Row> {
    let name = format!("check of a {megabytes} MB runbook");
    let failed = |reason: String| {
        vec![
            Row::new("W5", format!("{name}, wall time"), "ms", Outcome::Failed(reason))
                .with_targets(&[Target::MaxAtMost(2000.0)]),
        ]
    };
    let workspace = dir.join("large-runbook");
    let file = "runbooks/large.md";
    let written = (|| -> std::io::Result<usize> {
        crate::copy_dir(&demo().join("node-keys"), &workspace.join("node-keys"))?;
        std::fs::create_dir_all(workspace.join("runbooks"))?;
        let text = runbook(megabytes * 1_000_000)?;
        std::fs::write(workspace.join(file), &text)?;
        Ok(text.len())
    })();
    let bytes = match written {
        Ok(bytes) => bytes,
        Err(error) => return failed(format!("cannot write the large runbook: {error}")),
    };
    let mut wall = Vec::new();
    let mut peak = Vec::new();
    for _ in 0..n_runs {
        match run_once(binary, &workspace, file) {
            Ok((wall_ms, peak_mb)) => {
                wall.push(wall_ms);
                peak.extend(peak_mb);
            }
            Err(reason) => return failed(reason),
        }
    }
    let outcome =
        |samples: &[f64]| summarize(samples).map_or(Outcome::Failed("no runs".to_string()), Outcome::Measured);
    let mut wall_row =
        Row::new("W5", format!("{name}, wall time"), "ms", outcome(&wall)).with_targets(&[Target::MaxAtMost(2000.0)]);
    wall_row.note(format!(
        "{name}: {bytes} bytes, the demo's runbooks repeated beside the demo's KEYs; {n_runs} runs of `check --format json`"
    ));
    let mut peak_row = Row::new("W5", format!("{name}, peak RSS (VmHWM)"), "MB", outcome(&peak))
        .with_targets(&[Target::MaxAtMost(200.0)]);
    peak_row.note(format!("{name}: VmHWM read every 5 ms while it runs"));
    vec![wall_row, peak_row]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repetitions_number_their_actions_apart() {
        assert_eq!(renumbered("### Action 3: Replay (SAFE)\n", 12), "### Action 123: Replay (SAFE)\n");
        assert_eq!(renumbered("#### Step 2: Look\n", 4), "#### Step 42: Look\n");
        assert_eq!(renumbered("## Action Steps\n", 4), "## Action Steps\n");
        assert_eq!(renumbered("Action 3\n", 4), "Action 3\n");
        let text = runbook(100_000).unwrap();
        assert!(text.len() >= 100_000);
        assert!(text.contains("### Action 1") && text.contains("### Action 21"));
    }
}
