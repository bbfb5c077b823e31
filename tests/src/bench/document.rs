//! The benchmark client's side of an open document: a shadow copy of its
//! text, edits sent as incremental `didChange`s with UTF-16 ranges, and timed
//! requests at byte offsets.

use std::time::Instant;

use serde_json::{Value, json};

use crate::LspClient;
use crate::text::{position, range};

/// JSON-RPC "method not found": what the server answers for a feature it does
/// not have yet.
pub const METHOD_NOT_FOUND: i64 = -32601;

pub struct OpenDocument {
    pub uri: String,
    pub text: String,
    pub version: i64,
}

impl OpenDocument {
    /// Sends `didOpen` (version 1).
    pub fn open(client: &mut LspClient, uri: String, text: String) -> OpenDocument {
        client.open(&uri, &text);
        OpenDocument { uri, text, version: 1 }
    }

    /// The `didChange` of one edit, with the next version; the shadow copy
    /// is updated once the message is built, so that `send` does only the write.
    pub fn change(&mut self, start: usize, end: usize, insert: &str) -> Value {
        self.version += 1;
        let message = json!({
            "textDocument": { "uri": self.uri, "version": self.version },
            "contentChanges": [{ "range": range(&self.text, start, end, false), "text": insert }],
        });
        self.text.replace_range(start..end, insert);
        message
    }

    /// The same edit as a full-text `didChange`, for servers that ask for
    /// `TextDocumentSyncKind::FULL`.
    pub fn change_full(&mut self, start: usize, end: usize, insert: &str) -> Value {
        self.version += 1;
        self.text.replace_range(start..end, insert);
        json!({
            "textDocument": { "uri": self.uri, "version": self.version },
            "contentChanges": [{ "text": self.text }],
        })
    }

    /// Sends one edit and returns its version.
    pub fn edit(&mut self, client: &mut LspClient, start: usize, end: usize, insert: &str) -> i64 {
        let change = self.change(start, end, insert);
        client.notify("textDocument/didChange", change);
        self.version
    }

    pub fn position(&self, offset: usize) -> Value {
        position(&self.text, offset, false)
    }

    /// Waits for the diagnostics of the current version, and forgets older
    /// publications so that they do not pile up in the client.
    pub fn settle(&self, client: &mut LspClient) -> usize {
        let n = client.diagnostics(&self.uri, self.version).len();
        client.notifications.retain(|notification| notification["method"] != "textDocument/publishDiagnostics");
        n
    }

    /// Sends a `textDocument/...` request at `offset` and times its round
    /// trip: `Ok((milliseconds, result))` or the server's error.
    pub fn timed_request(&self, client: &mut LspClient, method: &str, offset: usize) -> Result<(f64, Value), Value> {
        let params = json!({ "textDocument": { "uri": self.uri }, "position": self.position(offset) });
        timed_request(client, method, params)
    }

    /// Byte offsets of the starts of blank lines outside fenced code blocks:
    /// where an author would start typing something new.
    pub fn blank_lines_outside_code(&self) -> Vec<usize> {
        let mut found = Vec::new();
        let mut in_code = false;
        let mut offset = 0;
        for line in self.text.split_inclusive('\n') {
            let content = line.trim_end_matches(['\n', '\r']);
            if content.trim_start().starts_with("```") {
                in_code = !in_code;
            } else if content.is_empty() && !in_code {
                found.push(offset);
            }
            offset += line.len();
        }
        found
    }
}

/// Times a request's round trip from writing it to reading its answer.
pub fn timed_request(client: &mut LspClient, method: &str, params: Value) -> Result<(f64, Value), Value> {
    let started = Instant::now();
    let answer = client.request_raw(method, params);
    let elapsed = super::stats::millis(started.elapsed());
    answer.map(|result| (elapsed, result))
}

/// Whether an error answer means that the server does not have the method.
pub fn is_not_supported(error: &Value) -> bool {
    error["code"].as_i64() == Some(METHOD_NOT_FOUND)
}

fn proc_status_mb(pid: u32, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    let kilobytes: f64 = line[field.len()..].trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kilobytes / 1024.0)
}

/// The peak resident set size of a process in MB (`VmHWM`), on Linux.
pub fn peak_rss_mb(pid: u32) -> Option<f64> {
    proc_status_mb(pid, "VmHWM:")
}

/// The current resident set size of a process in MB (`VmRSS`), on Linux:
/// with the peak, it tells a leak from a transient burst.
pub fn current_rss_mb(pid: u32) -> Option<f64> {
    proc_status_mb(pid, "VmRSS:")
}

/// How long a process's threads have run on a CPU and waited for one, in
/// nanoseconds, summed over its threads (`/proc/<pid>/task/*/schedstat`, on
/// Linux with scheduler statistics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuTime {
    pub run_ns: u64,
    pub wait_ns: u64,
}

impl CpuTime {
    /// Milliseconds run and waited since `earlier` (threads that ended in
    /// between are not counted).
    pub fn since(&self, earlier: &CpuTime) -> (f64, f64) {
        let millis = |now: u64, then: u64| now.saturating_sub(then) as f64 / 1e6;
        (millis(self.run_ns, earlier.run_ns), millis(self.wait_ns, earlier.wait_ns))
    }
}

/// The CPU time of a process so far: what a run cost the server itself,
/// whatever else the machine was doing, and how long it queued for a CPU.
pub fn cpu_time(pid: u32) -> Option<CpuTime> {
    let mut total = CpuTime { run_ns: 0, wait_ns: 0 };
    for entry in std::fs::read_dir(format!("/proc/{pid}/task")).ok()?.flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("schedstat")) else { continue };
        let mut fields = stat.split_whitespace().map(str::parse::<u64>);
        if let (Some(Ok(run)), Some(Ok(wait))) = (fields.next(), fields.next()) {
            total.run_ns += run;
            total.wait_ns += wait;
        }
    }
    Some(total)
}
