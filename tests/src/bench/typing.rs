//! W1: typing in a long runbook. One single-character edit at a time, timed
//! from writing its `didChange` to receiving the `publishDiagnostics` of its
//! version. The same edits are typed into a peer's server (see `peers`).

use std::time::{Duration, Instant};

use serde_json::Value;

use super::document::{OpenDocument, cpu_time, current_rss_mb};
use super::report::{Outcome, Row, Target};
use super::stats::{millis, summarize};
use crate::LspClient;
use crate::text::Rng;

/// What gets typed: mostly letters and spaces, sometimes markdown punctuation
/// and line breaks, which change the document's structure.
const TYPED: &[&str] = &[
    "e", "t", "a", "o", "i", "n", "s", "r", "h", "l", "d", "c", "u", "m", "f", "p", "g", "w", "y", "b", "v", "k", " ",
    " ", " ", " ", ",", ".", "-", "`", "*", "(", "\n",
];

/// One random single-character insert (three times in four) or delete.
pub fn pick_edit(rng: &mut Rng, text: &str) -> (usize, usize, &'static str) {
    if text.is_empty() || rng.below(4) != 0 {
        let at = rng.boundary(text);
        return (at, at, TYPED[rng.below(TYPED.len())]);
    }
    let mut start = rng.boundary(text);
    if start == text.len() {
        start = text[..start].char_indices().next_back().map_or(0, |(index, _)| index);
    }
    let width = text[start..].chars().next().map_or(0, char::len_utf8);
    (start, start + width, "")
}

/// How the client sends an edit: what the server asked for at `initialize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sync {
    /// The changed range only (runbook-ls).
    Incremental,
    /// The whole text every time (`TextDocumentSyncKind::FULL`, rumdl).
    Full,
}

/// What typing into one server measured.
pub struct Typed {
    /// Per edit, in milliseconds.
    pub samples: Vec<f64>,
    /// Per edit: the number of diagnostics published for it.
    pub diagnostics: Vec<usize>,
    /// Per edit: the server's CPU time and the time its threads waited for a
    /// CPU, in milliseconds (`None` without `/proc/<pid>/task/*/schedstat`).
    pub cpu: Vec<Option<(f64, f64)>>,
    pub open_ms: f64,
    pub first_diagnostics: usize,
    pub n_inserts: usize,
    pub n_deletes: usize,
    /// The server's VmRSS every tenth of the edits, and at the end.
    pub rss_trail: Vec<f64>,
    /// The first tenth of the edits typed again after the run, into the
    /// original text restored by one full-text change: the same work as at
    /// the start, so what the server accumulated shows as the difference.
    pub replay: Option<Replay>,
    /// The params of the last publication (for the client's parse floor).
    pub last_publication: Value,
}

pub struct Replay {
    pub samples: Vec<f64>,
    pub cpu: Vec<Option<(f64, f64)>>,
}

/// One edit after another, each until the diagnostics of its version.
struct Typist {
    pid: u32,
    rng: Rng,
    sync: Sync,
}

/// What one edit measured.
struct Typed1 {
    millis: f64,
    cpu: Option<(f64, f64)>,
    inserted: bool,
    published: Value,
}

impl Typist {
    fn new(pid: u32, seed: u64, sync: Sync) -> Typist {
        Typist { pid, rng: Rng::new(seed ^ 0x0057_0001), sync }
    }

    fn edit(&mut self, client: &mut LspClient, document: &mut OpenDocument) -> Typed1 {
        let (start, end, insert) = pick_edit(&mut self.rng, &document.text);
        let change = match self.sync {
            Sync::Incremental => document.change(start, end, insert),
            Sync::Full => document.change_full(start, end, insert),
        };
        let version = document.version;
        let cpu_before = cpu_time(self.pid);
        let started = Instant::now();
        client.notify("textDocument/didChange", change);
        let published = client.wait_for_notification("textDocument/publishDiagnostics", |params| {
            params["uri"] == document.uri.as_str() && params["version"] == version
        });
        let millis = millis(started.elapsed());
        let cpu = cpu_before.zip(cpu_time(self.pid)).map(|(before, after)| after.since(&before));
        client.notifications.retain(|notification| notification["method"] != "textDocument/publishDiagnostics");
        Typed1 { millis, cpu, inserted: !insert.is_empty(), published }
    }
}

/// Opens `text` in the server and types `n_edits` single characters into it,
/// each followed by waiting for the diagnostics of its version; with
/// `replay`, then types the first tenth again (see `Typed::replay`). The
/// edits depend only on `text` and `seed`, so every server gets the same ones.
pub fn type_into(
    client: &mut LspClient,
    uri: String,
    text: String,
    n_edits: usize,
    seed: u64,
    sync: Sync,
    replay: bool,
) -> (Typed, OpenDocument) {
    let pid = client.pid();
    let opened = Instant::now();
    let original = text.clone();
    let mut document = OpenDocument::open(client, uri, text);
    let first_diagnostics = document.settle(client);
    let open_ms = millis(opened.elapsed());

    let mut typist = Typist::new(pid, seed, sync);
    let mut typed = Typed {
        samples: Vec::with_capacity(n_edits),
        diagnostics: Vec::with_capacity(n_edits),
        cpu: Vec::with_capacity(n_edits),
        open_ms,
        first_diagnostics,
        n_inserts: 0,
        n_deletes: 0,
        rss_trail: Vec::new(),
        replay: None,
        last_publication: Value::Null,
    };
    for edit in 0..n_edits {
        // The server's memory every tenth of the run: growth that never levels
        // off is a leak, a step that stays is a cache or the allocator keeping pages.
        if edit % (n_edits / 10).max(1) == 0 {
            typed.rss_trail.extend(current_rss_mb(pid));
        }
        let one = typist.edit(client, &mut document);
        if one.inserted {
            typed.n_inserts += 1;
        } else {
            typed.n_deletes += 1;
        }
        typed.samples.push(one.millis);
        typed.cpu.push(one.cpu);
        typed.diagnostics.push(one.published["diagnostics"].as_array().map_or(0, Vec::len));
        typed.last_publication = one.published;
    }
    typed.rss_trail.extend(current_rss_mb(pid));

    if replay && n_edits > 0 {
        let end = document.text.len();
        let restore = document.change_full(0, end, &original);
        client.notify("textDocument/didChange", restore);
        document.settle(client);
        let mut typist = Typist::new(pid, seed, sync);
        let tenth = (n_edits / 10).max(1);
        let edits: Vec<Typed1> = (0..tenth).map(|_| typist.edit(client, &mut document)).collect();
        typed.replay = Some(Replay {
            samples: edits.iter().map(|one| one.millis).collect(),
            cpu: edits.iter().map(|one| one.cpu).collect(),
        });
    }
    (typed, document)
}

/// How many keystrokes paced typing makes at one place before it moves on.
const KEYSTROKES_PER_PLACE: usize = 20;

/// Keystrokes sent every `interval` without waiting, as a typist does: runs
/// of characters (and a backspace now and then) at one place, then at
/// another. Each keystroke is timed from its `didChange` to the first
/// publication of its version or a later one (the server may skip a version
/// that a later edit overtook). An edit that lands while the server is
/// still busy with the previous one is the case this adds to W1.
pub fn paced(
    client: &mut LspClient,
    document: &mut OpenDocument,
    n_edits: usize,
    interval: Duration,
    seed: u64,
) -> Row {
    let mut rng = Rng::new(seed ^ 0x0057_0003);
    let mut sent: Vec<(i64, Instant)> = Vec::with_capacity(n_edits);
    let mut latencies: Vec<Option<f64>> = vec![None; n_edits];
    let mut n_publications = 0;
    let mut failure = None;
    let mut next_send = Instant::now();
    let (mut place, mut cursor) = (0, 0);
    while sent.len() < n_edits || latencies.iter().any(Option::is_none) {
        let now = Instant::now();
        if sent.len() < n_edits && now >= next_send {
            if sent.len().is_multiple_of(KEYSTROKES_PER_PLACE) {
                place = rng.boundary(&document.text);
                cursor = place;
            }
            let backspace = cursor > place && rng.below(5) == 0;
            let change = if backspace {
                let previous = document.text[..cursor].char_indices().next_back().map_or(0, |(index, _)| index);
                let change = document.change(previous, cursor, "");
                cursor = previous;
                change
            } else {
                let typed = TYPED[rng.below(TYPED.len())];
                let change = document.change(cursor, cursor, typed);
                cursor += typed.len();
                change
            };
            client.notify("textDocument/didChange", change);
            sent.push((document.version, Instant::now()));
            next_send += interval;
            continue;
        }
        let wait = if sent.len() < n_edits { next_send.saturating_duration_since(now) } else { crate::TIMEOUT };
        let Some(notification) = client.next_notification(wait) else {
            if sent.len() == n_edits {
                failure = Some(format!("no diagnostics for version {} within {:?}", document.version, crate::TIMEOUT));
                break;
            }
            continue;
        };
        let params = &notification["params"];
        if notification["method"] != "textDocument/publishDiagnostics" || params["uri"] != document.uri.as_str() {
            continue;
        }
        let arrived = Instant::now();
        n_publications += 1;
        let Some(version) = params["version"].as_i64() else { continue };
        for ((sent_version, sent_at), latency) in sent.iter().zip(&mut latencies) {
            if *sent_version <= version && latency.is_none() {
                *latency = Some(millis(arrived.duration_since(*sent_at)));
            }
        }
    }
    let samples: Vec<f64> = latencies.into_iter().flatten().collect();
    let outcome = match (failure, summarize(&samples)) {
        (Some(reason), _) => Outcome::Failed(reason),
        (None, Some(summary)) => Outcome::Measured(summary),
        (None, None) => Outcome::Failed("no edits".to_string()),
    };
    let name = format!(
        "typing, paced: a keystroke every {} ms without waiting → diagnostics of its version or a later one",
        interval.as_millis()
    );
    let mut row = Row::new("W1", name, "ms", outcome);
    row.note(format!(
        "paced: {n_edits} keystrokes answered by {n_publications} publications (the server publishes the latest version once it is free)"
    ));
    row
}

impl Typed {
    /// The first and the last tenth of the edits (at least one edit each).
    fn tenths<'a, T>(&self, values: &'a [T]) -> (&'a [T], &'a [T]) {
        let tenth = (values.len() / 10).max(1).min(values.len());
        (&values[..tenth], &values[values.len() - tenth..])
    }

    /// Notes on how the run changed from its first tenth to its last: the
    /// latency, the server's CPU time and the number of diagnostics.
    pub fn drift_notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        let tenth = (self.samples.len() / 10).max(1);
        let (first, last) = self.tenths(&self.samples);
        if let (Some(first), Some(last)) = (summarize(first), summarize(last)) {
            notes.push(format!(
                "median of the first {tenth} edits {:.1} ms, of the last {tenth} {:.1} ms",
                first.p50, last.p50
            ));
        }
        let (first, last) = self.tenths(&self.diagnostics);
        let mean = |values: &[usize]| values.iter().sum::<usize>() as f64 / values.len().max(1) as f64;
        notes.push(format!(
            "diagnostics per publication: {} after didOpen, {:.0} on average over the first {tenth} edits, {:.0} over the last {tenth} (random edits accumulate: the document drifts, not only the server)",
            self.first_diagnostics,
            mean(first),
            mean(last)
        ));
        let cpu: Vec<(f64, f64)> = self.cpu.iter().flatten().copied().collect();
        if cpu.len() == self.cpu.len() && !cpu.is_empty() {
            let (first, last) = self.tenths(&cpu);
            let run = |values: &[(f64, f64)]| summarize(&values.iter().map(|(run, _)| *run).collect::<Vec<_>>());
            let waited: f64 = cpu.iter().map(|(_, wait)| wait).sum();
            let ran: f64 = cpu.iter().map(|(run, _)| run).sum();
            if let (Some(all), Some(first), Some(last)) = (run(&cpu), run(first), run(last)) {
                notes.push(format!(
                    "server CPU time per edit (all its threads): median {:.1} ms, {:.1} ms over the first {tenth} edits, {:.1} ms over the last {tenth}; its threads waited {:.0} ms for a CPU while running {:.0} ms",
                    all.p50, first.p50, last.p50, waited, ran
                ));
            }
        }
        if let Some(replay) = &self.replay {
            let tenth = replay.samples.len();
            let median = |values: &[f64]| summarize(values).map_or(f64::NAN, |summary| summary.p50);
            let cpu_median = |values: &[Option<(f64, f64)>]| {
                let cpu: Vec<f64> = values.iter().flatten().map(|(run, _)| *run).collect();
                (cpu.len() == values.len()).then(|| median(&cpu))
            };
            let (first_cpu, replay_cpu) = (cpu_median(&self.cpu[..tenth]), cpu_median(&replay.cpu));
            notes.push(format!(
                "the first {tenth} edits typed again after the run, into the original text restored by one full-text change: median {:.1} ms (first time {:.1} ms){}; slower than the first time would mean the server kept something from the run (did-you-mean answers are cached, so the replay may be a little faster)",
                median(&replay.samples),
                median(&self.samples[..tenth]),
                match (first_cpu, replay_cpu) {
                    (Some(first), Some(again)) => format!(", server CPU {again:.1} ms (first time {first:.1} ms)"),
                    _ => String::new(),
                }
            ));
        }
        if !self.rss_trail.is_empty() {
            let trail: Vec<String> = self.rss_trail.iter().map(|mb| format!("{mb:.0}")).collect();
            notes.push(format!("server VmRSS every tenth of the edits: {} MB", trail.join(", ")));
        }
        notes
    }

    pub fn mean_diagnostics(&self) -> f64 {
        self.diagnostics.iter().sum::<usize>() as f64 / self.diagnostics.len().max(1) as f64
    }
}

/// W1 on runbook-ls: the row, what was typed (for the peers' comparison) and
/// the document, still open.
pub fn run(
    client: &mut LspClient,
    uri: String,
    text: String,
    n_edits: usize,
    seed: u64,
    floor_p50: Option<f64>,
) -> (Row, Typed, OpenDocument) {
    let n_lines = text.lines().count();
    let (typed, document) = type_into(client, uri, text, n_edits, seed, Sync::Incremental, true);
    let outcome = match summarize(&typed.samples) {
        Some(summary) => Outcome::Measured(summary),
        None => Outcome::Failed("no edits".to_string()),
    };
    // Issue 15: p50 ≤ 2 ms, p99 ≤ 6 ms.
    let mut targets = vec![Target::P50AtMost(2.0), Target::P99AtMost(6.0)];
    if let Some(floor_p50) = floor_p50 {
        targets.push(Target::P50WithinFloor { factor: 3.0, floor_p50 });
    }
    let mut row = Row::new("W1", "typing: didChange → publishDiagnostics", "ms", outcome).with_targets(&targets);
    row.note(format!(
        "{n_lines}-line runbook; {} inserts and {} deletes of one character; didOpen → first diagnostics ({}) took {:.0} ms",
        typed.n_inserts, typed.n_deletes, typed.first_diagnostics, typed.open_ms
    ));
    // A server that slows down as edits accumulate (leaks, growing caches)
    // shows here rather than in the percentiles.
    for note in typed.drift_notes() {
        row.note(note);
    }
    if let (Some(summary), Some(floor_p50)) = (row.summary(), floor_p50) {
        row.note(format!(
            "{:.1} diagnostics per publication on average; p50 is {:.1}× the empty-request floor",
            typed.mean_diagnostics(),
            summary.p50 / floor_p50
        ));
    }
    (row, typed, document)
}
