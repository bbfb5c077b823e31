//! W5: `runbook-ls check --format json` on the W4 workspace, as CI runs it,
//! and the peers' checks of the same workspace, run in turn so that a busy
//! moment of the machine falls on all of them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde_json::Value;

use super::peers::{Compared, Comparison, Installed};
use super::report::{Outcome, Row, Target};
use super::stats::{millis, summarize};

/// The markdown files under `root`, which is what `check` lints.
fn markdown_files(root: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(root) else { return Vec::new() };
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => files.extend(markdown_files(&path)),
            Ok(kind)
                if kind.is_file()
                    && path.extension().is_some_and(|extension| extension == "md" || extension == "markdown") =>
            {
                files.push(path)
            }
            _ => {}
        }
    }
    files
}

/// How many of the markdown `files` tree-sitter-md's block grammar alone
/// reads per second, in process on every core: the part of a
/// `check` that no change of ours can make faster, since every runbook's
/// model is read from that grammar's tree. The median of `n_runs`.
fn block_grammar_floor(files: &[PathBuf], n_runs: usize) -> Row {
    let texts: Vec<String> = files.iter().filter_map(|path| std::fs::read_to_string(path).ok()).collect();
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let rates: Vec<f64> = (0..n_runs)
        .map(|_| {
            let next = AtomicUsize::new(0);
            let started = Instant::now();
            std::thread::scope(|scope| {
                for _ in 0..threads {
                    scope.spawn(|| {
                        let mut parser = tree_sitter::Parser::new();
                        parser
                            .set_language(&tree_sitter_md::LANGUAGE.into())
                            .expect("tree-sitter-md's block grammar loads");
                        while let Some(text) = texts.get(next.fetch_add(1, Ordering::Relaxed)) {
                            assert!(parser.parse(text, None).is_some(), "no timeout is set");
                        }
                    });
                }
            });
            texts.len() as f64 / started.elapsed().as_secs_f64()
        })
        .collect();
    let outcome = match summarize(&rates) {
        Some(summary) => Outcome::Measured(summary),
        None => Outcome::Failed("no markdown files".to_string()),
    };
    Row::new(
        "floor",
        format!(
            "in process: tree-sitter-md's block grammar alone over the W5 files, {threads} threads (p50 = median run)"
        ),
        "files/s",
        outcome,
    )
}

/// One checker's command line.
struct Checker {
    program: PathBuf,
    args: Vec<String>,
    cwd: PathBuf,
}

/// What one run of a checker took.
struct Timed {
    wall_ms: f64,
    /// User and system time of the process and its threads, in milliseconds.
    cpu_ms: Option<f64>,
    output: Output,
}

/// The user and system time of this process's waited-for children, in
/// milliseconds (`/proc/self/stat`, in clock ticks of 10 ms).
fn children_cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces): state is field 3,
    // cutime and cstime are fields 16 and 17.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |index: usize| fields.get(index - 3)?.parse::<f64>().ok();
    Some((ticks(16)? + ticks(17)?) * 10.0)
}

impl Checker {
    fn run_once(&self) -> std::io::Result<Timed> {
        let cpu_before = children_cpu_ms();
        let started = Instant::now();
        let output =
            Command::new(&self.program).args(&self.args).current_dir(&self.cwd).stdin(Stdio::null()).output()?;
        let wall_ms = millis(started.elapsed());
        let cpu_ms = cpu_before.zip(children_cpu_ms()).map(|(before, after)| after - before);
        Ok(Timed { wall_ms, cpu_ms, output })
    }
}

/// Every run of one checker, or why it stopped.
#[derive(Default)]
struct Runs {
    wall: Vec<f64>,
    rates: Vec<f64>,
    cpu: Vec<f64>,
    failure: Option<String>,
}

impl Runs {
    fn record(&mut self, result: std::io::Result<Timed>, program: &Path, n_files: usize) -> Option<Output> {
        let timed = match result {
            Ok(timed) => timed,
            Err(error) => {
                self.failure = Some(format!("cannot run {}: {error}", program.display()));
                return None;
            }
        };
        let code = timed.output.status.code();
        // 0: nothing found, 1: findings; anything else means it could not run.
        if !matches!(code, Some(0 | 1)) {
            let stderr = String::from_utf8_lossy(&timed.output.stderr);
            self.failure = Some(format!("exit status {:?}: {}", code, stderr.lines().next().unwrap_or_default()));
            return None;
        }
        self.wall.push(timed.wall_ms);
        self.rates.push(n_files as f64 / (timed.wall_ms / 1000.0));
        self.cpu.extend(timed.cpu_ms);
        Some(timed.output)
    }

    fn outcome(&self, samples: &[f64]) -> Outcome {
        match (&self.failure, summarize(samples)) {
            (Some(reason), _) => Outcome::Failed(reason.clone()),
            (None, Some(summary)) => Outcome::Measured(summary),
            (None, None) => Outcome::Failed("no runs".to_string()),
        }
    }

    fn cpu_note(&self) -> Option<String> {
        let cpu = summarize(&self.cpu)?;
        let wall = summarize(&self.wall)?;
        Some(format!(
            "median run: {:.2} s of CPU (user + system, all threads) in {:.2} s of wall time",
            cpu.p50 / 1000.0,
            wall.p50 / 1000.0
        ))
    }
}

/// What W5 measured: runbook-ls's rows and the peers' comparisons.
pub struct Checked {
    pub wall_row: Row,
    pub rate_row: Row,
    /// `check --cache` when nothing changed since the last run.
    pub warm_row: Row,
    pub comparisons: Vec<Comparison>,
    /// What the block grammar alone reads per second (see `block_grammar_floor`).
    pub floor_row: Row,
}

/// Runs the check of `root` `n_runs` times, each run followed by one check
/// of each peer. The check of `one_runbook` alone, in the notes, shows what
/// the KEY index costs before any runbook is checked.
pub fn run(binary: &Path, root: &Path, one_runbook: &Path, n_runs: usize, peers: &[Installed]) -> Checked {
    let files = markdown_files(root);
    let n_files = files.len();
    let ours = |target: &Path| Checker {
        program: binary.to_path_buf(),
        args: vec!["check".to_string(), "--format".to_string(), "json".to_string(), target.display().to_string()],
        cwd: root.parent().unwrap_or(root).to_path_buf(),
    };
    let peer_checkers: Vec<(Checker, String)> = peers
        .iter()
        .map(|peer| {
            let (args, command) = match peer.tool.name {
                "rumdl" => (vec!["check", "--no-cache", "."], "rumdl check --no-cache ."),
                _ => (vec!["**/*.md"], "markdownlint-cli2 \"**/*.md\""),
            };
            let checker = Checker {
                program: peer.path.clone(),
                args: args.into_iter().map(str::to_string).collect(),
                cwd: root.to_path_buf(),
            };
            (checker, command.to_string())
        })
        .collect();

    let mut runs = Runs::default();
    let mut peer_runs: Vec<Runs> = peers.iter().map(|_| Runs::default()).collect();
    let mut notes = Vec::new();
    let checker = ours(root);
    for run in 0..n_runs {
        if runs.failure.is_some() {
            break;
        }
        if let Some(output) = runs.record(checker.run_once(), binary, n_files)
            && run == 0
        {
            notes.push(findings_note(&output, n_files));
        }
        for ((peer_checker, _), peer_runs) in peer_checkers.iter().zip(&mut peer_runs) {
            if peer_runs.failure.is_none() {
                peer_runs.record(peer_checker.run_once(), &peer_checker.program, n_files);
            }
        }
    }
    notes.extend(runs.cpu_note());
    if runs.failure.is_none()
        && let Ok(timed) = ours(one_runbook).run_once()
    {
        notes.push(format!(
            "checking one runbook of the same workspace takes {:.0} ms (exit status {}): the KEY index alone",
            timed.wall_ms,
            timed.output.status.code().unwrap_or(-1)
        ));
    }
    let mut wall_row = Row::new("W5", "CLI: check --format json, wall time", "ms", runs.outcome(&runs.wall));
    wall_row.notes = notes;
    let rate_row =
        Row::new("W5", "CLI: check, files per second (p50 = median run)", "files/s", runs.outcome(&runs.rates))
            .with_targets(&[Target::P50AtLeast(1000.0)]);
    let warm_row = warm(binary, root, n_files, n_runs, &runs);
    let floor_row = block_grammar_floor(&files, n_runs);

    let comparisons = peers
        .iter()
        .zip(peer_checkers)
        .zip(peer_runs)
        .map(|((peer, (_, command)), peer_runs)| {
            let compared = match (rate_row.summary(), peer_runs.outcome(&peer_runs.rates)) {
                (_, Outcome::Failed(reason)) => Compared::Failed(reason),
                (Some(ours), Outcome::Measured(theirs)) => {
                    Compared::Measured { runbook_ls: *ours, peer: theirs, higher_is_better: true }
                }
                _ => Compared::Failed("runbook-ls check did not run".to_string()),
            };
            let mut notes = vec![format!("{n_files} markdown files; runs alternate with runbook-ls's")];
            notes.extend(peer_runs.cpu_note());
            if peer.label().starts_with("rumdl") {
                // Issue 15: at least rumdl's files per second in the same run.
                if let Compared::Measured { runbook_ls, peer: theirs, .. } = &compared {
                    let ratio = runbook_ls.p50 / theirs.p50;
                    let met = if ratio >= 1.0 { "met" } else { "not met" };
                    notes.push(format!("target ≥ 1.0× rumdl's files per second: {ratio:.2}×, {met}"));
                    if let Some(floor) = floor_row.summary() {
                        notes.push(format!(
                            "tree-sitter-md's block grammar alone reads {:.0} files/s on every core ({:.2}× rumdl's): \
                             check reads each runbook's model from that grammar's tree, so this bounds it",
                            floor.p50,
                            floor.p50 / theirs.p50
                        ));
                    }
                }
            }
            Comparison {
                workload: "W5",
                what: "check of the W4 workspace, files per second (median run)",
                peer: peer.label(),
                command,
                unit: "files/s",
                compared,
                notes,
            }
        })
        .collect();
    Checked { wall_row, rate_row, warm_row, comparisons, floor_row }
}

/// `check --cache` of the same workspace: one run fills the cache (in a
/// folder beside the workspace, so that the peers never see it), then
/// `n_runs` warm runs, whose median is compared with the cold runs'.
fn warm(binary: &Path, root: &Path, n_files: usize, n_runs: usize, cold: &Runs) -> Row {
    let cache_dir = root.parent().unwrap_or(root).join("check-cache");
    let _ = std::fs::remove_dir_all(&cache_dir);
    let checker = Checker {
        program: binary.to_path_buf(),
        args: ["check", "--format", "json", "--cache", "--cache-dir"]
            .into_iter()
            .map(str::to_string)
            .chain([cache_dir.display().to_string(), root.display().to_string()])
            .collect(),
        cwd: root.parent().unwrap_or(root).to_path_buf(),
    };
    let mut runs = Runs::default();
    let filled = checker.run_once();
    let filled_output = filled.as_ref().ok().map(|timed| timed.output.stdout.clone());
    let filling_ms = filled.as_ref().ok().map(|timed| timed.wall_ms);
    if let Err(error) = filled {
        runs.failure = Some(format!("cannot run {}: {error}", binary.display()));
    }
    let mut same_findings = true;
    for _ in 0..n_runs {
        if runs.failure.is_some() {
            break;
        }
        if let Some(output) = runs.record(checker.run_once(), binary, n_files) {
            same_findings &= filled_output.as_deref() == Some(output.stdout.as_slice());
        }
    }
    let mut row =
        Row::new("W5", "CLI: check --cache, warm run (nothing changed), wall time", "ms", runs.outcome(&runs.wall));
    if let (Some(cold), Some(warm)) = (summarize(&cold.wall), summarize(&runs.wall)) {
        row.note(format!("median cold run / median warm run: {:.1}× (target ≥ 10×)", cold.p50 / warm.p50));
    }
    if let Some(filling_ms) = filling_ms {
        row.note(format!("the run that filled the cache took {filling_ms:.0} ms"));
    }
    row.note(if same_findings {
        "every warm run printed the same findings as the run that filled the cache"
    } else {
        "a warm run printed other findings than the run that filled the cache"
    });
    row.notes.extend(runs.cpu_note());
    let _ = std::fs::remove_dir_all(&cache_dir);
    row
}

fn findings_note(output: &Output, n_files: usize) -> String {
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
    format!(
        "{n_files} markdown files; exit status {}; {} findings ({}); {:.1} MB of JSON",
        output.status.code().unwrap_or(-1),
        findings.len(),
        top.join(", "),
        output.stdout.len() as f64 / (1024.0 * 1024.0),
    )
}
