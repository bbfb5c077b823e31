//! Imports and calls of imported names inside ts/js code blocks, parsed with
//! tree-sitter-typescript over the block's content only (the markdown text
//! around it, and container prefixes such as `> `, are excluded ranges).

use std::cell::RefCell;
use std::sync::Arc;

use tree_sitter::{Node, Parser, Tree};

use crate::TextRange;
use crate::model::{Call, Import, ImportedName};

/// The TypeScript dialect a code block is parsed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    TypeScript,
    Tsx,
}

impl Dialect {
    /// The dialect for a fence's language tag, if it is a script at all.
    pub fn for_language(language: &str) -> Option<Dialect> {
        match language.to_ascii_lowercase().as_str() {
            "ts" | "typescript" | "js" | "javascript" | "mjs" | "cjs" | "mts" | "cts" => Some(Dialect::TypeScript),
            "tsx" | "jsx" => Some(Dialect::Tsx),
            _ => None,
        }
    }
}

thread_local! {
    static TS_PARSER: RefCell<Parser> = RefCell::new(new_parser(Dialect::TypeScript));
    static TSX_PARSER: RefCell<Parser> = RefCell::new(new_parser(Dialect::Tsx));
}

fn new_parser(dialect: Dialect) -> Parser {
    let mut parser = Parser::new();
    let language = match dialect {
        Dialect::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT,
        Dialect::Tsx => tree_sitter_typescript::LANGUAGE_TSX,
    };
    parser.set_language(&language.into()).expect("the TypeScript grammar matches tree-sitter");
    parser
}

/// Parses `text` (a whole file, or only `ranges` of it) as TypeScript. Never
/// fails: without a tree (which tree-sitter only withholds on cancellation)
/// the caller sees no imports.
pub fn parse(text: &str, ranges: Option<&[tree_sitter::Range]>, dialect: Dialect) -> Option<Tree> {
    let parse_with = |parser: &RefCell<Parser>| {
        let mut parser = parser.borrow_mut();
        parser.set_included_ranges(ranges.unwrap_or(&[])).ok()?;
        let tree = parser.parse(text, None);
        // Leave the parser ready for whole-file parses.
        let _ = parser.set_included_ranges(&[]);
        tree
    };
    match dialect {
        Dialect::TypeScript => TS_PARSER.with(parse_with),
        Dialect::Tsx => TSX_PARSER.with(parse_with),
    }
}

/// The imports and calls of a code block's script, `ranges` of `text` (its
/// content minus container prefixes), parsed as if the script started the
/// text. Where a script starts in the text can change how tree-sitter's
/// error recovery reads it when it is broken: the same unclosed block read
/// in its chunk and in the whole document (ten lines further down) gave two
/// readings, and only one of them had its import. The results are in
/// `text`'s offsets.
pub(crate) fn scan_block(
    text: &str,
    ranges: &[tree_sitter::Range],
    dialect: Dialect,
    code_block: usize,
    imports: &mut Vec<Import>,
    calls: &mut Vec<Call>,
) {
    let Some(first) = ranges.first() else { return };
    let (base, base_point) = (first.start_byte, first.start_point);
    let relative = |point: tree_sitter::Point| tree_sitter::Point {
        row: point.row - base_point.row,
        column: if point.row == base_point.row { point.column - base_point.column } else { point.column },
    };
    let ranges: Vec<tree_sitter::Range> = ranges
        .iter()
        .map(|range| tree_sitter::Range {
            start_byte: range.start_byte - base,
            end_byte: range.end_byte - base,
            start_point: relative(range.start_point),
            end_point: relative(range.end_point),
        })
        .collect();
    let script = &text[base..];
    let Some(tree) = parse(script, Some(&ranges), dialect) else { return };
    let (first_import, first_call) = (imports.len(), calls.len());
    scan_script(script, &tree, code_block, imports, calls);
    let moved = |range: &mut TextRange| *range = TextRange::new(range.start + base, range.end + base);
    imports[first_import..].iter_mut().flat_map(Import::ranges_mut).for_each(moved);
    calls[first_call..].iter_mut().for_each(|call| moved(&mut call.range));
}

/// Collects the imports of a script and the calls of the names it imports,
/// after those of the blocks before it; `code_block` is the index they are
/// tagged with.
fn scan_script(text: &str, tree: &Tree, code_block: usize, imports: &mut Vec<Import>, calls: &mut Vec<Call>) {
    let root = tree.root_node();
    let start = imports.len();
    let first_call = calls.len();
    let mut cursor = root.walk();
    for statement in root.children(&mut cursor) {
        match statement.kind() {
            "import_statement" => imports.extend(import_statement(text, statement, code_block)),
            // `import { a, from '…'` while someone is typing: keep what is there.
            "ERROR" if first_child_kind(statement) == Some("import") => {
                imports.extend(import_statement(text, statement, code_block));
            }
            _ => {}
        }
    }
    let block_imports = &imports[start..];
    if block_imports.iter().all(|import| import.names.is_empty()) {
        return;
    }
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.kind() == "call_expression"
            && let Some(function) = node.child_by_field_name("function")
            && function.kind() == "identifier"
        {
            let local = &text[function.byte_range()];
            let found = block_imports.iter().enumerate().find_map(|(i, import)| {
                let name = import.names.iter().position(|name| &*name.local == local)?;
                Some((i, name))
            });
            if let Some((i, name)) = found {
                calls.push(Call { code_block, import: start + i, name, range: function.byte_range().into() });
            }
        }
        let mut cursor = node.walk();
        let children: Vec<Node<'_>> = node.children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    // This block's calls in order; those of the blocks before it come first.
    calls[first_call..].sort_by_key(|call| call.range.start);
}

fn first_child_kind<'tree>(node: Node<'tree>) -> Option<&'tree str> {
    node.child(0).map(|child| child.kind())
}

fn import_statement(text: &str, statement: Node<'_>, code_block: usize) -> Option<Import> {
    let source = statement.child_by_field_name("source").or_else(|| last_child_of_kind(statement, "string"))?;
    let specifier_range = string_content_range(text, source);
    let mut type_only = false;
    let mut names = Vec::new();
    let mut braces_range = None;
    let mut cursor = statement.walk();
    for child in statement.children(&mut cursor) {
        match child.kind() {
            "type" => type_only = true,
            "import_clause" => {
                let mut clause_cursor = child.walk();
                for part in child.children(&mut clause_cursor) {
                    if part.kind() == "named_imports" {
                        braces_range = Some(part.byte_range().into());
                        let mut named_cursor = part.walk();
                        for specifier in part.children(&mut named_cursor) {
                            if specifier.kind() == "import_specifier" {
                                names.extend(import_specifier(text, specifier, type_only));
                            }
                        }
                    }
                }
            }
            // Error recovery keeps the specifiers directly under the ERROR node.
            "import_specifier" => names.extend(import_specifier(text, child, type_only)),
            // Up to the specifier, when it follows: error recovery can put
            // two broken imports under one node, the string of the first
            // before the brace of the second.
            "{" if braces_range.is_none() && child.start_byte() <= source.start_byte() => {
                braces_range = Some(TextRange::new(child.start_byte(), source.start_byte()));
            }
            _ => {}
        }
    }
    Some(Import {
        code_block,
        range: statement.byte_range().into(),
        specifier: Arc::from(&text[specifier_range.as_range()]),
        specifier_range,
        names,
        type_only,
        braces_range,
    })
}

fn import_specifier(text: &str, specifier: Node<'_>, statement_type_only: bool) -> Option<ImportedName> {
    let name = specifier.child_by_field_name("name")?;
    let alias = specifier.child_by_field_name("alias");
    let type_only = statement_type_only || first_child_kind(specifier) == Some("type");
    Some(ImportedName {
        name: Arc::from(&text[name.byte_range()]),
        name_range: name.byte_range().into(),
        local: Arc::from(&text[alias.unwrap_or(name).byte_range()]),
        type_only,
    })
}

fn last_child_of_kind<'tree>(node: Node<'tree>, kind: &str) -> Option<Node<'tree>> {
    let mut cursor = node.walk();
    node.children(&mut cursor).filter(|child| child.kind() == kind).last()
}

/// The range between the quotes of a string literal (empty for `''`).
pub fn string_content_range(text: &str, string: Node<'_>) -> TextRange {
    let range = string.byte_range();
    let bytes = text.as_bytes();
    let start = range.start + usize::from(matches!(bytes.get(range.start), Some(b'\'' | b'"' | b'`')));
    let closed = range.end > start && matches!(bytes.get(range.end - 1), Some(b'\'' | b'"' | b'`'));
    let end = if closed { range.end - 1 } else { range.end };
    TextRange::new(start, end.max(start))
}
