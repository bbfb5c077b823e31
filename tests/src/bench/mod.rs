//! The benchmark harness: generates a deterministic workspace, drives the
//! built `runbook-ls` over stdio as an editor does (W1 typing and semantic
//! tokens, W2 completion, W3 hover, W4 cold start, W6 navigation), runs
//! `runbook-ls check` on it (W5), and measures the floors those are compared
//! with, and the same workloads on the peers that are installed (see `peers`).
//! `src/bin/bench.rs` is its command line.

pub mod check;
pub mod cold_start;
pub mod completion;
pub mod document;
pub mod floors;
pub mod generate;
pub mod hover;
pub mod large;
pub mod navigation;
pub mod peers;
pub mod report;
pub mod semantic_tokens;
pub mod stats;
pub mod typing;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::json;

use crate::server_binary;
use crate::text::Rng;
use document::{OpenDocument, current_rss_mb, peak_rss_mb};
use report::{Machine, Outcome, Report, Row, Target};
use stats::summarize;

/// The workloads of the issue, selectable with `--only`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Workload {
    W1,
    W2,
    W3,
    W4,
    W5,
    W6,
}

impl Workload {
    pub const ALL: [Workload; 6] = [Workload::W1, Workload::W2, Workload::W3, Workload::W4, Workload::W5, Workload::W6];
}

impl std::str::FromStr for Workload {
    type Err = String;

    fn from_str(text: &str) -> Result<Workload, String> {
        match text.trim().to_ascii_uppercase().as_str() {
            "W1" => Ok(Workload::W1),
            "W2" => Ok(Workload::W2),
            "W3" => Ok(Workload::W3),
            "W4" => Ok(Workload::W4),
            "W5" => Ok(Workload::W5),
            "W6" => Ok(Workload::W6),
            _ => Err(format!("unknown workload `{text}`: expected W1, W2, W3, W4, W5 or W6")),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    pub quick: bool,
    /// Empty: all workloads. The floors always run.
    pub only: Vec<Workload>,
    pub seed: u64,
    /// Keep the generated workspace instead of removing it.
    pub keep: bool,
}

impl Options {
    fn runs(&self, workload: Workload) -> bool {
        self.only.is_empty() || self.only.contains(&workload)
    }
}

/// The pace of W1's paced typing: 20 keystrokes a second, a fast typist or a
/// held key.
pub const PACED_INTERVAL: std::time::Duration = std::time::Duration::from_millis(50);

/// How big everything is.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub typing_lines: usize,
    pub typing_edits: usize,
    /// W1 paced typing (`typing::paced`).
    pub paced_edits: usize,
    pub keys: usize,
    pub runbooks: usize,
    /// Per W2/W3 row.
    pub request_samples: usize,
    /// Per LSP floor.
    pub floor_samples: usize,
    /// Per in-process parse floor.
    pub parse_samples: usize,
    pub cold_start_runs: usize,
    pub check_runs: usize,
    /// The size of the runbook of W5's large-document check, in MB.
    pub large_runbook_mb: usize,
}

impl Sizes {
    pub fn new(quick: bool) -> Sizes {
        if quick {
            Sizes {
                typing_lines: 1_000,
                typing_edits: 100,
                paced_edits: 40,
                keys: 500,
                runbooks: 50,
                request_samples: 30,
                floor_samples: 50,
                parse_samples: 5,
                cold_start_runs: 1,
                check_runs: 1,
                large_runbook_mb: 1,
            }
        } else {
            Sizes {
                typing_lines: 10_000,
                typing_edits: 1_000,
                paced_edits: 300,
                keys: 10_000,
                runbooks: 1_000,
                request_samples: 250,
                floor_samples: 300,
                parse_samples: 20,
                cold_start_runs: 3,
                check_runs: 3,
                large_runbook_mb: 5,
            }
        }
    }
}

/// The scratch folder of one run, removed when dropped unless kept.
struct Scratch {
    path: PathBuf,
    keep: bool,
}

impl Scratch {
    fn new(seed: u64, keep: bool) -> Scratch {
        let path = std::env::temp_dir().join(format!("runbook-ls-bench-{seed}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap_or_else(|error| panic!("cannot create {}: {error}", path.display()));
        let path = path.canonicalize().expect("the scratch folder exists");
        Scratch { path, keep }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

fn progress(message: &str) {
    eprintln!("bench: {message}");
}

fn binary_version(binary: &Path) -> String {
    Command::new(binary)
        .arg("--version")
        .output()
        .ok()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string())
        .filter(|version| !version.is_empty())
        .unwrap_or_else(|| "runbook-ls (unknown version)".to_string())
}

fn rss_row(name: &str, rss: &[f64]) -> Row {
    let outcome = match summarize(rss) {
        Some(summary) => Outcome::Measured(summary),
        None => Outcome::Failed("no /proc/<pid>/status to read VmHWM from".to_string()),
    };
    Row::new("W4", name, "MB", outcome).with_targets(&[Target::MaxAtMost(150.0)])
}

/// Runs the selected workloads and the floors.
pub fn run(options: &Options) -> Report {
    let sizes = Sizes::new(options.quick);
    let load_at_start = report::load_average();
    let binary = server_binary();
    let mut notes = Vec::new();
    let mut rows = Vec::new();
    let mut floor_rows = Vec::new();
    let mut comparisons = Vec::new();
    let rumdl = peers::RUMDL.find();
    let markdownlint = peers::MARKDOWNLINT_CLI2.find();

    let scratch = Scratch::new(options.seed, options.keep);
    let root = scratch.path.join("workspace");
    progress(&format!("writing {} KEYs and {} runbooks to {}", sizes.keys, sizes.runbooks, root.display()));
    let started = Instant::now();
    let workspace = generate::write_workspace(&root, sizes.keys, sizes.runbooks, options.seed);
    notes.push(format!(
        "workspace: {} KEYs ({} files) and {} runbooks with pack.json, written in {:.1} s{}",
        workspace.keys.len(),
        workspace.keys.iter().map(|key| if key.manifest == generate::Manifest::Missing { 3 } else { 4 }).sum::<usize>(),
        workspace.runbooks.len(),
        started.elapsed().as_secs_f64(),
        if options.keep { format!(", kept at {}", scratch.path.display()) } else { String::new() },
    ));
    let typing_text = generate::typing_document(&workspace.keys, sizes.typing_lines, options.seed);
    if options.keep {
        let _ = std::fs::write(scratch.path.join("typing.md"), &typing_text);
    }

    // W4: the cold starts; the last server stays up for everything else.
    let n_starts = if options.runs(Workload::W4) { sizes.cold_start_runs } else { 1 };
    let mut ready = Vec::new();
    let mut parsed = Vec::new();
    let mut rss_at_ready = Vec::new();
    let mut server = None;
    for run in 0..n_starts {
        progress(&format!("W4: starting the server and waiting for its index ({}/{n_starts})", run + 1));
        let started = cold_start::start_indexed(&root);
        ready.push(started.ready_ms);
        parsed.push(started.parsed_ms);
        rss_at_ready.extend(started.peak_rss_mb);
        if run == 0 {
            notes.push(format!(
                "index progress: begin {:.0} ms after initialized, end message \"{}\"",
                started.begin_ms, started.end_message
            ));
        }
        if run + 1 < n_starts {
            let status = started.client.shutdown();
            if !status.success() {
                notes.push(format!("the server exited with {status} after shutdown"));
            }
        } else {
            server = Some(started);
        }
    }
    let server = server.expect("at least one start");
    let capabilities = &server.initialize_result["capabilities"];
    notes.push(format!(
        "server capabilities: completionProvider {}, hoverProvider {}",
        if capabilities["completionProvider"].is_null() { "absent" } else { "present" },
        if capabilities["hoverProvider"].is_null() { "absent" } else { "present" },
    ));
    let pid = server.client.pid();
    let mut client = server.client;
    if options.runs(Workload::W4) {
        let outcome = summarize(&ready).map_or(Outcome::Failed("no start".to_string()), Outcome::Measured);
        let mut index_row = Row::new("W4", "cold start: initialized → index ready", "ms", outcome)
            .with_targets(&[Target::MaxAtMost(1000.0)]);
        index_row.note("the workspace was just written, so its files are in the page cache");
        rows.push(index_row);
        rows.push(rss_row("peak RSS (VmHWM) when the index is ready", &rss_at_ready));
        let outcome = summarize(&parsed).map_or(Outcome::Failed("no start".to_string()), Outcome::Measured);
        let mut parsed_row =
            Row::new("W4", "cold start: initialized → runbooks parsed in the background (no target)", "ms", outcome);
        parsed_row.note("every later workload starts after this");
        rows.push(parsed_row);
    }

    // Floors on the same server.
    progress("floors: empty requests and tiny-document changes");
    let tiny_uri = crate::file_uri(&root.join("notes/scratch.md"));
    let mut tiny = OpenDocument::open(&mut client, tiny_uri, floors::TINY_DOCUMENT.to_string());
    tiny.settle(&mut client);
    let empty_request = floors::empty_request(&mut client, &tiny, sizes.floor_samples);
    let floor_p50 = empty_request.summary().map(|summary| summary.p50);
    floor_rows.push(empty_request);
    floor_rows.push(floors::tiny_change(&mut client, &mut tiny, sizes.floor_samples));

    let typing_uri = crate::file_uri(&root.join("runbook-keys/bench-typing/README.md"));
    let mut typed = None;
    if options.runs(Workload::W1) {
        progress(&format!(
            "W1: {} single-character edits in a {}-line runbook",
            sizes.typing_edits,
            typing_text.lines().count()
        ));
        let (row, ours, mut document) = typing::run(
            &mut client,
            typing_uri.clone(),
            typing_text.clone(),
            sizes.typing_edits,
            options.seed,
            floor_p50,
        );
        rows.push(row);
        typed = Some(ours);
        progress(&format!(
            "W1: {} keystrokes every {} ms, without waiting",
            sizes.paced_edits,
            PACED_INTERVAL.as_millis()
        ));
        rows.push(typing::paced(&mut client, &mut document, sizes.paced_edits, PACED_INTERVAL, options.seed));
        // Closed, so that the server holds one W1-sized document at a time, as
        // before the semantic token rows (the W4 memory rows compare runs).
        client.notify("textDocument/didClose", json!({ "textDocument": { "uri": typing_uri.clone() } }));
        progress(&format!(
            "W1: semantic tokens, {} full and {} deltas after an edit",
            sizes.request_samples,
            sizes.request_samples * 2
        ));
        let uri = crate::file_uri(&root.join("runbook-keys/bench-tokens/README.md"));
        rows.extend(semantic_tokens::run(&mut client, uri, typing_text.clone(), sizes.request_samples, options.seed));
    }

    if options.runs(Workload::W2) || options.runs(Workload::W3) || options.runs(Workload::W6) {
        let relative = &workspace.runbooks[0];
        let text = std::fs::read_to_string(root.join(relative)).expect("the generated runbook exists");
        let mut document = OpenDocument::open(&mut client, crate::file_uri(&root.join(relative)), text);
        document.settle(&mut client);
        let mut rng = Rng::new(options.seed ^ 0x0057_0002);
        let size_note = format!("on {relative} ({} lines), {} KEYs", document.text.lines().count(), sizes.keys);
        if options.runs(Workload::W2) {
            progress(&format!("W2: completion, {} samples each", sizes.request_samples));
            let mut slugs = completion::slugs(&mut client, &mut document, sizes.request_samples, &mut rng);
            slugs.note(size_note.clone());
            rows.push(slugs);
            rows.push(completion::exports(
                &mut client,
                &mut document,
                &workspace.keys,
                sizes.request_samples,
                &mut rng,
            ));
        }
        if options.runs(Workload::W3) {
            progress(&format!("W3: hover, {} samples each", sizes.request_samples));
            let slug_offsets = hover::slug_offsets(&document.text);
            let name_offsets = hover::imported_name_offsets(&document.text);
            let mut slugs = hover::measure(
                &mut client,
                &document,
                &slug_offsets,
                sizes.request_samples,
                &mut rng,
                "hover: KEY slug",
            );
            slugs.note(size_note);
            rows.push(slugs);
            rows.push(hover::measure(
                &mut client,
                &document,
                &name_offsets,
                sizes.request_samples,
                &mut rng,
                "hover: imported name",
            ));
        }
        if options.runs(Workload::W6) {
            progress(&format!("W6: navigation, {} samples each", sizes.request_samples));
            rows.extend(navigation::measure(&mut client, &document, sizes.request_samples, &mut rng));
        }
    }

    let rss_at_end: Vec<f64> = peak_rss_mb(pid).into_iter().collect();
    let mut rss_row_at_end = rss_row("peak RSS (VmHWM) after all workloads", &rss_at_end);
    if let Some(current) = current_rss_mb(pid) {
        rss_row_at_end.note(format!("the server's current RSS (VmRSS) at the end is {current:.0} MB"));
    }
    rows.push(rss_row_at_end);
    let status = client.shutdown();
    if !status.success() {
        notes.push(format!("the server exited with {status} after shutdown and exit"));
    }

    // The peers' servers run after ours has exited, so that they never share the CPUs.
    if let Some(ours) = &typed {
        let what = "typing: didChange → publishDiagnostics, p50 / p99";
        comparisons.push(match &rumdl {
            Ok(rumdl) => {
                progress(&format!("W1 on {}: the same {} edits", rumdl.label(), sizes.typing_edits));
                peers::rumdl_typing(
                    rumdl,
                    &root,
                    typing_uri.clone(),
                    typing_text.clone(),
                    sizes.typing_edits,
                    options.seed,
                    ours,
                )
            }
            Err(reason) => peers::Comparison::not_installed("W1", what, &peers::RUMDL, reason.clone()),
        });
    }

    if options.runs(Workload::W5) {
        let installed: Vec<peers::Installed> =
            [&rumdl, &markdownlint].into_iter().filter_map(|found| found.as_ref().ok()).cloned().collect();
        progress(&format!(
            "W5: runbook-ls check on the workspace ({} runs){}",
            sizes.check_runs,
            installed.iter().map(|peer| format!(", each followed by {}", peer.label())).collect::<String>()
        ));
        let checked = check::run(&binary, &root, &root.join(&workspace.runbooks[0]), sizes.check_runs, &installed);
        rows.push(checked.wall_row);
        rows.push(checked.rate_row);
        rows.push(checked.warm_row);
        comparisons.extend(checked.comparisons);
        floor_rows.push(checked.floor_row);
        progress(&format!(
            "W5: runbook-ls check of a {} MB runbook ({} runs)",
            sizes.large_runbook_mb, sizes.check_runs
        ));
        rows.extend(large::run(&binary, root.parent().unwrap_or(&root), sizes.large_runbook_mb, sizes.check_runs));
        let what = "check of the W4 workspace, files per second (median run)";
        for (found, tool) in [(&rumdl, &peers::RUMDL), (&markdownlint, &peers::MARKDOWNLINT_CLI2)] {
            if let Err(reason) = found {
                comparisons.push(peers::Comparison::not_installed("W5", what, tool, reason.clone()));
            }
        }
    }

    progress("floors: in-process parses of the W1 document");
    floor_rows.push(floors::full_parse(&typing_text, sizes.parse_samples));
    floor_rows.push(floors::tree_sitter_parse(&typing_text, sizes.parse_samples));
    floor_rows.push(floors::incremental_parse(&typing_text, sizes.parse_samples * 5, options.seed));
    if let Some(typed) = &typed {
        floor_rows.push(floors::client_parse(&typed.last_publication, sizes.parse_samples * 5));
    }

    let machine = Machine::detect();
    if let (Some(start), Some(end)) = (load_at_start, report::load_average()) {
        let busy = if start >= 0.5 { ": other work was running, so the figures are noisier than usual" } else { "" };
        notes.push(format!(
            "load average (1 min) {start:.2} at the start and {end:.2} at the end, on {} CPUs{busy}",
            machine.nproc
        ));
    }

    Report {
        machine,
        binary_version: binary_version(&binary),
        binary_path: binary.display().to_string(),
        profile: crate::profile_name(),
        seed: options.seed,
        quick: options.quick,
        sizes: json!({
            "typing_lines": typing_text.lines().count(),
            "typing_edits": sizes.typing_edits,
            "paced_edits": sizes.paced_edits,
            "keys": sizes.keys,
            "runbooks": sizes.runbooks,
            "request_samples": sizes.request_samples,
            "floor_samples": sizes.floor_samples,
            "parse_samples": sizes.parse_samples,
            "cold_start_runs": n_starts,
            "check_runs": sizes.check_runs,
        }),
        rows,
        floors: floor_rows,
        peers: comparisons,
        notes,
    }
}
