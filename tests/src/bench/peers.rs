//! The tools a user would run instead of runbook-ls, measured in the same run
//! on the same workloads and reported as ratios (absolute times are not
//! stable on shared machines): rumdl (`rumdl check` for W5, `rumdl server`
//! for W1) and markdownlint-cli2 (W5). The harness finds a peer (an
//! environment variable, `.bench-peers/` as `tests/bench/install-peers.sh`
//! fills it, or `PATH`) and never installs one: a missing peer is reported
//! as not installed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::report::number;
use super::stats::Summary;
use super::typing::{self, Sync, Typed};
use crate::{ClientOptions, LspClient};

/// A peer tool at the version the comparison is about.
#[derive(Debug, Clone, Copy)]
pub struct PeerTool {
    pub name: &'static str,
    pub version: &'static str,
    /// The environment variable that points at its executable.
    pub env: &'static str,
    /// Where `tests/bench/install-peers.sh` puts it, relative to the repository.
    pub installed_at: &'static str,
    /// The argument that makes it print its version on the first line of stdout.
    version_arg: &'static str,
}

pub const RUMDL: PeerTool = PeerTool {
    name: "rumdl",
    version: "0.3.0",
    env: "RUNBOOK_LS_BENCH_RUMDL",
    installed_at: ".bench-peers/venv/bin/rumdl",
    version_arg: "--version",
};

pub const MARKDOWNLINT_CLI2: PeerTool = PeerTool {
    name: "markdownlint-cli2",
    version: "0.21.0",
    env: "RUNBOOK_LS_BENCH_MARKDOWNLINT_CLI2",
    installed_at: ".bench-peers/npm/node_modules/.bin/markdownlint-cli2",
    // It has no `--version`; its help starts with `markdownlint-cli2 v0.21.0 (...)`.
    version_arg: "--help",
};

/// A peer found on this machine.
#[derive(Debug, Clone)]
pub struct Installed {
    pub tool: PeerTool,
    pub path: PathBuf,
    /// The first line it printed for its version (`rumdl 0.3.0`).
    pub version: String,
}

impl Installed {
    /// `rumdl 0.3.0`, with a warning when another version than the
    /// comparison's is installed.
    pub fn label(&self) -> String {
        if self.version.contains(self.tool.version) {
            format!("{} {}", self.tool.name, self.tool.version)
        } else {
            format!("{} ({}, not the expected {})", self.tool.name, self.version, self.tool.version)
        }
    }
}

impl PeerTool {
    /// The executable: `$env`, else the repository's `.bench-peers/`, else `PATH`.
    pub fn find(&self) -> Result<Installed, String> {
        let path = match std::env::var_os(self.env) {
            Some(path) => {
                let path = PathBuf::from(path);
                if !path.is_file() {
                    return Err(format!("{}={} does not exist", self.env, path.display()));
                }
                path
            }
            None => {
                let installed = crate::workspace_dir().join(self.installed_at);
                let on_path = || {
                    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                        .map(|folder| folder.join(self.name))
                        .find(|candidate| candidate.is_file())
                };
                match installed.is_file().then_some(installed).or_else(on_path) {
                    Some(path) => path,
                    None => {
                        return Err(format!(
                            "not in {}, not on PATH and {} is not set (tests/bench/install-peers.sh installs it)",
                            self.installed_at, self.env
                        ));
                    }
                }
            }
        };
        let output = Command::new(&path)
            .arg(self.version_arg)
            .stdin(Stdio::null())
            .output()
            .map_err(|error| format!("{} does not run: {error}", path.display()))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let version = stdout.lines().next().unwrap_or_default().trim().to_string();
        if !version.starts_with(self.name) {
            return Err(format!("{} does not run: {version:?}", path.display()));
        }
        Ok(Installed { tool: *self, path, version })
    }
}

/// What one comparison came to.
#[derive(Debug, Clone)]
pub enum Compared {
    NotInstalled(String),
    Failed(String),
    Measured {
        runbook_ls: Summary,
        peer: Summary,
        /// Files per second (higher is better) rather than milliseconds.
        higher_is_better: bool,
    },
}

/// runbook-ls beside one peer on one workload.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// `W1` or `W5`.
    pub workload: &'static str,
    pub what: &'static str,
    /// `rumdl 0.3.0`, or the tool's name when it is not installed.
    pub peer: String,
    /// What the peer ran, as a user would type it.
    pub command: String,
    pub unit: &'static str,
    pub compared: Compared,
    pub notes: Vec<String>,
}

/// How many times faster runbook-ls is than the peer (below 1: slower).
pub fn speed_ratio(runbook_ls: f64, peer: f64, higher_is_better: bool) -> f64 {
    if higher_is_better { runbook_ls / peer } else { peer / runbook_ls }
}

/// `3.10× (faster)` or `0.16× (the peer is 6.2× faster)`.
pub fn ratio_text(ratio: f64) -> String {
    if ratio >= 1.0 {
        format!("{}× (faster)", number(ratio))
    } else {
        format!("{}× (the peer is {}× faster)", number(ratio), number(1.0 / ratio))
    }
}

impl Comparison {
    pub fn not_installed(workload: &'static str, what: &'static str, tool: &PeerTool, reason: String) -> Comparison {
        Comparison {
            workload,
            what,
            peer: format!("{} {}", tool.name, tool.version),
            command: String::new(),
            unit: "",
            compared: Compared::NotInstalled(reason),
            notes: Vec::new(),
        }
    }

    /// The ratios, p50 first (and p99 for latencies).
    pub fn ratios(&self) -> Vec<f64> {
        match &self.compared {
            Compared::Measured { runbook_ls, peer, higher_is_better: true } => {
                vec![speed_ratio(runbook_ls.p50, peer.p50, true)]
            }
            Compared::Measured { runbook_ls, peer, higher_is_better: false } => {
                vec![speed_ratio(runbook_ls.p50, peer.p50, false), speed_ratio(runbook_ls.p99, peer.p99, false)]
            }
            _ => Vec::new(),
        }
    }

    pub fn to_json(&self) -> Value {
        let mut value = json!({
            "workload": self.workload,
            "what": self.what,
            "peer": self.peer,
            "command": self.command,
            "unit": self.unit,
            "notes": self.notes,
        });
        match &self.compared {
            Compared::NotInstalled(reason) => {
                value["status"] = json!("not installed");
                value["reason"] = json!(reason);
            }
            Compared::Failed(reason) => {
                value["status"] = json!("failed");
                value["reason"] = json!(reason);
            }
            Compared::Measured { runbook_ls, peer, .. } => {
                let summary = |summary: &Summary| json!({ "samples": summary.samples, "p50": summary.p50, "p99": summary.p99, "max": summary.max });
                value["status"] = json!("measured");
                value["runbook_ls"] = summary(runbook_ls);
                value["peer_figures"] = summary(peer);
                // How many times faster runbook-ls is (below 1: slower); p50, then p99 for latencies.
                value["speed_ratio"] = json!(self.ratios());
            }
        }
        value
    }
}

/// How long the harness lets a peer's server index its workspace before typing.
const PEER_INDEX_WAIT: Duration = Duration::from_secs(120);

/// W1 on `rumdl server`: the same document and the same edits as runbook-ls
/// got, sent as full texts (rumdl asks for `TextDocumentSyncKind::FULL`),
/// each timed until the diagnostics of its version are pushed (the client
/// does not offer pull diagnostics, so rumdl pushes).
pub fn rumdl_typing(
    rumdl: &Installed,
    root: &Path,
    uri: String,
    text: String,
    n_edits: usize,
    seed: u64,
    ours: &Typed,
) -> Comparison {
    let mut command = Command::new(&rumdl.path);
    command.arg("server").current_dir(root).stderr(Stdio::null());
    let options = ClientOptions { root: Some(root.to_path_buf()), ..ClientOptions::default() };
    let (mut client, _) = LspClient::start_command(command, options);
    let indexed = wait_for_progress_end(&mut client, PEER_INDEX_WAIT);
    client.notifications.clear();
    let (typed, _) = typing::type_into(&mut client, uri, text, n_edits, seed, Sync::Full, false);
    // rumdl 0.3.0 answers `shutdown` but does not always exit on `exit`;
    // dropping the client kills it.
    drop(client);
    let mut comparison = Comparison {
        workload: "W1",
        what: "typing: didChange → publishDiagnostics, p50 / p99",
        peer: rumdl.label(),
        command: "rumdl server".to_string(),
        unit: "ms",
        compared: match (super::stats::summarize(&ours.samples), super::stats::summarize(&typed.samples)) {
            (Some(runbook_ls), Some(peer)) => Compared::Measured { runbook_ls, peer, higher_is_better: false },
            _ => Compared::Failed("no edits".to_string()),
        },
        notes: Vec::new(),
    };
    comparison.notes.push(format!(
        "the W1 document and the same {} edits, each sent as the whole text (rumdl asks for full-text sync) and answered by pushed diagnostics; {:.0} diagnostics per publication on average (runbook-ls {:.0}); {}",
        typed.samples.len(),
        typed.mean_diagnostics(),
        ours.mean_diagnostics(),
        if indexed { "typed after its workspace index reported done" } else { "its workspace index never reported done" }
    ));
    comparison.notes.extend(typed.drift_notes());
    comparison
}

/// Answers the server's requests until it ends a `$/progress`, or `timeout`.
fn wait_for_progress_end(client: &mut LspClient, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        let ended = client.notifications.iter().any(|notification| {
            notification["method"] == "$/progress" && notification["params"]["value"]["kind"] == "end"
        });
        if ended {
            return true;
        }
        client.pump(Duration::from_millis(50));
    }
    false
}
