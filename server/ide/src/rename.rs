//! Rename of a KEY (SPEC 4 "navigation"): one change that rewrites every
//! slug reference, pack.json entry and the manifest's `slug`, and, when the
//! KEY's folder is renamed with it, every import specifier and Location that
//! names the folder. Anything defined in TypeScript is refused: the server
//! never edits code. Also the edits that keep references right when the
//! editor renames or moves a KEY folder or a file in one
//! (`workspace/willRenameFiles`).

use std::path::{Path, PathBuf};

use runbook_keys::{Key, KeyCatalog};
use runbook_syntax::{TextRange, is_slug};

use crate::Analysis;
use crate::classify::{Definition, Token};
use crate::references::{ReferenceKind, key_uses, pack_uses};
use crate::source_change::{FileSystemEdit, SourceChange, TextEdit};

/// Why a rename cannot be done, in one line for the user.
pub type RenameError = String;

impl Analysis {
    /// The text a rename at `offset` would replace: a KEY slug reference.
    pub fn prepare_rename(&self, path: &Path, offset: usize) -> Result<TextRange, RenameError> {
        let classification = self.classify(path, offset).ok_or("nothing to rename here")?;
        let catalog = self.catalog().ok_or("the KEY index is not ready yet; try again in a moment")?;
        match (&classification.token, &classification.definition) {
            (Token::KeySlug { .. }, Some(Definition::Key { .. })) => Ok(classification.range),
            (Token::KeySlug { key_ref }, None) => {
                let slug = self.parse(path).map(|parse| parse.runbook().key_refs[*key_ref].slug.to_string());
                Err(format!("no KEY is named `{}`: there is nothing to rename", slug.unwrap_or_default()))
            }
            (_, Some(Definition::Export { key, name })) => {
                let place = catalog
                    .key(key)
                    .and_then(|key| key.export(name))
                    .and_then(|export| {
                        let path = catalog.relative_path(&export.definition.path)?;
                        Some(format!(" at {path}:{}", export.definition.range.start.line + 1))
                    })
                    .unwrap_or_default();
                Err(format!(
                    "`{name}` is defined in TypeScript{place}; runbook-ls never edits code: rename it there, then fix the runbooks"
                ))
            }
            (Token::ImportSpecifier { .. } | Token::LocationPath { .. }, Some(definition)) => match definition.key() {
                Some(key) => Err(format!("rename KEY `{key}` from one of its slug references (`{key}`)")),
                None => Err("only KEY slugs can be renamed".to_string()),
            },
            _ => Err("only KEY slugs can be renamed".to_string()),
        }
    }

    /// Renames the KEY whose slug is at `offset` to `new_slug`. With
    /// `rename_folders`, the KEY's folder is renamed too when its name is the
    /// KEY's name (import specifiers and Locations follow it).
    pub fn rename(
        &self,
        path: &Path,
        offset: usize,
        new_slug: &str,
        rename_folders: bool,
    ) -> Result<SourceChange, RenameError> {
        self.prepare_rename(path, offset)?;
        let catalog = self.catalog().ok_or("the KEY index is not ready yet")?;
        let classification = self.classify(path, offset).ok_or("nothing to rename here")?;
        let Some(Definition::Key { slug }) = classification.definition else {
            return Err("only KEY slugs can be renamed".to_string());
        };
        let key = catalog.key(&slug).ok_or("the KEY is gone")?;
        // Renaming at a use of the alias, the editor offers the alias: the
        // new name in the alias family names the canonical slug to write.
        let mut new_slug = new_slug.trim().to_string();
        if let Some(alias_family) = catalog.alias(key).and_then(|alias| alias.split('-').next())
            && let Some(name) = new_slug.strip_prefix(&format!("{alias_family}-"))
        {
            new_slug = format!("{}-{name}", key.family);
        }
        let new_slug = new_slug.as_str();
        let new_name = validate(catalog, key, new_slug)?;
        let manifest_slug =
            key.manifest.as_ref().and_then(|manifest| Some((manifest.slug.as_ref()?, manifest.slug_range?)));
        // The name part of the slug: what the folder is named after, by convention.
        let old_name = key.slug.strip_prefix(&format!("{}-", key.family)).unwrap_or(&key.slug);
        let folder_follows = key.folder == old_name || manifest_slug.is_some_and(|(slug, _)| *slug == key.folder);
        let rename_folder = rename_folders && folder_follows;
        if manifest_slug.is_none() && !rename_folder {
            return Err(format!(
                "KEY `{}` takes its slug from its folder name and the folder cannot be renamed here; rename the folder {} or add a \"slug\" to its key.json",
                key.slug,
                catalog.relative_path(&key.dir).unwrap_or_default()
            ));
        }
        let mut change = SourceChange::default();
        if let (Some((old, range)), Some(manifest_path)) = (manifest_slug, &key.manifest_path) {
            // Keep the manifest's own style: with the family prefix or without.
            let family_prefix = format!("{}-", key.family);
            let new_text = if old.starts_with(&family_prefix) { new_slug.to_string() } else { new_name.to_string() };
            change.insert(manifest_path.clone(), TextEdit { range, new_text });
        }
        let new_folder = if rename_folder { Some(new_name.to_string()) } else { None };
        self.rewrite_key_uses(catalog, key, Some(new_slug), new_folder.as_deref(), &mut change);
        if let Some(folder) = new_folder {
            let to = key.dir.with_file_name(folder);
            change.file_system_edits.push(FileSystemEdit::Rename { from: key.dir.clone(), to });
        }
        Ok(change)
    }

    /// The edits that keep every reference right when the files at `from`
    /// move to `to` (pairs of absolute paths, files or folders).
    pub fn will_rename_files(&self, renames: &[(PathBuf, PathBuf)]) -> SourceChange {
        let mut change = SourceChange::default();
        let Some(catalog) = self.catalog() else { return change };
        for (from, to) in renames {
            if let Some(key) = catalog.keys().find(|key| key.dir == *from) {
                // A KEY folder renamed in its root: the folder segment of
                // specifiers and Locations follows, and so does the slug when
                // the KEY takes it from its folder.
                let (Some(new_folder), true) =
                    (to.file_name().and_then(|name| name.to_str()), to.parent() == from.parent())
                else {
                    continue;
                };
                let from_folder = key.manifest.as_ref().and_then(|manifest| manifest.slug.as_ref()).is_none();
                let new_slug = from_folder.then(|| format!("{}-{new_folder}", key.family)).filter(|slug| is_slug(slug));
                self.rewrite_key_uses(catalog, key, new_slug.as_deref(), Some(new_folder), &mut change);
            } else if catalog.key_for_file(from).is_some() {
                self.rewrite_paths_into(catalog, from, to, &mut change);
            }
        }
        change
    }

    /// Rewrites the uses of `key`: slugs and pack entries to `new_slug`, the
    /// folder segment of specifiers and Locations to `new_folder`.
    fn rewrite_key_uses(
        &self,
        catalog: &KeyCatalog,
        key: &Key,
        new_slug: Option<&str>,
        new_folder: Option<&str>,
        change: &mut SourceChange,
    ) {
        // A use of the alias keeps to the alias family (SPEC 1).
        let alias = catalog.alias(key);
        let new_alias = new_slug.zip(alias).and_then(|(slug, alias)| {
            let name = slug.strip_prefix(&format!("{}-", key.family))?;
            Some(format!("{}-{name}", alias.split('-').next()?))
        });
        let slug_for = |written: &str| match (alias, &new_alias) {
            (Some(alias), Some(new_alias)) if written == alias => Some(new_alias.as_str()),
            _ => new_slug,
        };
        for (path, parse) in self.runbooks() {
            let line_index = parse.line_index();
            for key_use in key_uses(parse.runbook(), catalog, key) {
                let written = parse.text().get(key_use.range.as_range()).unwrap_or_default();
                let (range, new_text) = match (key_use.kind, slug_for(written), new_folder, key_use.folder) {
                    (ReferenceKind::KeySlug, Some(slug), _, _) => (key_use.range, slug),
                    (ReferenceKind::ImportSpecifier | ReferenceKind::Location, _, Some(folder), Some(range)) => {
                        (range, folder)
                    }
                    _ => continue,
                };
                let edit =
                    TextEdit { range: line_index.source_range(parse.text(), range), new_text: new_text.to_string() };
                change.insert(path.to_path_buf(), edit);
            }
        }
        let Some(index) = self.index() else { return };
        for (pack_path, pack) in index.packs.iter() {
            for range in pack_uses(pack, catalog, key) {
                let Some(slug) = slug_for(pack.text.get(range.as_range()).unwrap_or_default()) else { continue };
                change.insert(
                    pack_path.clone(),
                    TextEdit { range: pack.source_range(range), new_text: slug.to_string() },
                );
            }
        }
    }

    /// Rewrites the Locations that name `from` (or a file under it) to name
    /// `to`, for a file or folder moved inside a KEY.
    fn rewrite_paths_into(&self, catalog: &KeyCatalog, from: &Path, to: &Path, change: &mut SourceChange) {
        let (Some(old), Some(new)) = (catalog.relative_path(from), catalog.relative_path(to)) else { return };
        for (path, parse) in self.runbooks() {
            let line_index = parse.line_index();
            for location in &parse.runbook().locations {
                let written = location.path.trim_start_matches('/');
                let old = old.trim_start_matches('/');
                let Some(rest) = written.strip_prefix(old).filter(|rest| rest.is_empty() || rest.starts_with('/'))
                else {
                    continue;
                };
                let lead = &location.path[..location.path.len() - written.len()];
                let new_text = format!("{lead}{}{rest}", new.trim_start_matches('/'));
                let range = line_index.source_range(parse.text(), location.range);
                change.insert(path.to_path_buf(), TextEdit { range, new_text });
            }
        }
    }
}

/// Checks a new slug for `key`; returns its name part (without the family).
fn validate<'n>(catalog: &KeyCatalog, key: &Key, new_slug: &'n str) -> Result<&'n str, RenameError> {
    let family_prefix = format!("{}-", key.family);
    let Some(name) = new_slug.strip_prefix(&family_prefix).filter(|name| !name.is_empty()) else {
        return Err(format!(
            "a KEY of the `{}` family keeps its prefix: the new slug must start with `{family_prefix}`",
            key.family
        ));
    };
    if !is_slug(new_slug) {
        return Err(format!(
            "`{new_slug}` is not a KEY slug: use lower-case words and digits joined by `-` (like `{family_prefix}stripe-webhook-replay`)"
        ));
    }
    if new_slug == key.slug {
        return Err(format!("the KEY is already named `{new_slug}`"));
    }
    if let Some(existing) = catalog.key(new_slug) {
        let place = catalog.relative_path(&existing.dir).unwrap_or_default();
        return Err(format!("a KEY named `{new_slug}` already exists ({place}); choose another name"));
    }
    if let Some(existing) =
        catalog.keys().find(|other| other.root == key.root && other.folder == name && other.dir != key.dir)
    {
        let place = catalog.relative_path(&existing.dir).unwrap_or_default();
        return Err(format!("the folder {place} already exists; choose another name"));
    }
    Ok(name)
}
