//! `pack.json` beside a runbook `README.md` lists the KEYs the runbook uses;
//! `pack-reference-mismatch` reports where the list and the runbook disagree.

use std::path::Path;

use runbook_syntax::{Runbook, TextRange};

use crate::action_view::is_root_name;
use crate::diagnostics::Workspace;
use crate::fixes::{Fix, PackListChange};
use crate::{Diagnostic, DiagnosticCode, RelatedLocation};

pub(super) fn check(path: &Path, runbook: &Runbook, workspace: &Workspace<'_>, found: &mut Vec<Diagnostic>) {
    let is_readme = path.file_name().is_some_and(|name| name.to_string_lossy().eq_ignore_ascii_case("readme.md"));
    if !is_readme {
        return;
    }
    // A broken pack.json is not this rule's business: nothing to compare with.
    let Some(pack) = workspace.pack_beside(path) else { return };
    let pack_path = path.with_file_name(crate::pack::PACK_FILE);
    let anchor = runbook.headings.first().map_or(TextRange::empty(0), |heading| heading.text_range);
    // A KEY's canonical slug and its alias are one KEY (SPEC 1): a pack may
    // list `node-x` for a runbook that writes `next-x`.
    let same_key = |a: &str, b: &str| {
        a == b
            || workspace.catalog.is_some_and(|catalog| match (catalog.key(a), catalog.key(b)) {
                (Some(a), Some(b)) => a.dir == b.dir,
                _ => false,
            })
    };
    for list in &pack.lists {
        let used: Vec<_> = runbook
            .key_refs
            .iter()
            .filter(|key_ref| list.families.contains(&key_ref.family()) && !is_root_name(key_ref))
            .collect();
        let mut reported: Vec<&str> = Vec::new();
        for key_ref in &used {
            if list.entries.iter().any(|entry| same_key(&entry.slug, &key_ref.slug))
                || reported.iter().any(|slug| same_key(slug, &key_ref.slug))
            {
                continue;
            }
            reported.push(&key_ref.slug);
            found.push(
                Diagnostic::new(
                    DiagnosticCode::PackReferenceMismatch,
                    key_ref.range,
                    format!("`{}` is used here but pack.json does not list it in `{}`", key_ref.slug, list.name),
                )
                .with_fix(add_to_pack(list.name, &key_ref.slug, workspace)),
            );
        }
        for entry in &list.entries {
            if used.iter().any(|key_ref| same_key(&key_ref.slug, &entry.slug)) {
                continue;
            }
            found.push(
                Diagnostic::new(
                    DiagnosticCode::PackReferenceMismatch,
                    anchor,
                    format!("pack.json lists `{}` in `{}` but this runbook never references it", entry.slug, list.name),
                )
                .with_related(
                    RelatedLocation::File { path: pack_path.clone(), range: pack.source_range(entry.range) },
                    format!("`{}` is listed here", entry.slug),
                )
                .with_fix(remove_from_pack(list.name, &entry.slug)),
            );
        }
    }
}

/// pack.json lists exactly what the runbook references: there is one right
/// edit, so it may be applied unattended; but a KEY nobody knows is more
/// likely a typo to fix in the runbook than a reference to list.
fn add_to_pack(list: &'static str, slug: &str, workspace: &Workspace<'_>) -> Fix {
    let known = workspace.catalog.is_some_and(|catalog| catalog.key(slug).is_some());
    let change = PackListChange { list, add: vec![slug.to_string()], remove: Vec::new() };
    Fix::pack_list(format!("Add `{slug}` to `{list}` in pack.json"), change).preferred(known).unattended(known)
}

fn remove_from_pack(list: &'static str, slug: &str) -> Fix {
    let change = PackListChange { list, add: Vec::new(), remove: vec![slug.to_string()] };
    Fix::pack_list(format!("Remove `{slug}` from `{list}` in pack.json"), change).preferred(true).unattended(true)
}
