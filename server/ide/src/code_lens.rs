//! Code lenses (SPEC 4, presentation) on each Action heading: the KEYs the
//! Action runs (by slug or by import) with the class each declares, and for
//! a KEY that other runbooks of the workspace also use, how many, with
//! every place that uses it (the lens shows them when clicked). The counts
//! come from the index, so runbooks that are not open count too.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use runbook_keys::{Key, KeyCatalog};
use runbook_syntax::{Parse, Runbook, SourceRange, TextRange};

use crate::IdeConfig;
use crate::action_view::ActionView;
use crate::classify::is_key_reference;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeLens {
    /// The Action's heading text.
    pub range: TextRange,
    pub title: String,
    pub kind: CodeLensKind,
    /// What clicking the lens shows: the KEY's definition, or every use of
    /// the KEY in the workspace, this runbook's included.
    pub locations: Vec<FileLocation>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeLensKind {
    /// A KEY the Action runs.
    Key { slug: String },
    /// How many other runbooks use the KEY.
    UsedBy { slug: String, n_runbooks: usize },
}

/// A place in a workspace file, positioned in every encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLocation {
    pub path: PathBuf,
    pub range: SourceRange,
}

/// The lenses of the runbook at `path`, Action by Action.
pub(crate) fn code_lenses<'a>(
    path: &Path,
    parse: &Parse,
    runbooks: impl Iterator<Item = (&'a Path, std::sync::Arc<Parse>)>,
    catalog: &KeyCatalog,
    config: &IdeConfig,
) -> Vec<CodeLens> {
    let runbook = parse.runbook();
    let actions: Vec<(TextRange, Vec<&Key>)> =
        ActionView::all(runbook).map(|view| (view.action.heading_range, keys_run(&view, catalog, config))).collect();
    let used: BTreeSet<&str> = actions.iter().flat_map(|(_, keys)| keys.iter().map(|key| key.slug.as_str())).collect();
    if used.is_empty() {
        return Vec::new();
    }
    // Every use of those KEYs in the workspace, read once for all Actions.
    let mut uses: Vec<(&str, FileLocation)> = Vec::new();
    for (other_path, other) in runbooks {
        // A KEY's own README is its documentation, not a runbook that uses it.
        if catalog.key_for_file(other_path).is_some() {
            continue;
        }
        let other = if other_path == path { parse } else { &other };
        for (range, slug) in key_uses(other.runbook(), catalog, config) {
            if let Some(slug) = used.get(slug) {
                let range = other.line_index().source_range(other.text(), range);
                uses.push((slug, FileLocation { path: other_path.to_path_buf(), range }));
            }
        }
    }
    uses.sort_by(|a, b| (a.0, &a.1.path, a.1.range.range.start).cmp(&(b.0, &b.1.path, b.1.range.range.start)));

    let mut lenses = Vec::new();
    for (heading, keys) in actions {
        for key in keys {
            let class = key.declared_safety().map_or("no declared class".to_string(), |class| class.to_string());
            lenses.push(CodeLens {
                range: heading,
                title: format!("{} · {class}", key.slug),
                kind: CodeLensKind::Key { slug: key.slug.clone() },
                locations: definition(key).into_iter().collect(),
            });
            let locations: Vec<FileLocation> =
                uses.iter().filter(|(slug, _)| *slug == key.slug).map(|(_, location)| location.clone()).collect();
            let others: BTreeSet<&Path> =
                locations.iter().map(|location| location.path.as_path()).filter(|other| *other != path).collect();
            if !others.is_empty() {
                let n = others.len();
                lenses.push(CodeLens {
                    range: heading,
                    title: format!("used by {n} other runbook{}", if n == 1 { "" } else { "s" }),
                    kind: CodeLensKind::UsedBy { slug: key.slug.clone(), n_runbooks: n },
                    locations,
                });
            }
        }
    }
    lenses
}

/// The KEYs an Action runs: those its slugs name and those its imports
/// reach, each once, in the order the Action first names them.
fn keys_run<'c>(view: &ActionView<'_>, catalog: &'c KeyCatalog, config: &IdeConfig) -> Vec<&'c Key> {
    let mut named: Vec<(usize, &Key)> = view
        .key_refs
        .iter()
        .filter(|key_ref| is_key_reference(key_ref, config, Some(catalog)))
        .filter_map(|key_ref| Some((key_ref.range.start, catalog.key(&key_ref.slug)?)))
        .collect();
    named.extend(
        view.imports.iter().filter_map(|import| {
            Some((import.specifier_range.start, catalog.resolve_import(&import.specifier).key()?))
        }),
    );
    named.sort_by_key(|(start, _)| *start);
    let mut keys: Vec<&Key> = Vec::new();
    for (_, key) in named {
        if !keys.iter().any(|known| known.slug == key.slug) {
            keys.push(key);
        }
    }
    keys
}

/// Where a runbook names a KEY (a slug, an import specifier), with the
/// KEY's canonical slug.
fn key_uses<'c>(runbook: &Runbook, catalog: &'c KeyCatalog, config: &IdeConfig) -> Vec<(TextRange, &'c str)> {
    let slugs = runbook
        .key_refs
        .iter()
        .filter(|key_ref| is_key_reference(key_ref, config, Some(catalog)))
        .filter_map(|key_ref| Some((key_ref.range, catalog.key(&key_ref.slug)?.slug.as_str())));
    let imports = runbook.imports.iter().filter_map(|import| {
        Some((import.specifier_range, catalog.resolve_import(&import.specifier).key()?.slug.as_str()))
    });
    slugs.chain(imports).collect()
}

/// The start of the KEY's manifest, else of its entry.
fn definition(key: &Key) -> Option<FileLocation> {
    let path = key.manifest_path.clone().or_else(|| key.entry.clone())?;
    Some(FileLocation { path, range: SourceRange::default() })
}

#[cfg(test)]
mod tests {
    use std::fmt::Write;

    use expect_test::{Expect, expect};
    use runbook_syntax::fixture::Fixture;

    use crate::hover::tests::KEYS;
    use crate::test_utils::analysis;

    #[track_caller]
    fn check(fixture: &str, expect: Expect) {
        let (analysis, path, text) = analysis(&Fixture::parse(&format!("{fixture}{KEYS}")));
        let mut out = String::new();
        for lens in analysis.code_lenses(&path) {
            writeln!(out, "{:?} {}: {:?}", &text[lens.range.as_range()], lens.title, lens.kind).unwrap();
            for location in &lens.locations {
                let start = location.range.start;
                writeln!(out, "    {}:{}:{}", location.path.display(), start.line + 1, start.utf16 + 1).unwrap();
            }
        }
        expect.assert_eq(&out);
    }

    #[test]
    fn keys_with_their_classes_and_how_many_other_runbooks_use_them() {
        check(
            r#"//- /runbooks/main.md
# Main

### Action 1: Replay (REVERSIBLE)

- **KEY**: `node-stripe-webhook-replay`

```ts
import { updateWebhookSecret } from '@/node-keys/webhook-secret-update/src';
```

### Action 2: Not Classified

Prose naming `node-webhook-monitoring` twice: `node-webhook-monitoring`, and `node-missing`.

### Action 3: Nothing to run
//- /runbooks/other.md
Uses `node-stripe-webhook-replay` and `node-webhook-monitoring`.
//- /node-keys/webhook-monitoring/README.md
The docs of `node-webhook-monitoring` do not count.
//- /runbook-keys/third/README.md
```ts
import { replayFailedWebhooks } from '@/node-keys/stripe-webhook-replay/src';
```
"#,
            expect![[r#"
                "Action 1: Replay (REVERSIBLE)" node-stripe-webhook-replay · REVERSIBLE: Key { slug: "node-stripe-webhook-replay" }
                    /ws/node-keys/stripe-webhook-replay/key.json:1:1
                "Action 1: Replay (REVERSIBLE)" used by 2 other runbooks: UsedBy { slug: "node-stripe-webhook-replay", n_runbooks: 2 }
                    /ws/runbook-keys/third/README.md:2:39
                    /ws/runbooks/main.md:5:13
                    /ws/runbooks/other.md:1:7
                "Action 1: Replay (REVERSIBLE)" node-webhook-secret-update · REVERSIBLE: Key { slug: "node-webhook-secret-update" }
                    /ws/node-keys/webhook-secret-update/key.json:1:1
                "Action 2: Not Classified" node-webhook-monitoring · SAFE: Key { slug: "node-webhook-monitoring" }
                    /ws/node-keys/webhook-monitoring/key.json:1:1
                "Action 2: Not Classified" used by 1 other runbook: UsedBy { slug: "node-webhook-monitoring", n_runbooks: 1 }
                    /ws/runbooks/main.md:13:15
                    /ws/runbooks/main.md:13:48
                    /ws/runbooks/other.md:1:40
            "#]],
        );
    }
}
