//! Workspace symbols (SPEC 4 "navigation"): the KEYs (slug and title), their
//! exports and the Actions of every runbook (title and safety class), matched
//! fuzzily against the query as editors filter, best first, bounded.

use std::path::{Path, PathBuf};

use runbook_keys::{Export, ExportKind, Key};
use runbook_syntax::{Parse, SourceRange};

use crate::Analysis;
use crate::action_view::ActionView;
use crate::fuzzy::{Best, GreedyPattern};
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

/// A symbol before it is built: only the best-scoring ones become symbols.
enum Candidate<'a> {
    Key(&'a Key),
    Export(&'a Key, &'a Export),
    /// An Action, by its index in the runbook at the path.
    Action(&'a Path, &'a Parse, usize),
}

impl<'a> Candidate<'a> {
    /// What the query is matched against: the slug, the export's name, or
    /// the Action's heading text (which holds its number, title and class).
    fn name(&self) -> &'a str {
        match *self {
            Candidate::Key(key) => &key.slug,
            Candidate::Export(_, export) => &export.name,
            Candidate::Action(_, parse, index) => {
                let runbook = parse.runbook();
                runbook.headings[runbook.sections[runbook.actions[index].section].heading].text(parse.text())
            }
        }
    }
}

impl Analysis {
    pub fn workspace_symbols(&self, query: &str) -> Vec<WorkspaceSymbol> {
        let runbooks: Vec<(&Path, std::sync::Arc<Parse>)> = self.runbooks().collect();
        // With their names: matched straight from the catalog's table of
        // names, which costs less than following each KEY's pointers.
        let catalog_candidates = self.catalog().into_iter().flat_map(|catalog| {
            catalog.symbol_names().map(|(name, key, export)| match export {
                None => (name, Candidate::Key(key)),
                Some(export) => (name, Candidate::Export(key, export)),
            })
        });
        let action_candidates = runbooks.iter().flat_map(|(path, parse)| {
            (0..parse.runbook().actions.len()).map(move |index| {
                let candidate = Candidate::Action(path, parse, index);
                (candidate.name(), candidate)
            })
        });
        let candidates = catalog_candidates.chain(action_candidates);
        if query.trim().is_empty() {
            // Everything matches equally: the first ones, in the catalog's order.
            return candidates
                .take(MAX_WORKSPACE_SYMBOLS)
                .filter_map(|(_, candidate)| self.symbol(candidate))
                .collect();
        }
        let mut pattern = GreedyPattern::new(query);
        let best_first =
            |a: &(u32, &str, Candidate<'_>), b: &(u32, &str, Candidate<'_>)| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1));
        let mut best = Best::new(MAX_WORKSPACE_SYMBOLS, best_first);
        for (name, candidate) in candidates {
            if let Some(score) = pattern.score(name) {
                best.push((score, name, candidate));
            }
        }
        best.into_sorted().into_iter().filter_map(|(_, _, candidate)| self.symbol(candidate)).collect()
    }

    fn symbol(&self, candidate: Candidate<'_>) -> Option<WorkspaceSymbol> {
        Some(match candidate {
            Candidate::Key(key) => {
                let declaration = key_declaration(key)?;
                WorkspaceSymbol {
                    name: key.slug.clone(),
                    kind: WorkspaceSymbolKind::Key,
                    container: key.manifest.as_ref().and_then(|manifest| manifest.title.clone()),
                    path: declaration.path,
                    range: declaration.range,
                }
            }
            Candidate::Export(key, export) => WorkspaceSymbol {
                name: export.name.clone(),
                kind: WorkspaceSymbolKind::Export(export.kind),
                container: Some(key.slug.clone()),
                path: export.definition.path.clone(),
                range: export.definition.range,
            },
            Candidate::Action(path, parse, index) => {
                let runbook = parse.runbook();
                let view = ActionView::new(runbook, index);
                let class = view.effective_class().map_or("no safety class".to_string(), |class| class.to_string());
                let relative = path.strip_prefix(self.root()).unwrap_or(path);
                WorkspaceSymbol {
                    name: format!("Action {}: {} ({class})", view.action.number, view.action.title),
                    kind: WorkspaceSymbolKind::Action,
                    container: Some(runbook_keys::fs::slash_path(relative)),
                    path: path.to_path_buf(),
                    range: parse.line_index().source_range(parse.text(), view.action.heading_range),
                }
            }
        })
    }
}
