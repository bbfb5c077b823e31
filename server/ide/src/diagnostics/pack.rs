//! `pack.json` beside a runbook `README.md` lists the KEYs the runbook uses;
//! `pack-reference-mismatch` reports where the list and the runbook disagree.

use std::path::Path;

use runbook_keys::fs::FileSystem;
use runbook_syntax::{LineIndex, Runbook, TextRange};
use serde_json::Value;

use crate::action_view::is_root_name;
use crate::{Diagnostic, DiagnosticCode, RelatedLocation};

const LISTS: [(&str, &[&str]); 2] =
    [("references_node_keys", &["node", "next"]), ("references_jupyter_keys", &["jupyter"])];

pub(super) fn check(path: &Path, runbook: &Runbook, fs: &dyn FileSystem, found: &mut Vec<Diagnostic>) {
    let is_readme = path.file_name().is_some_and(|name| name.to_string_lossy().eq_ignore_ascii_case("readme.md"));
    let Some(pack_path) = path.parent().map(|dir| dir.join("pack.json")).filter(|_| is_readme) else { return };
    let Ok(pack_text) = fs.read_to_string(&pack_path) else { return };
    // A broken pack.json is not this rule's business: nothing to compare with.
    let Ok(pack) = serde_json::from_str::<Value>(&pack_text) else { return };
    let anchor = runbook.headings.first().map_or(TextRange::empty(0), |heading| heading.text_range);
    let pack_index = LineIndex::new(&pack_text);
    for (list_name, families) in LISTS {
        let Some(listed) = pack.get(list_name).and_then(Value::as_array) else { continue };
        let listed: Vec<&str> = listed.iter().filter_map(Value::as_str).collect();
        let used: Vec<_> = runbook
            .key_refs
            .iter()
            .filter(|key_ref| families.contains(&key_ref.family()) && !is_root_name(key_ref))
            .collect();
        let mut reported: Vec<&str> = Vec::new();
        for key_ref in &used {
            if listed.contains(&&*key_ref.slug) || reported.contains(&&*key_ref.slug) {
                continue;
            }
            reported.push(&key_ref.slug);
            found.push(
                Diagnostic::new(
                    DiagnosticCode::PackReferenceMismatch,
                    key_ref.range,
                    format!("`{}` is used here but pack.json does not list it in `{list_name}`", key_ref.slug),
                )
                .with_data(serde_json::json!({ "list": list_name, "slug": key_ref.slug })),
            );
        }
        for slug in listed {
            if used.iter().any(|key_ref| &*key_ref.slug == slug) {
                continue;
            }
            let quoted = format!("\"{slug}\"");
            let range =
                pack_text.find(&quoted).map_or(TextRange::empty(0), |at| TextRange::new(at + 1, at + 1 + slug.len()));
            found.push(
                Diagnostic::new(
                    DiagnosticCode::PackReferenceMismatch,
                    anchor,
                    format!("pack.json lists `{slug}` in `{list_name}` but this runbook never references it"),
                )
                .with_related(
                    RelatedLocation::File {
                        path: pack_path.clone(),
                        range: pack_index.source_range(&pack_text, range),
                    },
                    format!("`{slug}` is listed here"),
                ),
            );
        }
    }
}
