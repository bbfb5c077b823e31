//! W6: navigation on the W4 workspace, from an open runbook: references and
//! rename of the KEY the most runbooks use, go to definition of KEY slugs,
//! and workspace symbols. Every answer comes from the server's index.

use serde_json::{Value, json};

use super::document::{OpenDocument, is_not_supported, timed_request};
use super::report::{Outcome, Row, Target};
use crate::LspClient;
use crate::text::Rng;

/// The navigation rows, measured on `document` (open, its KEYs indexed).
pub fn measure(client: &mut LspClient, document: &OpenDocument, n_samples: usize, rng: &mut Rng) -> Vec<Row> {
    let slugs = super::hover::slug_offsets(&document.text);
    if slugs.is_empty() {
        return vec![Row::new("W6", "navigation", "ms", Outcome::Failed("no KEY slug in the document".to_string()))];
    }
    // The slug whose KEY has the most references across the workspace.
    let (busiest, n_references) = slugs
        .iter()
        .map(|&offset| {
            let found = references(client, document, offset).unwrap_or(Value::Null);
            (offset, found.as_array().map_or(0, Vec::len))
        })
        .max_by_key(|&(_, n)| n)
        .expect("there are slugs");
    let note = format!("the busiest KEY of the runbook has {n_references} references across the workspace");

    let mut rows = Vec::new();
    let mut row = timed_row(client, "references of the busiest KEY", n_samples, |client| {
        let started = std::time::Instant::now();
        let answer = references(client, document, busiest);
        answer.map(|result| (super::stats::millis(started.elapsed()), result))
    });
    row.note(note);
    rows.push(row);
    rows.push(timed_row(client, "rename of the busiest KEY (edit computed, not applied)", n_samples, |client| {
        let mut params = position(document, busiest);
        params["newName"] = json!("node-bench-renamed-key");
        timed_request(client, "textDocument/rename", params)
    }));
    rows.push(timed_row(client, "definition of a KEY slug", n_samples, |client| {
        let offset = slugs[rng.below(slugs.len())];
        document.timed_request(client, "textDocument/definition", offset)
    }));
    let queries: Vec<String> = document
        .text
        .match_indices("`node-")
        .map(|(offset, _)| document.text[offset + 6..].chars().take(4).collect())
        .collect();
    rows.push(timed_row(client, "workspace symbols for 4 letters of a slug", n_samples, |client| {
        let query = &queries[rng.below(queries.len())];
        timed_request(client, "workspace/symbol", json!({ "query": query }))
    }));
    rows
}

fn position(document: &OpenDocument, offset: usize) -> Value {
    json!({ "textDocument": { "uri": document.uri }, "position": document.position(offset) })
}

fn references(client: &mut LspClient, document: &OpenDocument, offset: usize) -> Result<Value, Value> {
    let mut params = position(document, offset);
    params["context"] = json!({ "includeDeclaration": true });
    client.request_raw("textDocument/references", params)
}

/// Samples one request `n_samples` times into a row with the target.
fn timed_row(
    client: &mut LspClient,
    name: &str,
    n_samples: usize,
    mut sample: impl FnMut(&mut LspClient) -> Result<(f64, Value), Value>,
) -> Row {
    let mut samples = Vec::with_capacity(n_samples);
    let mut errors: Vec<String> = Vec::new();
    let mut not_supported = false;
    let mut n_null = 0;
    for _ in 0..n_samples {
        match sample(client) {
            Ok((elapsed, result)) => {
                samples.push(elapsed);
                n_null += usize::from(result.is_null());
            }
            Err(error) if is_not_supported(&error) => {
                not_supported = true;
                break;
            }
            Err(error) => errors.push(error.to_string()),
        }
    }
    let outcome = Outcome::of_samples(not_supported, &samples, &errors);
    let mut row = Row::new("W6", name, "ms", outcome).with_targets(&[Target::P99AtMost(20.0)]);
    if n_null > 0 {
        row.note(format!("{name}: {n_null} of {} answers were null", samples.len()));
    }
    if !errors.is_empty() {
        row.note(format!("{name}: {} requests failed, first: {}", errors.len(), errors[0]));
    }
    row
}
