//! The outline of a runbook: sections, with Actions (and their safety class)
//! and diagnosis Steps marked as such.

use runbook_syntax::{Parse, SectionKind, TextRange};

use crate::ActionView;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolKind {
    Section,
    Action,
    Step,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    /// For Actions: the effective safety class, or `no safety class`.
    pub detail: Option<String>,
    pub kind: SymbolKind,
    /// The whole section.
    pub range: TextRange,
    /// The heading text.
    pub selection_range: TextRange,
    pub children: Vec<Symbol>,
}

pub fn document_symbols(parse: &Parse) -> Vec<Symbol> {
    let runbook = parse.runbook();
    let mut roots: Vec<Symbol> = Vec::new();
    // Indices into the path of open symbols, innermost last, with their section index.
    let mut path: Vec<usize> = Vec::new();
    let mut open_sections: Vec<usize> = Vec::new();
    for (index, section) in runbook.sections.iter().enumerate() {
        let heading = &runbook.headings[section.heading];
        let (kind, detail) = match section.kind {
            SectionKind::Plain => (SymbolKind::Section, None),
            SectionKind::Action(action) => {
                let view = ActionView::new(runbook, action);
                let detail = view.effective_class().map_or("no safety class".to_string(), |class| class.to_string());
                (SymbolKind::Action, Some(detail))
            }
            SectionKind::Step(_) => (SymbolKind::Step, None),
        };
        let symbol = Symbol {
            name: match heading.text(parse.text()) {
                "" => "(empty heading)".to_string(),
                text => text.to_string(),
            },
            detail,
            kind,
            range: section.range,
            selection_range: heading.text_range,
            children: Vec::new(),
        };
        while open_sections.last().is_some_and(|&open| Some(open) != section.parent) {
            open_sections.pop();
            path.pop();
        }
        let siblings = children_at(&mut roots, &path);
        siblings.push(symbol);
        path.push(siblings.len() - 1);
        open_sections.push(index);
    }
    roots
}

fn children_at<'a>(roots: &'a mut Vec<Symbol>, path: &[usize]) -> &'a mut Vec<Symbol> {
    let mut children = roots;
    for &index in path {
        children = &mut children[index].children;
    }
    children
}
