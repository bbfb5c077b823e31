//! The benchmark's results: rows with their targets, the floors, the peers
//! side by side as ratios, the machine and the binary, printed as markdown
//! tables and written as JSON.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::peers::{Compared, Comparison, ratio_text};
use super::stats::Summary;

/// What a row measured.
#[derive(Debug, Clone)]
pub enum Outcome {
    Measured(Summary),
    /// The server answered "method not found".
    NotSupported,
    /// The workload could not run (the reason is in the row's notes).
    Failed(String),
}

impl Outcome {
    /// What a run of timed requests came to: not supported when the server
    /// said so, else its summary, else the first error.
    pub fn of_samples(not_supported: bool, samples: &[f64], errors: &[String]) -> Outcome {
        match (not_supported, crate::bench::stats::summarize(samples)) {
            (true, _) => Outcome::NotSupported,
            (false, Some(summary)) => Outcome::Measured(summary),
            (false, None) => Outcome::Failed(errors.first().cloned().unwrap_or_else(|| "no samples".to_string())),
        }
    }
}

/// A target of the issue, checked against a measured summary.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    P50AtMost(f64),
    P99AtMost(f64),
    MaxAtMost(f64),
    /// For rates (files per second): the median is at least this.
    P50AtLeast(f64),
    /// The median is at most `factor` times a floor's median.
    P50WithinFloor {
        factor: f64,
        floor_p50: f64,
    },
}

impl Target {
    fn text(&self, unit: &str) -> String {
        match *self {
            Target::P50AtMost(limit) => format!("p50 ≤ {} {unit}", number(limit)),
            Target::P99AtMost(limit) => format!("p99 ≤ {} {unit}", number(limit)),
            Target::MaxAtMost(limit) => format!("≤ {} {unit}", number(limit)),
            Target::P50AtLeast(limit) => format!("≥ {} {unit}", number(limit)),
            Target::P50WithinFloor { factor, .. } => format!("p50 ≤ {}× floor", number(factor)),
        }
    }

    fn met(&self, summary: &Summary) -> bool {
        match *self {
            Target::P50AtMost(limit) => summary.p50 <= limit,
            Target::P99AtMost(limit) => summary.p99 <= limit,
            Target::MaxAtMost(limit) => summary.max <= limit,
            Target::P50AtLeast(limit) => summary.p50 >= limit,
            Target::P50WithinFloor { factor, floor_p50 } => summary.p50 <= factor * floor_p50,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Row {
    /// `W1` … `W6`, or `floor`.
    pub id: &'static str,
    pub name: String,
    /// `ms`, `MB` or `files/s`.
    pub unit: &'static str,
    pub outcome: Outcome,
    pub targets: Vec<Target>,
    pub notes: Vec<String>,
}

impl Row {
    pub fn new(id: &'static str, name: impl Into<String>, unit: &'static str, outcome: Outcome) -> Row {
        Row { id, name: name.into(), unit, outcome, targets: Vec::new(), notes: Vec::new() }
    }

    pub fn with_targets(mut self, targets: &[Target]) -> Row {
        self.targets.extend_from_slice(targets);
        self
    }

    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    pub fn summary(&self) -> Option<&Summary> {
        match &self.outcome {
            Outcome::Measured(summary) => Some(summary),
            _ => None,
        }
    }

    /// `Some(true)` when every target is met, `None` without targets or figures.
    pub fn met(&self) -> Option<bool> {
        let summary = self.summary()?;
        if self.targets.is_empty() {
            return None;
        }
        Some(self.targets.iter().all(|target| target.met(summary)))
    }

    fn target_text(&self) -> String {
        if self.targets.is_empty() {
            return "—".to_string();
        }
        self.targets.iter().map(|target| target.text(self.unit)).collect::<Vec<_>>().join(", ")
    }

    fn met_text(&self) -> String {
        let Some(summary) = self.summary() else { return "—".to_string() };
        let missed: Vec<String> =
            self.targets.iter().filter(|target| !target.met(summary)).map(|target| target.text(self.unit)).collect();
        match (self.targets.is_empty(), missed.is_empty()) {
            (true, _) => "—".to_string(),
            (false, true) => "yes".to_string(),
            (false, false) => format!("**no** (misses {})", missed.join(", ")),
        }
    }

    fn to_json(&self) -> Value {
        let (status, figures) = match &self.outcome {
            Outcome::Measured(summary) => (
                "measured",
                json!({ "samples": summary.samples, "p50": summary.p50, "p99": summary.p99, "max": summary.max }),
            ),
            Outcome::NotSupported => ("not supported", json!({ "samples": 0 })),
            Outcome::Failed(_) => ("failed", json!({ "samples": 0 })),
        };
        let mut row = json!({
            "id": self.id,
            "name": self.name,
            "unit": self.unit,
            "status": status,
            "target": if self.targets.is_empty() { Value::Null } else { json!(self.target_text()) },
            "met": self.met(),
            "notes": self.notes,
        });
        if let (Value::Object(row), Value::Object(figures)) = (&mut row, figures) {
            row.extend(figures);
        }
        if let Outcome::Failed(reason) = &self.outcome {
            row["error"] = json!(reason);
        }
        row
    }
}

/// A figure with as many decimals as it deserves.
pub fn number(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 100.0 {
        format!("{value:.0}")
    } else if magnitude >= 10.0 {
        format!("{value:.1}")
    } else if magnitude >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.3}")
    }
}

#[derive(Debug, Clone)]
pub struct Machine {
    pub nproc: usize,
    pub cpu_model: String,
    pub memory_mb: Option<f64>,
}

/// The one-minute load average: on a shared machine, anything near `nproc`
/// before the run means other work competed with the benchmark.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg").ok()?.split_whitespace().next()?.parse().ok()
}

impl Machine {
    pub fn detect() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find(|line| line.starts_with("model name"))
            .and_then(|line| line.split_once(':'))
            .map(|(_, model)| model.trim().to_string())
            .unwrap_or_else(|| "unknown".to_string());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_mb = meminfo
            .lines()
            .find(|line| line.starts_with("MemTotal:"))
            .and_then(|line| line.trim_start_matches("MemTotal:").trim().trim_end_matches("kB").trim().parse().ok())
            .map(|kilobytes: f64| kilobytes / 1024.0);
        Machine { nproc: std::thread::available_parallelism().map_or(1, |n| n.get()), cpu_model, memory_mb }
    }
}

#[derive(Debug, Clone)]
pub struct Report {
    pub machine: Machine,
    /// `runbook-ls --version`.
    pub binary_version: String,
    pub binary_path: String,
    /// The build profile of the harness and of the server it drives.
    pub profile: String,
    pub seed: u64,
    pub quick: bool,
    /// The sizes the workloads ran with.
    pub sizes: Value,
    pub rows: Vec<Row>,
    pub floors: Vec<Row>,
    /// runbook-ls beside the tools a user would run instead, same run.
    pub peers: Vec<Comparison>,
    pub notes: Vec<String>,
}

fn table(out: &mut String, rows: &[Row]) {
    out.push_str("| workload | samples | p50 | p99 | max | target | met? |\n");
    out.push_str("|---|---:|---:|---:|---:|---|---|\n");
    for row in rows {
        let label = if row.id == "floor" { row.name.clone() } else { format!("{} {}", row.id, row.name) };
        let figures = match &row.outcome {
            Outcome::Measured(summary) => {
                let value = |figure: f64| format!("{} {}", number(figure), row.unit);
                format!(
                    "{} | {} | {} | {}",
                    summary.samples,
                    value(summary.p50),
                    value(summary.p99),
                    value(summary.max)
                )
            }
            Outcome::NotSupported => "0 | n/a (not supported) | | ".to_string(),
            Outcome::Failed(reason) => format!("0 | failed: {reason} | | "),
        };
        writeln!(out, "| {label} | {figures} | {} | {} |", row.target_text(), row.met_text()).expect("String");
    }
}

/// The peers' table: one line per comparison that ran, then one line naming
/// the peers that are not installed.
fn peers_table(out: &mut String, comparisons: &[Comparison]) {
    let mut lines = String::new();
    let mut not_installed = Vec::new();
    for comparison in comparisons {
        let label = format!("{} {}", comparison.workload, comparison.what);
        let figures = match &comparison.compared {
            Compared::NotInstalled(reason) => {
                let line = format!("{} ({reason})", comparison.peer);
                if !not_installed.contains(&line) {
                    not_installed.push(line);
                }
                continue;
            }
            Compared::Failed(reason) => format!("| | failed: {reason} |"),
            Compared::Measured { runbook_ls, peer, higher_is_better } => {
                let unit = comparison.unit;
                let ratios: Vec<String> = comparison.ratios().into_iter().map(ratio_text).collect();
                if *higher_is_better {
                    format!("{} {unit} | {} {unit} | {}", number(runbook_ls.p50), number(peer.p50), ratios.join(" / "))
                } else {
                    format!(
                        "{} / {} {unit} | {} / {} {unit} | {}",
                        number(runbook_ls.p50),
                        number(runbook_ls.p99),
                        number(peer.p50),
                        number(peer.p99),
                        ratios.join(" / ")
                    )
                }
            }
        };
        writeln!(lines, "| {label} | {} | `{}` | {figures} |", comparison.peer, comparison.command).expect("String");
    }
    if !lines.is_empty() {
        out.push_str("Measured in this run on the same workloads; the ratio is how many times faster runbook-ls is (absolute times vary from run to run on shared machines, ratios much less).\n\n");
        out.push_str("| workload | peer | peer's command | runbook-ls | peer | runbook-ls vs peer |\n");
        out.push_str("|---|---|---|---:|---:|---|\n");
        out.push_str(&lines);
    }
    if not_installed.is_empty() {
        out.push_str("\nEvery peer was installed.\n");
    } else {
        writeln!(out, "\nNot installed, so not compared: {}.", not_installed.join("; ")).expect("String");
    }
}

impl Report {
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        writeln!(out, "## runbook-ls benchmark{}\n", if self.quick { " (--quick)" } else { "" }).expect("String");
        writeln!(
            out,
            "{} on {} ({} CPUs{}), {} build, seed {}\n",
            self.binary_version,
            self.machine.cpu_model,
            self.machine.nproc,
            self.machine.memory_mb.map(|mb| format!(", {:.0} GB RAM", mb / 1024.0)).unwrap_or_default(),
            self.profile,
            self.seed,
        )
        .expect("String");
        table(&mut out, &self.rows);
        out.push_str("\n### Floors\n\n");
        table(&mut out, &self.floors);
        if !self.peers.is_empty() {
            out.push_str("\n### Peers\n\n");
            peers_table(&mut out, &self.peers);
        }
        let notes: Vec<String> = self
            .rows
            .iter()
            .chain(&self.floors)
            .flat_map(|row| {
                let label = if row.id == "floor" { row.name.clone() } else { row.id.to_string() };
                row.notes.iter().map(move |note| format!("{label}: {note}"))
            })
            .chain(self.peers.iter().flat_map(|comparison| {
                comparison
                    .notes
                    .iter()
                    .map(move |note| format!("{} vs {}: {note}", comparison.workload, comparison.peer))
            }))
            .chain(self.notes.iter().cloned())
            .collect();
        if !notes.is_empty() {
            out.push_str("\n### Notes\n\n");
            for note in notes {
                writeln!(out, "- {note}").expect("String");
            }
        }
        out
    }

    pub fn to_json(&self) -> Value {
        json!({
            "binary": { "version": self.binary_version, "path": self.binary_path, "profile": self.profile },
            "machine": {
                "nproc": self.machine.nproc,
                "cpu_model": self.machine.cpu_model,
                "memory_mb": self.machine.memory_mb,
                "os": std::env::consts::OS,
            },
            "seed": self.seed,
            "quick": self.quick,
            "sizes": self.sizes,
            "rows": self.rows.iter().map(Row::to_json).collect::<Vec<_>>(),
            "floors": self.floors.iter().map(Row::to_json).collect::<Vec<_>>(),
            "peers": self.peers.iter().map(Comparison::to_json).collect::<Vec<_>>(),
            "notes": self.notes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_say_which_targets_they_miss() {
        let summary = Summary { samples: 10, p50: 3.0, p99: 8.0, max: 12.0 };
        let row = Row::new("W1", "typing", "ms", Outcome::Measured(summary))
            .with_targets(&[Target::P50AtMost(2.0), Target::P99AtMost(10.0)]);
        assert_eq!(row.met(), Some(false));
        assert_eq!(row.met_text(), "**no** (misses p50 ≤ 2.00 ms)");
        let json = row.to_json();
        assert_eq!(
            (json["status"].as_str(), json["samples"].as_u64(), json["p99"].as_f64()),
            (Some("measured"), Some(10), Some(8.0))
        );

        let unsupported =
            Row::new("W2", "completion", "ms", Outcome::NotSupported).with_targets(&[Target::P99AtMost(10.0)]);
        assert_eq!(unsupported.met(), None);
        let mut out = String::new();
        table(&mut out, &[unsupported]);
        assert!(out.contains("| W2 completion | 0 | n/a (not supported) |"), "{out}");
    }

    #[test]
    fn peers_are_ratios_and_missing_peers_are_named() {
        let summary = |p50: f64, p99: f64| Summary { samples: 10, p50, p99, max: p99 };
        let typing = Comparison {
            workload: "W1",
            what: "typing",
            peer: "rumdl 0.3.0".to_string(),
            command: "rumdl server".to_string(),
            unit: "ms",
            compared: Compared::Measured {
                runbook_ls: summary(10.0, 20.0),
                peer: summary(40.0, 10.0),
                higher_is_better: false,
            },
            notes: Vec::new(),
        };
        let check = Comparison {
            workload: "W5",
            what: "check",
            peer: "rumdl 0.3.0".to_string(),
            command: "rumdl check --no-cache .".to_string(),
            unit: "files/s",
            compared: Compared::Measured {
                runbook_ls: summary(150.0, 150.0),
                peer: summary(1200.0, 1200.0),
                higher_is_better: true,
            },
            notes: Vec::new(),
        };
        let missing = Comparison::not_installed(
            "W5",
            "check",
            &crate::bench::peers::MARKDOWNLINT_CLI2,
            "not on PATH".to_string(),
        );
        let mut out = String::new();
        peers_table(&mut out, &[typing.clone(), check, missing]);
        expect_test::expect![[r#"
            Measured in this run on the same workloads; the ratio is how many times faster runbook-ls is (absolute times vary from run to run on shared machines, ratios much less).

            | workload | peer | peer's command | runbook-ls | peer | runbook-ls vs peer |
            |---|---|---|---:|---:|---|
            | W1 typing | rumdl 0.3.0 | `rumdl server` | 10.0 / 20.0 ms | 40.0 / 10.0 ms | 4.00× (faster) / 0.500× (the peer is 2.00× faster) |
            | W5 check | rumdl 0.3.0 | `rumdl check --no-cache .` | 150 files/s | 1200 files/s | 0.125× (the peer is 8.00× faster) |

            Not installed, so not compared: markdownlint-cli2 0.21.0 (not on PATH).
        "#]]
        .assert_eq(&out);
        assert_eq!(typing.to_json()["speed_ratio"], json!([4.0, 0.5]));
    }
}
