//! Which runbooks a change can break (`runbook-ls check --affected-by`):
//! the changed runbooks themselves, the runbooks beside a changed pack.json,
//! and every runbook that uses a KEY one of whose files changed, found with
//! the same searches as find-references. A KEY folder that is gone (deleted
//! or renamed) is still matched by its folder name, so the runbooks that
//! name it are checked and fail.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use runbook_keys::{Key, KeyCatalog};
use runbook_syntax::Runbook;

use crate::Analysis;
use crate::index::{is_markdown, is_pack};
use crate::references::key_uses;
use crate::settings::CONFIG_FILE;

/// Files whose change can alter the findings of every runbook.
const WORKSPACE_FILES: [&str; 2] = [CONFIG_FILE, "tsconfig.json"];

/// A KEY folder a changed file is in, named by its root and folder name (the
/// KEY itself may be gone).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct KeyFolder {
    root: usize,
    folder: String,
}

impl Analysis {
    /// The runbooks of the index whose findings the files at `changed`
    /// (absolute paths, which need not exist any more) can change, sorted.
    /// For the whole answer the index must hold every runbook of the
    /// workspace (`IndexScope::Workspace`).
    pub fn affected_runbooks(&self, changed: &[PathBuf]) -> Vec<PathBuf> {
        let Some(index) = self.index() else { return Vec::new() };
        let all = || index.runbook_paths().map(Path::to_path_buf).collect();
        let root = self.root();
        if changed.iter().any(|path| WORKSPACE_FILES.iter().any(|file| *path == root.join(file))) {
            return all();
        }
        let catalog = index.catalog();
        let folders: BTreeSet<KeyFolder> = changed.iter().filter_map(|path| key_folder(catalog, path)).collect();
        let keys: Vec<&Key> = folders
            .iter()
            .filter_map(|folder| {
                let rel = format!("/{}/{}/", catalog.roots()[folder.root].path, folder.folder);
                catalog.key_for_path(&rel)
            })
            .collect();
        let pack_dirs: Vec<&Path> =
            changed.iter().filter(|path| is_pack(path)).filter_map(|path| path.parent()).collect();
        let mut affected = BTreeSet::new();
        for (path, parse) in self.runbooks() {
            let is_changed = is_markdown(path) && changed.iter().any(|changed| changed == path);
            let beside_pack = path.parent().is_some_and(|dir| pack_dirs.contains(&dir));
            let runbook = parse.runbook();
            let uses_key = || keys.iter().any(|key| !key_uses(runbook, catalog, key).is_empty());
            let names_folder = || folders.iter().any(|folder| names_key_folder(runbook, catalog, folder));
            if is_changed || beside_pack || uses_key() || names_folder() {
                affected.insert(path.to_path_buf());
            }
        }
        affected.into_iter().collect()
    }
}

/// The KEY folder an absolute path lies in, whether or not it still exists.
fn key_folder(catalog: &KeyCatalog, path: &Path) -> Option<KeyFolder> {
    let relative = catalog.relative_path(path)?;
    let (root, range) = catalog.folder_in_path(&relative)?;
    Some(KeyFolder { root, folder: relative[range].to_string() })
}

/// Whether a runbook names a KEY folder: in an import specifier, in a
/// Location, or by the slug a KEY in that folder has without a manifest.
fn names_key_folder(runbook: &Runbook, catalog: &KeyCatalog, folder: &KeyFolder) -> bool {
    let is_folder = |root: usize, name: &str| root == folder.root && name == folder.folder;
    let default_slug = format!("{}-{}", catalog.roots()[folder.root].prefix, folder.folder);
    runbook.imports.iter().any(|import| {
        catalog
            .folder_in_specifier(&import.specifier)
            .is_some_and(|(root, range)| is_folder(root, &import.specifier[range]))
    }) || runbook.locations.iter().any(|location| {
        catalog.folder_in_path(&location.path).is_some_and(|(root, range)| is_folder(root, &location.path[range]))
    }) || runbook.key_refs.iter().any(|key_ref| *key_ref.slug == *default_slug)
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use crate::test_utils::workspace_analysis;

    use super::*;

    /// `changed` are workspace-relative; prints the affected runbooks.
    #[track_caller]
    fn check(fixture: &str, changed: &[&str], expect: Expect) {
        let (analysis, root) = workspace_analysis(fixture);
        let changed: Vec<PathBuf> = changed.iter().map(|path| root.join(path)).collect();
        let affected = analysis.affected_runbooks(&changed);
        let mut out = String::new();
        for path in affected {
            out.push_str(&format!("{}\n", path.strip_prefix(&root).unwrap().display()));
        }
        expect.assert_eq(&out);
    }

    const WORKSPACE: &str = r#"
//- /node-keys/replay/key.json
{ "slug": "replay" }
//- /node-keys/replay/src/index.ts
export { replay } from './replay';
//- /node-keys/replay/src/replay.ts
export async function replay(): Promise<void> {}
//- /node-keys/monitor/src/index.ts
export function check() {}
//- /runbooks/by-slug.md
**KEY**: `node-replay`
//- /runbooks/by-import.md
```ts
import { replay } from '@/node-keys/replay/src';
```
//- /runbooks/by-location.md
**Location**: `/node-keys/replay/src/index.ts`
//- /runbooks/monitor.md
**KEY**: `node-monitor`
//- /runbooks/gone.md
```ts
import { purge } from '@/node-keys/purge/src';
```
//- /runbooks/pack/README.md
Nothing here.
//- /runbooks/pack/pack.json
{ "references_node_keys": [] }
"#;

    #[test]
    fn a_changed_key_file_affects_the_runbooks_that_use_the_key() {
        check(
            WORKSPACE,
            &["node-keys/replay/src/replay.ts"],
            expect![[r#"
                runbooks/by-import.md
                runbooks/by-location.md
                runbooks/by-slug.md
            "#]],
        );
        check(
            WORKSPACE,
            &["node-keys/monitor/src/index.ts", "runbooks/gone.md"],
            expect![[r#"
                runbooks/gone.md
                runbooks/monitor.md
            "#]],
        );
    }

    #[test]
    fn a_key_folder_that_is_gone_affects_the_runbooks_that_name_it() {
        check(
            WORKSPACE,
            &["node-keys/purge/src/index.ts"],
            expect![[r#"
                runbooks/gone.md
            "#]],
        );
    }

    #[test]
    fn packs_and_workspace_files() {
        check(
            WORKSPACE,
            &["runbooks/pack/pack.json"],
            expect![[r#"
                runbooks/pack/README.md
            "#]],
        );
        check(
            WORKSPACE,
            &["runbook-ls.toml"],
            expect![[r#"
                runbooks/by-import.md
                runbooks/by-location.md
                runbooks/by-slug.md
                runbooks/gone.md
                runbooks/monitor.md
                runbooks/pack/README.md
            "#]],
        );
        check(WORKSPACE, &["README.md", "src/app.ts"], expect![""]);
    }
}
