//! The rules that need the KEY index: unknown KEYs, unresolved imports,
//! unknown exports, wrong Locations, an Action's KEY and import naming
//! different KEYs, and KEYs that declare a stricter safety class than the
//! Action that runs them.

use runbook_keys::fs::slash_path;
use runbook_keys::{ImportTarget, Key, KeyCatalog};
use runbook_syntax::{Import, KeyRef, LocationRef, Runbook, SafetyClass, SourceRange, TextRange, Word};

use crate::action_view::{ActionView, NamedBy, is_root_name};
use crate::completion::snippet::entry_specifier as key_entry_specifier;
use crate::diagnostics::{File, Outside, Workspace};
use crate::fixes::{Fix, candidate_fixes};
use crate::{Diagnostic, DiagnosticCode, RelatedLocation};

const N_CANDIDATES: usize = 3;

/// The findings about what one Action holds: its KEY references, imports
/// and Locations, and the Action against its KEY.
pub(super) fn check_action(
    file: &File<'_>,
    view: &ActionView<'_>,
    workspace: &Workspace<'_>,
    catalog: &KeyCatalog,
    found: &mut Vec<Diagnostic>,
) {
    let runbook = file.parse.runbook();
    for key_ref in view.key_refs {
        unknown_key(key_ref, catalog, found);
    }
    // Each import resolved once; several rules ask.
    let targets: Vec<ImportTarget<'_>> =
        view.imports.iter().map(|import| catalog.resolve_import(&import.specifier)).collect();
    for (offset, (import, target)) in view.imports.iter().zip(&targets).enumerate() {
        check_import(runbook, view.first_import + offset, import, target, catalog, found);
    }
    // SPEC 5: every Location of an Action that uses a KEY is checked; any
    // other is checked only when it points into a key root, since ordinary
    // documents name routes (`/privacy`) and folders of other projects.
    let action_key = action_key(view, catalog);
    let uses_key = action_key.is_some() || view.references_key(workspace.config);
    for location in view.locations {
        if uses_key || workspace.config.is_in_key_root(&location.path) {
            check_location(location, action_key, workspace, catalog, found);
        }
    }
    key_import_mismatch(view, &targets, action_key, catalog, found);
    declared_safety(view, &targets, action_key, found);
}

/// The findings about what lies outside every Action (see `Outside`).
pub(super) fn check_outside(
    file: &File<'_>,
    outside: &Outside,
    workspace: &Workspace<'_>,
    catalog: &KeyCatalog,
    found: &mut Vec<Diagnostic>,
) {
    let runbook = file.parse.runbook();
    for key_ref in outside.key_refs(runbook) {
        unknown_key(key_ref, catalog, found);
    }
    for (index, import) in outside.imports(runbook) {
        check_import(runbook, index, import, &catalog.resolve_import(&import.specifier), catalog, found);
    }
    // Locations outside Actions only need to exist, and only those into a key root are checked.
    for location in outside.locations(runbook).filter(|location| workspace.config.is_in_key_root(&location.path)) {
        check_location(location, None, workspace, catalog, found);
    }
}

fn quoted_list(items: &[&str]) -> String {
    items.iter().map(|item| format!("`{item}`")).collect::<Vec<_>>().join(", ")
}

fn unknown_key(key_ref: &KeyRef, catalog: &KeyCatalog, found: &mut Vec<Diagnostic>) {
    if !catalog.is_family(key_ref.family()) || is_root_name(key_ref) || catalog.key(&key_ref.slug).is_some() {
        return;
    }
    let candidates = catalog.closest_slugs(&key_ref.slug, N_CANDIDATES);
    let hint = match candidates.as_slice() {
        [] => String::new(),
        [one] => format!(": did you mean `{one}`?"),
        many => format!(": did you mean one of {}?", quoted_list(many)),
    };
    let fixes = candidate_fixes(candidates.iter().copied(), |slug| {
        Fix::replace(format!("Change to `{slug}`"), key_ref.range, slug)
    });
    found.push(
        Diagnostic::new(DiagnosticCode::UnknownKey, key_ref.range, format!("no KEY is named `{}`{hint}", key_ref.slug))
            .with_fixes(fixes),
    );
}

fn change_specifier(import: &Import, specifier: &str) -> Fix {
    Fix::replace(format!("Change to `{specifier}`"), import.specifier_range, specifier)
}

fn check_import(
    runbook: &Runbook,
    import_index: usize,
    import: &Import,
    target: &ImportTarget<'_>,
    catalog: &KeyCatalog,
    found: &mut Vec<Diagnostic>,
) {
    match *target {
        ImportTarget::NotAKeyImport | ImportTarget::File { .. } => {}
        ImportTarget::UnknownFolder { root, ref folder } => {
            let folder_name = &import.specifier[folder.clone()];
            let root_path = &catalog.roots()[root].path;
            let prefix = &import.specifier[..folder.start];
            let root_prefix = &catalog.roots()[root].prefix;
            let keys: Vec<&Key> = catalog
                .closest_slugs(&format!("{root_prefix}-{folder_name}"), N_CANDIDATES)
                .into_iter()
                .filter_map(|slug| catalog.key(slug))
                .filter(|key| key.root == root)
                .collect();
            let specifier = |key: &Key| format!("{prefix}{}/src", key.folder);
            let hint = match keys.first() {
                Some(best) => format!(": did you mean `{}`?", specifier(best)),
                None => String::new(),
            };
            // A folder whose KEY lacks an imported name would trade this
            // error for an unknown export: not a fix.
            let candidates: Vec<String> = keys
                .iter()
                .filter(|key| import.names.iter().all(|name| key.export(&name.name).is_some()))
                .map(|key| specifier(key))
                .collect();
            found.push(
                Diagnostic::new(
                    DiagnosticCode::UnresolvedImport,
                    import.specifier_range,
                    format!("no KEY folder `{folder_name}` in {root_path}/{hint}"),
                )
                .with_fixes(candidate_fixes(candidates.iter().map(String::as_str), |specifier| {
                    change_specifier(import, specifier)
                })),
            );
        }
        ImportTarget::Missing { key } => {
            let entry = entry_specifier(&import.specifier, key);
            let message = match &key.entry {
                Some(_) => {
                    format!("`{}` is not a file of KEY `{}`: import its entry `{entry}`", import.specifier, key.slug)
                }
                None => format!("KEY `{}` has no entry (src/index.ts): nothing can be imported from it", key.slug),
            };
            let fixes = match &key.entry {
                Some(_) => candidate_fixes([entry.as_str()], |specifier| change_specifier(import, specifier)),
                None => Vec::new(),
            };
            found.push(
                Diagnostic::new(DiagnosticCode::UnresolvedImport, import.specifier_range, message).with_fixes(fixes),
            );
        }
        ImportTarget::Entry(key) => {
            for (name_index, name) in import.names.iter().enumerate() {
                if key.export(&name.name).is_some() {
                    continue;
                }
                let candidates = catalog.closest_exports(key, &name.name, N_CANDIDATES);
                let hint = match candidates.as_slice() {
                    [] => format!("; it exports {}", export_list(key)),
                    [one] => format!(": did you mean `{one}`?"),
                    many => format!(": did you mean one of {}?", quoted_list(many)),
                };
                let mut diagnostic = Diagnostic::new(
                    DiagnosticCode::UnknownExport,
                    name.name_range,
                    format!("KEY `{}` does not export `{}`{hint}", key.slug, name.name),
                )
                .with_fixes(candidate_fixes(candidates.iter().copied(), |export| {
                    Fix::replace_all(
                        format!("Change to `{export}`"),
                        rename_import(runbook, import_index, name_index, export),
                    )
                }));
                if let Some(entry) = &key.entry {
                    diagnostic = diagnostic.with_related(
                        RelatedLocation::File { path: entry.clone(), range: SourceRange::default() },
                        format!("the exports of `{}` start here", key.slug),
                    );
                }
                found.push(diagnostic);
            }
        }
    }
}

/// The edits that make an import name another export: the name, and its
/// calls when the name is also the local one (`b as c` keeps `c`).
fn rename_import(runbook: &Runbook, import_index: usize, name_index: usize, export: &str) -> Vec<(TextRange, String)> {
    let name = &runbook.imports[import_index].names[name_index];
    let mut edits = vec![(name.name_range, export.to_string())];
    if name.local == name.name {
        edits.extend(
            runbook
                .calls
                .iter()
                .filter(|call| call.import == import_index && call.name == name_index)
                .map(|call| (call.range, export.to_string())),
        );
    }
    edits
}

fn export_list(key: &Key) -> String {
    let names: Vec<&str> =
        key.exports().iter().filter(|export| !export.kind.is_type()).map(|export| export.name.as_str()).collect();
    if names.is_empty() { "nothing callable".to_string() } else { quoted_list(&names) }
}

/// `@/node-keys/<folder>/src` for a KEY, keeping the specifier's own prefix.
fn entry_specifier(specifier: &str, key: &Key) -> String {
    match specifier.find(&format!("/{}", key.folder)) {
        Some(at) => format!("{}/{}/src", &specifier[..at], key.folder),
        None => format!("@/{}/src", key.folder),
    }
}

/// The KEY an Action names in its KEY field: the rules compare the Action
/// with what it says it runs, not with a KEY it merely mentions.
fn action_key<'c>(view: &ActionView<'_>, catalog: &'c KeyCatalog) -> Option<(&'c Key, TextRange)> {
    view.key(catalog)
        .filter(|action_key| action_key.named_by == NamedBy::KeyField)
        .map(|action_key| (action_key.key, action_key.range))
}

/// The entry of a KEY as a Location writes it: `/node-keys/x/src/index.ts`.
fn entry_location(key: &Key, catalog: &KeyCatalog) -> Option<String> {
    catalog.relative_path(key.entry.as_deref()?)
}

/// Whether a Location's path (workspace-relative, with or without the
/// leading `/`) names a file or a folder on disk.
pub(crate) fn exists_on_disk(workspace: &Workspace<'_>, path: &str) -> bool {
    workspace.fs.exists(&workspace.root.join(path.trim_start_matches('/')))
}

fn check_location(
    location: &LocationRef,
    action_key: Option<(&Key, TextRange)>,
    workspace: &Workspace<'_>,
    catalog: &KeyCatalog,
    found: &mut Vec<Diagnostic>,
) {
    let relative = location.path.trim_start_matches('/');
    let absolute = workspace.root.join(relative);
    // A folder is as much a place as a file (`/node-keys/x/`, `docs/guides`).
    let exists = match catalog.key_for_path(&location.path) {
        Some(key) => absolute
            .strip_prefix(&key.dir)
            .map(slash_path)
            .is_ok_and(|inside| key.has_file(&inside) || key.has_dir(&inside)),
        None => exists_on_disk(workspace, &location.path),
    };
    let expected = action_key.and_then(|(key, _)| Some((key, entry_location(key, catalog)?)));
    // The KEY's entry, written as the Location writes paths (with or without the leading `/`).
    let set_to_entry = |key: &Key, entry: &str| {
        let entry = if location.path.starts_with('/') { entry } else { entry.trim_start_matches('/') };
        Fix::replace(format!("Change to `{entry}` (the entry of `{}`)", key.slug), location.range, entry)
            .preferred(true)
            .unattended(true)
    };
    if !exists {
        let hint = match &expected {
            Some((_, entry)) => format!(": the entry of the Action's KEY is `{entry}`"),
            None => String::new(),
        };
        found.push(
            Diagnostic::new(
                DiagnosticCode::LocationMismatch,
                location.range,
                format!("`{}` does not exist in the workspace{hint}", location.path),
            )
            .with_fixes(expected.as_ref().map(|(key, entry)| set_to_entry(key, entry))),
        );
        return;
    }
    let Some((key, entry)) = expected else { return };
    if location.path.trim_start_matches('/') != entry.trim_start_matches('/') {
        let (_, key_range) = action_key.expect("expected comes from the action's KEY");
        found.push(
            Diagnostic::new(
                DiagnosticCode::LocationMismatch,
                location.range,
                format!("`{}` is not the entry of the Action's KEY `{}`, which is `{entry}`", location.path, key.slug),
            )
            .with_related(RelatedLocation::Here(key_range), format!("the Action's KEY is `{}`", key.slug))
            .with_fix(set_to_entry(key, &entry)),
        );
    }
}

fn key_import_mismatch(
    view: &ActionView<'_>,
    targets: &[ImportTarget<'_>],
    action_key: Option<(&Key, TextRange)>,
    catalog: &KeyCatalog,
    found: &mut Vec<Diagnostic>,
) {
    let Some((key, key_range)) = action_key else { return };
    for (import, target) in view.imports.iter().zip(targets) {
        let Some(imported) = target.key() else { continue };
        if imported.slug == key.slug {
            continue;
        }
        found.push(
            Diagnostic::new(
                DiagnosticCode::KeyImportMismatch,
                import.specifier_range,
                format!(
                    "Action {} names KEY `{}` but imports from KEY `{}`: make them the same KEY",
                    view.action.number, key.slug, imported.slug
                ),
            )
            .with_related(RelatedLocation::Here(key_range), format!("the KEY field names `{}`", key.slug))
            .with_fixes(agree_on_one_key(import, key, key_range, imported, catalog)),
        );
    }
}

/// The two ways to make an Action's KEY field and import agree. Importing
/// from the KEY field's KEY is offered only when that KEY exports every
/// imported name: otherwise the fix would break the import.
fn agree_on_one_key(
    import: &Import,
    key: &Key,
    key_range: TextRange,
    imported: &Key,
    catalog: &KeyCatalog,
) -> Vec<Fix> {
    let mut fixes = vec![Fix::replace(
        format!("Use the KEY of the import: `{}`", imported.slug),
        key_range,
        imported.slug.as_str(),
    )];
    if let Some(specifier) = key_entry_specifier(key, catalog)
        && import.names.iter().all(|name| key.export(&name.name).is_some())
    {
        fixes.push(Fix::replace(
            format!("Use the import of the KEY: `{specifier}`"),
            import.specifier_range,
            specifier.as_str(),
        ));
    }
    fixes
}

/// The strictest class the KEYs of an Action declare for it (see
/// `declared_class`), and the KEY that declares it: what the Action must be
/// classified for `safety-mismatch` to have nothing to say.
pub(crate) fn strictest_declared(view: &ActionView<'_>, catalog: &KeyCatalog) -> Option<(SafetyClass, String)> {
    let targets: Vec<ImportTarget<'_>> =
        view.imports.iter().map(|import| catalog.resolve_import(&import.specifier)).collect();
    let mut keys: Vec<&Key> = action_key(view, catalog).map(|(key, _)| key).into_iter().collect();
    keys.extend(targets.iter().filter_map(ImportTarget::key));
    keys.into_iter()
        .filter_map(|key| Some((declared_class(key, view, &targets)?.0, key.slug.clone())))
        .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(&a.1)))
}

/// What a KEY says about its own safety for this Action: its manifest's
/// class, and the `@safety` of the exports the Action imports.
fn declared_class(
    key: &Key,
    view: &ActionView<'_>,
    targets: &[ImportTarget<'_>],
) -> Option<(SafetyClass, RelatedLocation, String)> {
    let mut strictest: Option<(SafetyClass, RelatedLocation, String)> = None;
    let mut consider = |class: SafetyClass, location: RelatedLocation, what: String| {
        if strictest.as_ref().is_none_or(|(current, _, _)| class > *current) {
            strictest = Some((class, location, what));
        }
    };
    if let (Some(manifest), Some(path)) = (&key.manifest, &key.manifest_path)
        && let Some(class) = manifest.safety
    {
        let range = manifest.safety_range.unwrap_or_default();
        consider(class, RelatedLocation::File { path: path.clone(), range }, format!("key.json of `{}`", key.slug));
    }
    let imports_of_key =
        view.imports.iter().zip(targets).filter(|(_, target)| target.key().is_some_and(|k| k.slug == key.slug));
    for (import, _) in imports_of_key {
        for name in &import.names {
            let Some(export) = key.export(&name.name) else { continue };
            let Some(class) = export.doc.as_ref().and_then(|doc| doc.safety_class) else { continue };
            consider(
                class,
                RelatedLocation::File { path: export.definition.path.clone(), range: export.definition.range },
                format!("@safety of `{}`", export.name),
            );
        }
    }
    strictest
}

fn declared_safety(
    view: &ActionView<'_>,
    targets: &[ImportTarget<'_>],
    action_key: Option<(&Key, TextRange)>,
    found: &mut Vec<Diagnostic>,
) {
    let Some(effective) = view.effective_class() else { return };
    let word: Option<&Word> = view
        .action
        .heading_safety
        .as_ref()
        .filter(|word| word.safety_class() == Some(effective))
        .or(view.field_safety.filter(|word| word.safety_class() == Some(effective)));
    let range = word.map_or(view.action.heading_range, |word| word.range);
    let mut keys: Vec<&Key> = action_key.map(|(key, _)| key).into_iter().collect();
    keys.extend(targets.iter().filter_map(ImportTarget::key));
    keys.sort_by(|a, b| a.slug.cmp(&b.slug));
    keys.dedup_by(|a, b| a.slug == b.slug);
    let declared_by: Vec<(&Key, (SafetyClass, RelatedLocation, String))> =
        keys.into_iter().filter_map(|key| Some((key, declared_class(key, view, targets)?))).collect();
    // Every finding gets the same fix: the strictest class any KEY declares,
    // in the heading and the Safety field alike, silences them all.
    let strictest = declared_by.iter().map(|(key, (class, ..))| (*class, &key.slug)).max_by_key(|(class, _)| *class);
    for (key, (declared, location, source)) in declared_by.iter().map(|(key, declared)| (key, declared.clone())) {
        if declared <= effective {
            continue;
        }
        let (class, slug) = strictest.expect("a declared class exists");
        let words = [view.action.heading_safety.as_ref(), view.field_safety];
        let edits = words
            .into_iter()
            .flatten()
            .filter(|word| word.safety_class().is_some_and(|known| known != class))
            .map(|word| (word.range, class.as_str().to_string()))
            .collect();
        let fix = Fix::replace_all(
            format!("Classify Action {} as {class} (declared by `{slug}`)", view.action.number),
            edits,
        )
        .preferred(true)
        .unattended(true);
        found.push(
            Diagnostic::new(
                DiagnosticCode::SafetyMismatch,
                range,
                format!(
                    "KEY `{}` declares itself {declared} ({source}) but Action {} is classified {effective}: classify the Action {declared}",
                    key.slug, view.action.number
                ),
            )
            .with_related(location, format!("`{}` is declared {declared} here", key.slug))
            .with_fix(fix),
        );
    }
}
