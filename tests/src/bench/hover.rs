//! W3: hover on the KEY slugs and the imported names of an open runbook.

use super::document::{OpenDocument, is_not_supported};
use super::report::{Outcome, Row, Target};
use crate::LspClient;
use crate::text::Rng;

/// Offsets inside every `` `node-…` `` code span (a few characters into the slug).
pub fn slug_offsets(text: &str) -> Vec<usize> {
    text.match_indices("`node-").map(|(offset, _)| offset + "`node-".len() + 2).collect()
}

/// Offsets inside the first name of every `import { … }`.
pub fn imported_name_offsets(text: &str) -> Vec<usize> {
    text.match_indices("import { ").map(|(offset, _)| offset + "import { ".len() + 1).collect()
}

pub fn measure(
    client: &mut LspClient,
    document: &OpenDocument,
    offsets: &[usize],
    n_samples: usize,
    rng: &mut Rng,
    name: &str,
) -> Row {
    if offsets.is_empty() {
        return Row::new("W3", name, "ms", Outcome::Failed("nothing to hover in the document".to_string()));
    }
    let mut samples = Vec::with_capacity(n_samples);
    let mut n_null = 0;
    let mut errors: Vec<String> = Vec::new();
    let mut not_supported = false;
    for _ in 0..n_samples {
        let offset = offsets[rng.below(offsets.len())];
        match document.timed_request(client, "textDocument/hover", offset) {
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
    let mut row = Row::new("W3", name, "ms", outcome).with_targets(&[Target::P99AtMost(3.0)]);
    if n_null > 0 {
        row.note(format!("{name}: {n_null} of {} answers were null", samples.len()));
    }
    if !errors.is_empty() {
        row.note(format!("{name}: {} requests failed, first: {}", errors.len(), errors[0]));
    }
    row
}
