//! Workspace symbols (SPEC 4 "navigation"): the KEYs (slug and title), their
//! exports and the Actions of every runbook (title and safety class), matched
//! fuzzily against the query as editors filter, best first, bounded.

use std::path::PathBuf;

use runbook_keys::ExportKind;
use runbook_syntax::SourceRange;

use crate::Analysis;
use crate::action_view::ActionView;
use crate::fuzzy::FuzzyPattern;
use crate::references::key_declaration;

/// At most this many symbols are answered: a query of one letter matches
/// most of a large workspace.
pub const MAX_WORKSPACE_SYMBOLS: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkspaceSymbolKind {
    Key,
    Export(ExportKind),
    Action,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceSymbol {
    pub name: String,
    pub kind: WorkspaceSymbolKind,
    /// A KEY's title, an export's KEY, an Action's runbook.
    pub container: Option<String>,
    pub path: PathBuf,
    pub range: SourceRange,
}

impl Analysis {
    pub fn workspace_symbols(&self, query: &str) -> Vec<WorkspaceSymbol> {
        let mut pattern = FuzzyPattern::new(query);
        let mut scored: Vec<(u32, WorkspaceSymbol)> = Vec::new();
        let mut consider = |symbol: WorkspaceSymbol, pattern: &mut FuzzyPattern| {
            if let Some(score) = pattern.score(&symbol.name) {
                scored.push((score, symbol));
            }
        };
        if let Some(catalog) = self.catalog() {
            for key in catalog.keys() {
                if let Some(declaration) = key_declaration(key) {
                    let title = key.manifest.as_ref().and_then(|manifest| manifest.title.clone());
                    let symbol = WorkspaceSymbol {
                        name: key.slug.clone(),
                        kind: WorkspaceSymbolKind::Key,
                        container: title,
                        path: declaration.path,
                        range: declaration.range,
                    };
                    consider(symbol, &mut pattern);
                }
                for export in &key.exports {
                    let symbol = WorkspaceSymbol {
                        name: export.name.clone(),
                        kind: WorkspaceSymbolKind::Export(export.kind),
                        container: Some(key.slug.clone()),
                        path: export.definition.path.clone(),
                        range: export.definition.range,
                    };
                    consider(symbol, &mut pattern);
                }
            }
        }
        for (path, parse) in self.runbooks() {
            let runbook = parse.runbook();
            let relative = path.strip_prefix(self.root()).unwrap_or(path);
            for index in 0..runbook.actions.len() {
                let view = ActionView::new(runbook, index);
                let class = view.effective_class().map_or("no safety class".to_string(), |class| class.to_string());
                let name = format!("Action {}: {} ({class})", view.action.number, view.action.title);
                if pattern.score(&name).is_none() {
                    continue;
                }
                let range = parse.line_index().source_range(parse.text(), view.action.heading_range);
                let symbol = WorkspaceSymbol {
                    name,
                    kind: WorkspaceSymbolKind::Action,
                    container: Some(runbook_keys::fs::slash_path(relative)),
                    path: path.to_path_buf(),
                    range,
                };
                consider(symbol, &mut pattern);
            }
        }
        scored
            .sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.name.cmp(&b.1.name)).then_with(|| a.1.path.cmp(&b.1.path)));
        scored.truncate(MAX_WORKSPACE_SYMBOLS);
        scored.into_iter().map(|(_, symbol)| symbol).collect()
    }
}
