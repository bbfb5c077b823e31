//! W1 semantic tokens: on the W1 runbook, `semanticTokens/full` timed on its
//! own, and `semanticTokens/full/delta` timed right after each one-character
//! edit (what Neovim asks after every change), each from writing the request
//! to reading its answer.

use serde_json::{Value, json};

use super::document::{OpenDocument, is_not_supported, timed_request};
use super::report::{Outcome, Row, Target};
use super::typing::pick_edit;
use crate::LspClient;
use crate::text::Rng;

pub fn run(client: &mut LspClient, uri: String, text: String, n_samples: usize, seed: u64) -> Vec<Row> {
    let n_lines = text.lines().count();
    let mut document = OpenDocument::open(client, uri, text);
    document.settle(client);
    let params = json!({ "textDocument": { "uri": document.uri } });

    let mut full_samples = Vec::with_capacity(n_samples);
    let mut errors: Vec<String> = Vec::new();
    let mut not_supported = false;
    let mut n_tokens = 0;
    let mut result_id = Value::Null;
    for _ in 0..n_samples {
        match timed_request(client, "textDocument/semanticTokens/full", params.clone()) {
            Ok((elapsed, result)) => {
                full_samples.push(elapsed);
                n_tokens = result["data"].as_array().map_or(0, Vec::len) / 5;
                result_id = result["resultId"].clone();
            }
            Err(error) if is_not_supported(&error) => {
                not_supported = true;
                break;
            }
            Err(error) => errors.push(error.to_string()),
        }
    }
    let mut full =
        Row::new("W1", "semantic tokens: full", "ms", Outcome::of_samples(not_supported, &full_samples, &errors));
    full.note(format!("{n_lines}-line runbook, {n_tokens} tokens"));
    if not_supported {
        let delta = Row::new("W1", "semantic tokens: didChange → full/delta", "ms", Outcome::NotSupported)
            .with_targets(&[Target::P99AtMost(10.0)]);
        return vec![full, delta];
    }

    let mut rng = Rng::new(seed ^ 0x0057_0003);
    let mut delta_samples = Vec::with_capacity(n_samples * 2);
    let mut delta_errors: Vec<String> = Vec::new();
    let (mut n_deltas, mut n_fulls, mut edited_tokens) = (0, 0, 0);
    for _ in 0..n_samples * 2 {
        let (start, end, insert) = pick_edit(&mut rng, &document.text);
        document.edit(client, start, end, insert);
        let delta_params = json!({ "textDocument": { "uri": document.uri }, "previousResultId": result_id });
        match timed_request(client, "textDocument/semanticTokens/full/delta", delta_params) {
            Ok((elapsed, result)) => {
                delta_samples.push(elapsed);
                result_id = result["resultId"].clone();
                match result.get("edits").and_then(Value::as_array) {
                    Some(edits) => {
                        n_deltas += 1;
                        edited_tokens +=
                            edits.iter().map(|edit| edit["data"].as_array().map_or(0, Vec::len) / 5).sum::<usize>();
                    }
                    None => n_fulls += 1,
                }
            }
            Err(error) => delta_errors.push(error.to_string()),
        }
        // The edits' diagnostics are published meanwhile; nobody reads them here.
        client.notifications.retain(|notification| notification["method"] != "textDocument/publishDiagnostics");
    }
    let outcome = Outcome::of_samples(false, &delta_samples, &delta_errors);
    let mut delta = Row::new("W1", "semantic tokens: didChange → full/delta", "ms", outcome)
        .with_targets(&[Target::P99AtMost(10.0)]);
    delta.note(format!(
        "{n_deltas} deltas and {n_fulls} full answers; {:.1} tokens sent per delta on average; the edit's diagnostics are computed at the same time",
        edited_tokens as f64 / n_deltas.max(1) as f64
    ));
    if !delta_errors.is_empty() {
        delta.note(format!("{} requests failed, first: {}", delta_errors.len(), delta_errors[0]));
    }
    vec![full, delta]
}
