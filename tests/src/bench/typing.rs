//! W1: typing in a long runbook. One single-character edit at a time, timed
//! from writing its `didChange` to receiving the `publishDiagnostics` of its
//! version.

use std::time::Instant;

use super::document::{OpenDocument, current_rss_mb};
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
pub(super) fn pick_edit(rng: &mut Rng, text: &str) -> (usize, usize, &'static str) {
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

pub fn run(
    client: &mut LspClient,
    uri: String,
    text: String,
    n_edits: usize,
    seed: u64,
    floor_p50: Option<f64>,
) -> Row {
    let pid = client.pid();
    let n_lines = text.lines().count();
    let opened = Instant::now();
    let mut document = OpenDocument::open(client, uri, text);
    let first_diagnostics = document.settle(client);
    let open_ms = millis(opened.elapsed());

    let mut rng = Rng::new(seed ^ 0x0057_0001);
    let mut samples = Vec::with_capacity(n_edits);
    let mut n_diagnostics = 0;
    let (mut n_inserts, mut n_deletes) = (0, 0);
    // The server's memory every tenth of the run: growth that never levels
    // off is a leak, a step that stays is a cache or the allocator keeping pages.
    let mut rss_trail = Vec::new();
    for edit in 0..n_edits {
        if edit % (n_edits / 10).max(1) == 0 {
            rss_trail.extend(current_rss_mb(pid));
        }
        let (start, end, insert) = pick_edit(&mut rng, &document.text);
        if insert.is_empty() {
            n_deletes += 1;
        } else {
            n_inserts += 1;
        }
        let change = document.change(start, end, insert);
        let version = document.version;
        let started = Instant::now();
        client.notify("textDocument/didChange", change);
        let published = client.wait_for_notification("textDocument/publishDiagnostics", |params| {
            params["uri"] == document.uri.as_str() && params["version"] == version
        });
        samples.push(millis(started.elapsed()));
        n_diagnostics += published["diagnostics"].as_array().map_or(0, Vec::len);
        client.notifications.retain(|notification| notification["method"] != "textDocument/publishDiagnostics");
    }

    let outcome = match summarize(&samples) {
        Some(summary) => Outcome::Measured(summary),
        None => Outcome::Failed("no edits".to_string()),
    };
    let mut targets = vec![Target::P50AtMost(2.0), Target::P99AtMost(10.0)];
    if let Some(floor_p50) = floor_p50 {
        targets.push(Target::P50WithinFloor { factor: 3.0, floor_p50 });
    }
    let mut row = Row::new("W1", "typing: didChange → publishDiagnostics", "ms", outcome).with_targets(&targets);
    row.note(format!(
        "{n_lines}-line runbook; {n_inserts} inserts and {n_deletes} deletes of one character; didOpen → first diagnostics ({first_diagnostics}) took {:.0} ms",
        open_ms
    ));
    // A server that slows down as edits accumulate (leaks, growing caches)
    // shows here rather than in the percentiles.
    let tenth = (samples.len() / 10).max(1);
    if let (Some(first), Some(last)) =
        (summarize(&samples[..tenth]), summarize(&samples[samples.len().saturating_sub(tenth)..]))
    {
        row.note(format!(
            "median of the first {tenth} edits {:.1} ms, of the last {tenth} {:.1} ms",
            first.p50, last.p50
        ));
    }
    rss_trail.extend(current_rss_mb(pid));
    if !rss_trail.is_empty() {
        let trail: Vec<String> = rss_trail.iter().map(|mb| format!("{mb:.0}")).collect();
        row.note(format!("server VmRSS every tenth of the edits: {} MB", trail.join(", ")));
    }
    if let (Some(summary), Some(floor_p50)) = (row.summary(), floor_p50) {
        row.note(format!(
            "{:.1} diagnostics per publication on average; p50 is {:.1}× the empty-request floor",
            n_diagnostics as f64 / samples.len().max(1) as f64,
            summary.p50 / floor_p50
        ));
    }
    row
}
