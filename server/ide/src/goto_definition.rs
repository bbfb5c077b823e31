//! Go to definition (SPEC 4 "navigation"): a KEY slug goes to its
//! `key.json` (its entry when it has no manifest), an import specifier to the
//! module it names, an imported name or a call to its declaration (followed
//! through re-exports by the catalog), a Location to the file it names.

use std::path::{Path, PathBuf};

use runbook_syntax::{SourceRange, TextRange};

use crate::Analysis;
use crate::classify::Definition;
use crate::references::key_declaration;

/// A place to go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavigationTarget {
    pub path: PathBuf,
    /// The whole target (a file's start, a declaration's name).
    pub full_range: SourceRange,
    /// What to select there.
    pub focus_range: SourceRange,
}

impl NavigationTarget {
    fn at(path: PathBuf, range: SourceRange) -> NavigationTarget {
        NavigationTarget { path, full_range: range, focus_range: range }
    }
}

impl Analysis {
    /// Where what the text at `offset` names is defined, with the range of
    /// the text it was asked from.
    pub fn goto_definition(&self, path: &Path, offset: usize) -> Option<(TextRange, Vec<NavigationTarget>)> {
        let classification = self.classify(path, offset)?;
        let catalog = self.catalog()?;
        let target = match classification.definition? {
            Definition::Key { slug } => {
                let declaration = key_declaration(catalog.key(&slug)?)?;
                NavigationTarget::at(declaration.path, declaration.range)
            }
            Definition::Module { path, .. } => NavigationTarget::at(path, SourceRange::default()),
            Definition::Export { key, name } => {
                let export = catalog.key(&key)?.export(&name)?;
                NavigationTarget::at(export.definition.path.clone(), export.definition.range)
            }
            Definition::File { path, .. } => {
                if !self.fs().is_file(&path) {
                    return None;
                }
                NavigationTarget::at(path, SourceRange::default())
            }
            Definition::SafetyClass(_) | Definition::FieldLabel(_) => return None,
        };
        Some((classification.range, vec![target]))
    }
}
