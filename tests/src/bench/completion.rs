//! W2: completion with a large KEY catalog: KEY slugs after an unclosed
//! backtick and two letters, and exported names inside `import { }` braces.
//! Each sample types the probe text into a blank line, asks for completion
//! right after it, then removes it again.

use serde_json::{Value, json};

use super::document::{OpenDocument, is_not_supported, timed_request};
use super::generate::Key;
use super::report::{Outcome, Row, Target};
use crate::LspClient;
use crate::text::Rng;

/// Text typed at the start of a blank line, and where the cursor is in it.
struct Probe {
    text: String,
    cursor: usize,
}

/// The number of items in a completion answer (a list, or a `CompletionList`).
fn n_items(result: &Value) -> usize {
    result.as_array().or_else(|| result["items"].as_array()).map_or(0, Vec::len)
}

fn measure(
    client: &mut LspClient,
    document: &mut OpenDocument,
    n_samples: usize,
    rng: &mut Rng,
    name: &str,
    mut probe: impl FnMut(&mut Rng) -> Probe,
) -> Row {
    let blank_lines = document.blank_lines_outside_code();
    let mut samples = Vec::with_capacity(n_samples);
    let (mut n_items_total, mut n_bytes_total, mut n_empty) = (0, 0, 0);
    let mut errors: Vec<String> = Vec::new();
    let mut not_supported = false;
    for _ in 0..n_samples {
        let at = blank_lines[rng.below(blank_lines.len())];
        let Probe { text, cursor } = probe(rng);
        document.edit(client, at, at, &text);
        let params = json!({
            "textDocument": { "uri": document.uri },
            "position": document.position(at + cursor),
            "context": { "triggerKind": 1 },
        });
        let answer = timed_request(client, "textDocument/completion", params);
        document.edit(client, at, at + text.len(), "");
        document.settle(client);
        match answer {
            Ok((elapsed, result)) => {
                samples.push(elapsed);
                let n = n_items(&result);
                n_items_total += n;
                n_empty += usize::from(n == 0);
                n_bytes_total += serde_json::to_string(&result).map_or(0, |text| text.len());
            }
            Err(error) if is_not_supported(&error) => {
                not_supported = true;
                break;
            }
            Err(error) => errors.push(error.to_string()),
        }
    }
    let outcome = Outcome::of_samples(not_supported, &samples, &errors);
    let mut row = Row::new("W2", name, "ms", outcome).with_targets(&[Target::P99AtMost(5.0)]);
    if !samples.is_empty() {
        let n = samples.len() as f64;
        row.note(format!(
            "{name}: {:.0} items and {:.1} KB per answer on average; {n_empty} empty answers",
            n_items_total as f64 / n,
            n_bytes_total as f64 / n / 1024.0
        ));
    }
    if !errors.is_empty() {
        row.note(format!("{name}: {} requests failed, first: {}", errors.len(), errors[0]));
    }
    row
}

/// Slug completion: `` `no`` typed at the start of a blank line.
pub fn slugs(client: &mut LspClient, document: &mut OpenDocument, n_samples: usize, rng: &mut Rng) -> Row {
    measure(client, document, n_samples, rng, "completion: KEY slug after `` `no``", |_| Probe {
        text: "`no".to_string(),
        cursor: 3,
    })
}

/// Export completion: `import { re } from '@/node-keys/<name>/src';` in a
/// new ```ts block, the cursor after `re`.
pub fn exports(
    client: &mut LspClient,
    document: &mut OpenDocument,
    keys: &[Key],
    n_samples: usize,
    rng: &mut Rng,
) -> Row {
    measure(client, document, n_samples, rng, "completion: export in `import { re }`", |rng| {
        let key = &keys[rng.below(keys.len())];
        let block = "```ts\n";
        let import = "import { re";
        Probe {
            text: format!("{block}{import} }} from '@/node-keys/{}/src';\n```\n", key.name),
            cursor: block.len() + import.len(),
        }
    })
}
