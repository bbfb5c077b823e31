//! Document links (SPEC 4 "navigation"): each Location path and each import
//! specifier that names an existing file becomes a link to it.

use std::path::{Path, PathBuf};

use runbook_keys::ImportTarget;
use runbook_syntax::TextRange;

use crate::Analysis;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentLink {
    pub range: TextRange,
    pub target: PathBuf,
}

impl Analysis {
    pub fn document_links(&self, path: &Path) -> Vec<DocumentLink> {
        let (Some(parse), Some(catalog)) = (self.parse(path), self.catalog()) else { return Vec::new() };
        let runbook = parse.runbook();
        let mut links = Vec::new();
        for location in &runbook.locations {
            let target = self.root().join(location.path.trim_start_matches('/'));
            let exists = match catalog.key_for_path(&location.path) {
                Some(key) => target
                    .strip_prefix(&key.dir)
                    .is_ok_and(|inside| key.has_file(&runbook_keys::fs::slash_path(inside))),
                None => self.fs().is_file(&target),
            };
            if exists {
                links.push(DocumentLink { range: location.range, target });
            }
        }
        for import in &runbook.imports {
            let target = match catalog.resolve_import(&import.specifier) {
                ImportTarget::Entry(key) => key.entry.clone(),
                ImportTarget::File { path, .. } => Some(path),
                _ => None,
            };
            if let Some(target) = target {
                links.push(DocumentLink { range: import.specifier_range, target });
            }
        }
        links.sort_by_key(|link| link.range.start);
        links
    }
}
