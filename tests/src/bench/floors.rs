//! The floors the workloads are compared with: what the same server takes for
//! a request that does no work, and what parsing the W1 document takes in
//! process, with the server's own parser and with bare tree-sitter-md.

use std::time::Instant;

use runbook_syntax::{Document, Parse, TextRange};
use serde_json::json;
use tree_sitter_md::MarkdownParser;

use super::document::{OpenDocument, is_not_supported, timed_request};
use super::report::{Outcome, Row};
use super::stats::{millis, summarize};
use crate::LspClient;
use crate::text::Rng;

/// A document with nothing to check; line 1 is empty.
pub const TINY_DOCUMENT: &str = "# Scratch notes\n\nNothing to see here.\n";

fn row(name: impl Into<String>, unit: &'static str, samples: &[f64]) -> Row {
    let outcome = match summarize(samples) {
        Some(summary) => Outcome::Measured(summary),
        None => Outcome::Failed("no samples".to_string()),
    };
    Row::new("floor", name, unit, outcome)
}

/// Round trips of a request that does no work: hover on the empty line of the
/// tiny document, or `documentSymbol` on it while the server has no hover.
pub fn empty_request(client: &mut LspClient, tiny: &OpenDocument, n_samples: usize) -> Row {
    let empty_line = TINY_DOCUMENT.find("\n\n").expect("the tiny document has an empty line") + 1;
    let mut method = "textDocument/hover";
    let mut samples = Vec::with_capacity(n_samples);
    while samples.len() < n_samples {
        let params = if method == "textDocument/hover" {
            json!({ "textDocument": { "uri": tiny.uri }, "position": tiny.position(empty_line) })
        } else {
            json!({ "textDocument": { "uri": tiny.uri } })
        };
        match timed_request(client, method, params) {
            Ok((elapsed, _)) => samples.push(elapsed),
            Err(error) if is_not_supported(&error) && method == "textDocument/hover" => {
                method = "textDocument/documentSymbol";
            }
            Err(error) => return Row::new("floor", "empty request", "ms", Outcome::Failed(error.to_string())),
        }
    }
    let name = if method == "textDocument/hover" {
        "empty request: hover on an empty line (tiny document)"
    } else {
        "empty request: documentSymbol of a tiny document (no hover yet)"
    };
    row(name, "ms", &samples)
}

/// `didChange` → `publishDiagnostics` of the tiny document: the diagnostics
/// pipeline with next to no document.
pub fn tiny_change(client: &mut LspClient, tiny: &mut OpenDocument, n_samples: usize) -> Row {
    let end_of_text = TINY_DOCUMENT.trim_end().len();
    let mut samples = Vec::with_capacity(n_samples);
    for i in 0..n_samples {
        let change = if i % 2 == 0 {
            tiny.change(end_of_text, end_of_text, "!")
        } else {
            tiny.change(end_of_text, end_of_text + 1, "")
        };
        let started = Instant::now();
        client.notify("textDocument/didChange", change);
        tiny.settle(client);
        samples.push(millis(started.elapsed()));
    }
    row("didChange → publishDiagnostics of a tiny document", "ms", &samples)
}

/// `runbook_syntax::Parse::new` (tree-sitter-md block and inline trees, and
/// the runbook model) of the whole W1 document, in process.
pub fn full_parse(text: &str, n_samples: usize) -> Row {
    let samples: Vec<f64> = (0..n_samples)
        .map(|_| {
            let started = Instant::now();
            let parse = Parse::new(text);
            let elapsed = millis(started.elapsed());
            drop(parse);
            elapsed
        })
        .collect();
    row("in process: runbook_syntax::Parse::new of the W1 document", "ms", &samples)
}

/// A bare `tree_sitter_md::MarkdownParser` parse of the W1 document (block
/// and inline trees, nothing else), in process.
pub fn tree_sitter_parse(text: &str, n_samples: usize) -> Row {
    let mut parser = MarkdownParser::default();
    let samples: Vec<f64> = (0..n_samples)
        .map(|_| {
            let started = Instant::now();
            let tree = parser.parse(text.as_bytes(), None);
            let elapsed = millis(started.elapsed());
            assert!(tree.is_some(), "tree-sitter-md parses without a timeout");
            elapsed
        })
        .collect();
    row("in process: tree_sitter_md::MarkdownParser::parse of the W1 document", "ms", &samples)
}

/// One character typed into the W1 document and its parse brought up to
/// date, in process: what the server's document layer costs per keystroke.
pub fn incremental_parse(text: &str, n_samples: usize, seed: u64) -> Row {
    let mut document = Document::new(text);
    document.parse();
    let mut rng = Rng::new(seed ^ 0x0F10_0001);
    let mut shadow = text.to_string();
    let samples: Vec<f64> = (0..n_samples)
        .map(|_| {
            let at = rng.boundary(&shadow);
            shadow.insert(at, 'x');
            let started = Instant::now();
            document.edit(TextRange::new(at, at), "x");
            let parse = document.parse();
            let elapsed = millis(started.elapsed());
            debug_assert_eq!(parse.text().len(), shadow.len());
            elapsed
        })
        .collect();
    row("in process: Document::edit + parse of the W1 document (one character)", "ms", &samples)
}

/// What the harness's client spends on one W1 publication: the JSON parse
/// of the message (on its reader thread, inside every W1 sample), in process.
pub fn client_parse(params: &serde_json::Value, n_samples: usize) -> Row {
    let message = json!({ "jsonrpc": "2.0", "method": "textDocument/publishDiagnostics", "params": params });
    let body = serde_json::to_string(&message).expect("JSON serialises");
    let samples: Vec<f64> = (0..n_samples)
        .map(|_| {
            let started = Instant::now();
            let parsed: serde_json::Value = serde_json::from_str(&body).expect("it was JSON");
            let elapsed = millis(started.elapsed());
            drop(parsed);
            elapsed
        })
        .collect();
    let n_diagnostics = params["diagnostics"].as_array().map_or(0, Vec::len);
    row(
        format!(
            "in process: the client's JSON parse of the last W1 publication ({n_diagnostics} diagnostics, {:.0} KB)",
            body.len() as f64 / 1024.0
        ),
        "ms",
        &samples,
    )
}
