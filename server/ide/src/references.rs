//! Where a KEY or an export is used across the workspace (SPEC 4
//! "navigation"): every slug reference, import specifier, Location and
//! pack.json entry of a KEY, and every import and call of an export, in every
//! runbook of the index, open documents read from the editor's text. Rename,
//! highlights and code lens count on the same search.

use std::path::{Path, PathBuf};

use runbook_keys::{FileRange, Key, KeyCatalog};
use runbook_syntax::{Runbook, SourceRange, TextRange};

use crate::Analysis;
use crate::classify::Definition;
use crate::pack::Pack;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReferenceKind {
    /// Where the KEY or export is defined (its manifest, its declaration).
    Declaration,
    KeySlug,
    ImportSpecifier,
    Location,
    PackEntry,
    /// An imported name (`replayFailedWebhooks` in `import { … }`).
    ImportedName,
    Call,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub path: PathBuf,
    pub range: SourceRange,
    pub kind: ReferenceKind,
}

/// What references are searched for.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target<'c> {
    Key(&'c Key),
    Export { key: &'c Key, name: &'c str },
}

impl<'c> Target<'c> {
    /// The target of a definition, if references make sense for it.
    pub(crate) fn of(definition: &Definition, catalog: &'c KeyCatalog) -> Option<Target<'c>> {
        match definition {
            Definition::Export { key, name } => {
                let key = catalog.key(key)?;
                Some(Target::Export { key, name: &key.export(name)?.name })
            }
            other => Some(Target::Key(catalog.key(other.key()?)?)),
        }
    }
}

/// One use of a KEY in a runbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyUse {
    pub range: TextRange,
    pub kind: ReferenceKind,
    /// For specifiers and Locations: the KEY's folder name inside them.
    pub folder: Option<TextRange>,
}

/// The texts a runbook can name a KEY by, to pass over the many that name
/// another before resolving them (most of a workspace-wide search): a slug
/// names the KEY when it is its own or its alias (what `KeyCatalog::key`
/// maps to it), and an import specifier or a Location can only resolve into
/// the KEY's folder when it holds the folder's name (`folder_in_specifier`
/// and `folder_in_path` read the folder from the text).
struct KeyNames<'k> {
    slug: &'k str,
    alias: Option<&'k str>,
    folder: &'k str,
}

impl<'k> KeyNames<'k> {
    fn new(catalog: &'k KeyCatalog, key: &'k Key) -> KeyNames<'k> {
        KeyNames { slug: &key.slug, alias: catalog.alias(key), folder: &key.folder }
    }

    fn is_slug(&self, slug: &str) -> bool {
        slug == self.slug || Some(slug) == self.alias
    }

    fn may_name(&self, specifier_or_path: &str) -> bool {
        specifier_or_path.contains(self.folder)
    }
}

/// The uses of `key` in a runbook, in document order.
pub(crate) fn key_uses(runbook: &Runbook, catalog: &KeyCatalog, key: &Key) -> Vec<KeyUse> {
    let names = KeyNames::new(catalog, key);
    let is_key = |other: Option<&Key>| other.is_some_and(|other| other.dir == key.dir);
    let mut uses = Vec::new();
    for key_ref in &runbook.key_refs {
        if names.is_slug(&key_ref.slug) {
            uses.push(KeyUse { range: key_ref.range, kind: ReferenceKind::KeySlug, folder: None });
        }
    }
    for import in &runbook.imports {
        if !names.may_name(&import.specifier) || !is_key(catalog.resolve_import(&import.specifier).key()) {
            continue;
        }
        let folder = catalog.folder_in_specifier(&import.specifier).map(|(_, folder)| {
            TextRange::new(import.specifier_range.start + folder.start, import.specifier_range.start + folder.end)
        });
        uses.push(KeyUse { range: import.specifier_range, kind: ReferenceKind::ImportSpecifier, folder });
    }
    for location in &runbook.locations {
        if !names.may_name(&location.path) || !is_key(catalog.key_for_path(&location.path)) {
            continue;
        }
        let folder = catalog
            .folder_in_path(&location.path)
            .map(|(_, folder)| TextRange::new(location.range.start + folder.start, location.range.start + folder.end));
        uses.push(KeyUse { range: location.range, kind: ReferenceKind::Location, folder });
    }
    uses.sort_by_key(|key_use| key_use.range.start);
    uses
}

/// The imported names and calls of an export in a runbook, in document order.
pub(crate) fn export_uses(runbook: &Runbook, catalog: &KeyCatalog, key: &Key, name: &str) -> Vec<KeyUse> {
    let names = KeyNames::new(catalog, key);
    let mut uses = Vec::new();
    for (index, import) in runbook.imports.iter().enumerate() {
        let imports_key = names.may_name(&import.specifier)
            && import.names.iter().any(|imported| *imported.name == *name)
            && catalog.resolve_import(&import.specifier).entry().is_some_and(|entry| entry.dir == key.dir);
        if !imports_key {
            continue;
        }
        for (name_index, imported) in import.names.iter().enumerate() {
            if *imported.name != *name {
                continue;
            }
            uses.push(KeyUse { range: imported.name_range, kind: ReferenceKind::ImportedName, folder: None });
            let calls = runbook.calls.iter().filter(|call| call.import == index && call.name == name_index);
            uses.extend(calls.map(|call| KeyUse { range: call.range, kind: ReferenceKind::Call, folder: None }));
        }
    }
    uses.sort_by_key(|key_use| key_use.range.start);
    uses
}

/// The entries of a pack that name `key`.
pub(crate) fn pack_uses<'p>(
    pack: &'p Pack,
    catalog: &'p KeyCatalog,
    key: &'p Key,
) -> impl Iterator<Item = TextRange> + 'p {
    let names = KeyNames::new(catalog, key);
    pack.entries().filter(move |(_, entry)| names.is_slug(&entry.slug)).map(|(_, entry)| entry.range)
}

/// Where a KEY is declared: the `slug` of its manifest (or the manifest's
/// start), else the start of its entry.
pub(crate) fn key_declaration(key: &Key) -> Option<FileRange> {
    if let Some(path) = &key.manifest_path {
        let range = key.manifest.as_ref().and_then(|manifest| manifest.slug_range).unwrap_or_default();
        return Some(FileRange { path: path.clone(), range });
    }
    Some(FileRange { path: key.entry.clone()?, range: SourceRange::default() })
}

impl Analysis {
    /// The references of what the text at `offset` names: a KEY (from its
    /// slug, a specifier or a Location) or an export (from an imported name
    /// or a call). `None` when it names neither.
    pub fn references(&self, path: &Path, offset: usize, include_declaration: bool) -> Option<Vec<Reference>> {
        let classification = self.classify(path, offset)?;
        let catalog = self.catalog()?;
        let target = Target::of(classification.definition.as_ref()?, catalog)?;
        let mut references = Vec::new();
        if include_declaration {
            let declaration = match target {
                Target::Key(key) => key_declaration(key),
                Target::Export { key, name } => key.export(name).map(|export| export.definition.clone()),
            };
            references.extend(declaration.map(|FileRange { path, range }| Reference {
                path,
                range,
                kind: ReferenceKind::Declaration,
            }));
        }
        references.extend(self.uses(target));
        Some(references)
    }

    /// Every use of a KEY or an export across the workspace's runbooks and
    /// packs, sorted by file and position.
    pub(crate) fn uses(&self, target: Target<'_>) -> Vec<Reference> {
        let Some(catalog) = self.catalog() else { return Vec::new() };
        let mut references = Vec::new();
        for (path, parse) in self.runbooks() {
            let runbook = parse.runbook();
            let uses = match target {
                Target::Key(key) => key_uses(runbook, catalog, key),
                Target::Export { key, name } => export_uses(runbook, catalog, key, name),
            };
            if uses.is_empty() {
                continue;
            }
            let line_index = parse.line_index();
            references.extend(uses.into_iter().map(|key_use| Reference {
                path: path.to_path_buf(),
                range: line_index.source_range(parse.text(), key_use.range),
                kind: key_use.kind,
            }));
        }
        if let (Target::Key(key), Some(index)) = (target, self.index()) {
            for (pack_path, pack) in index.packs.iter() {
                references.extend(pack_uses(pack, catalog, key).map(|range| Reference {
                    path: pack_path.clone(),
                    range: pack.source_range(range),
                    kind: ReferenceKind::PackEntry,
                }));
            }
        }
        references.sort_by(|a, b| (&a.path, a.range.range.start).cmp(&(&b.path, b.range.range.start)));
        references
    }

    /// The uses of the KEY or export at `offset` in the same runbook.
    pub fn document_highlights(&self, path: &Path, offset: usize) -> Vec<(TextRange, ReferenceKind)> {
        let Some(classification) = self.classify(path, offset) else { return Vec::new() };
        let (Some(catalog), Some(parse)) = (self.catalog(), self.parse(path)) else { return Vec::new() };
        let Some(target) = classification.definition.as_ref().and_then(|definition| Target::of(definition, catalog))
        else {
            return Vec::new();
        };
        let runbook = parse.runbook();
        let uses = match target {
            Target::Key(key) => key_uses(runbook, catalog, key),
            Target::Export { key, name } => export_uses(runbook, catalog, key, name),
        };
        uses.into_iter().map(|key_use| (key_use.range, key_use.kind)).collect()
    }
}
