//! A KEY's exports (SPEC 1): the names its entry exports, followed through
//! re-exports and imports inside the KEY folder to the declarations that
//! define them, each with its signature, JSDoc and definition.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::rc::Rc;

use runbook_syntax::typescript::{Dialect, parse, string_content_range};
use runbook_syntax::{LineIndex, SourceRange, TextRange};
use tree_sitter::Node;

use crate::fs::FileSystem;
use crate::jsdoc::parse_jsdoc;
use crate::module_resolution::{join_relative, parent_dir, resolve_module};
use crate::{Export, ExportKind, FileRange, JsDoc};

/// Files larger than this are not parsed: generated bundles say nothing a
/// runbook needs, and parsing them would stall the index.
const MAX_SOURCE_LEN: usize = 2 * 1024 * 1024;

/// Signatures of type aliases and variables (which include their value) are
/// cut here so that a hover stays readable.
const MAX_VALUE_SIGNATURE_LEN: usize = 240;

/// The exports of the module `entry` (relative to `key_dir`), sorted by name.
/// `files` are the KEY's files, sorted and relative to `key_dir`;
/// `alias_prefix` is `key_dir` relative to the `@/` folder, when inside it.
pub(crate) fn key_exports(
    fs: &dyn FileSystem,
    key_dir: &Path,
    files: &[String],
    alias_prefix: Option<&str>,
    entry: &str,
) -> Vec<Export> {
    let mut resolver = Resolver {
        fs,
        key_dir,
        files,
        alias_prefix,
        modules: HashMap::new(),
        export_maps: HashMap::new(),
        in_progress: HashSet::new(),
    };
    let exports = resolver.exports_of(entry);
    drop(resolver);
    // The resolver is gone, so the entry's map is usually the last owner.
    match Rc::try_unwrap(exports) {
        Ok(exports) => exports.into_values().collect(),
        Err(shared) => shared.values().cloned().collect(),
    }
}

type ExportMap = BTreeMap<String, Export>;

/// What one file declares, imports and exports, without its syntax tree.
#[derive(Debug, Default)]
struct Module {
    /// Top-level declarations by local name, exported or not.
    declarations: HashMap<String, Declaration>,
    /// Local name → where it is imported from.
    imports: HashMap<String, ImportBinding>,
    exports: Vec<ExportEntry>,
}

#[derive(Debug, Clone)]
struct Declaration {
    kind: ExportKind,
    signature: String,
    overloads: Vec<String>,
    doc: Option<JsDoc>,
    name_range: SourceRange,
    /// A function overload signature whose implementation has not been seen:
    /// the following same-named functions are its further overloads.
    awaiting_implementation: bool,
}

#[derive(Debug)]
enum ImportBinding {
    /// `import { name as local }`; a default import has the name `default`.
    Named { specifier: String, name: String },
    /// `import * as local`.
    Namespace,
}

/// Where an export is written, for exports whose declaration cannot be found.
#[derive(Debug)]
struct Site {
    range: SourceRange,
    statement: String,
}

#[derive(Debug)]
enum ExportEntry {
    /// `export function f`, `export { a as b }`, `export default a`.
    Local { exported: String, local: String, site: Site },
    /// `export { a as b } from './x'`.
    ReExport { exported: String, imported: String, specifier: String, site: Site },
    /// `export * from './x'`.
    Star { specifier: String },
    /// An export that is its own declaration: `export default <expression>`,
    /// `export * as ns from './x'`.
    Declared { exported: String, declaration: Declaration },
}

struct Resolver<'a> {
    fs: &'a dyn FileSystem,
    key_dir: &'a Path,
    files: &'a [String],
    alias_prefix: Option<&'a str>,
    modules: HashMap<String, Rc<Module>>,
    export_maps: HashMap<String, Rc<ExportMap>>,
    /// Modules whose exports are being computed: meeting one again is an
    /// import cycle, which contributes nothing more.
    in_progress: HashSet<String>,
}

impl Resolver<'_> {
    fn module(&mut self, path: &str) -> Rc<Module> {
        if let Some(module) = self.modules.get(path) {
            return Rc::clone(module);
        }
        let module = match self.fs.read_to_string(&self.key_dir.join(path)) {
            Ok(text) if text.len() <= MAX_SOURCE_LEN => summarize(&text, dialect_of(path)),
            _ => Module::default(),
        };
        let module = Rc::new(module);
        self.modules.insert(path.to_string(), Rc::clone(&module));
        module
    }

    /// The KEY file a module specifier written in `from` names, if it is
    /// relative or `@/`-aliased and stays inside the KEY folder.
    fn resolve_specifier(&self, from: &str, specifier: &str) -> Option<String> {
        let is_relative =
            specifier == "." || specifier == ".." || specifier.starts_with("./") || specifier.starts_with("../");
        let module = if is_relative {
            join_relative(parent_dir(from), specifier)?
        } else if let Some(rest) = specifier.strip_prefix("@/") {
            let aliased = join_relative("", rest)?;
            let prefix = self.alias_prefix?;
            if aliased == prefix { String::new() } else { aliased.strip_prefix(prefix)?.strip_prefix('/')?.to_string() }
        } else {
            // A package (`stripe`): not part of the KEY.
            return None;
        };
        resolve_module(self.files, &module).map(str::to_string)
    }

    fn exports_of(&mut self, path: &str) -> Rc<ExportMap> {
        if let Some(exports) = self.export_maps.get(path) {
            return Rc::clone(exports);
        }
        if !self.in_progress.insert(path.to_string()) {
            return Rc::default();
        }
        let module = self.module(path);
        let mut exports = ExportMap::new();
        for entry in &module.exports {
            let exported = match entry {
                ExportEntry::Local { exported, .. }
                | ExportEntry::ReExport { exported, .. }
                | ExportEntry::Declared { exported, .. } => exported,
                ExportEntry::Star { .. } => continue,
            };
            // Overloads export the same name once per statement; the first wins.
            if exports.contains_key(exported) {
                continue;
            }
            let export = match entry {
                ExportEntry::Local { exported, local, site } => {
                    self.resolve_local(path, &module, exported, local, site)
                }
                ExportEntry::ReExport { exported, imported, specifier, site } => self
                    .resolve_imported(path, specifier, imported, exported)
                    .unwrap_or_else(|| self.unresolved(path, exported, site)),
                ExportEntry::Declared { exported, declaration } => self.declared(path, exported, declaration),
                ExportEntry::Star { .. } => continue,
            };
            exports.insert(exported.clone(), export);
        }
        // Named exports win over `export *`, wherever they are written.
        for entry in &module.exports {
            let ExportEntry::Star { specifier } = entry else { continue };
            let Some(target) = self.resolve_specifier(path, specifier) else { continue };
            let target_exports = self.exports_of(&target);
            for (name, export) in target_exports.iter() {
                if name != "default" && !exports.contains_key(name) {
                    exports.insert(name.clone(), export.clone());
                }
            }
        }
        self.in_progress.remove(path);
        let exports = Rc::new(exports);
        self.export_maps.insert(path.to_string(), Rc::clone(&exports));
        exports
    }

    fn resolve_local(&mut self, path: &str, module: &Module, exported: &str, local: &str, site: &Site) -> Export {
        if let Some(declaration) = module.declarations.get(local) {
            return self.declared(path, exported, declaration);
        }
        if let Some(ImportBinding::Named { specifier, name }) = module.imports.get(local)
            && let Some(export) = self.resolve_imported(path, specifier, name, exported)
        {
            return export;
        }
        self.unresolved(path, exported, site)
    }

    /// The export `name` of the module `specifier` (written in `from`), renamed to `exported`.
    fn resolve_imported(&mut self, from: &str, specifier: &str, name: &str, exported: &str) -> Option<Export> {
        let target = self.resolve_specifier(from, specifier)?;
        let mut export = self.exports_of(&target).get(name)?.clone();
        if export.name != exported {
            export.name = exported.to_string();
        }
        Some(export)
    }

    fn declared(&self, path: &str, exported: &str, declaration: &Declaration) -> Export {
        Export {
            name: exported.to_string(),
            kind: declaration.kind,
            signature: declaration.signature.clone(),
            overloads: declaration.overloads.clone(),
            doc: declaration.doc.clone(),
            definition: FileRange { path: self.key_dir.join(path), range: declaration.name_range },
        }
    }

    /// A name the file exports whose declaration is out of reach (a package,
    /// a missing file, a cycle): still an export, defined where it is written.
    fn unresolved(&self, path: &str, exported: &str, site: &Site) -> Export {
        Export {
            name: exported.to_string(),
            kind: ExportKind::Variable,
            signature: site.statement.clone(),
            overloads: Vec::new(),
            doc: None,
            definition: FileRange { path: self.key_dir.join(path), range: site.range },
        }
    }
}

fn dialect_of(path: &str) -> Dialect {
    // JavaScript may hold JSX and never holds `<T>x` casts, so the TSX
    // grammar reads it best.
    let tsx = [".tsx", ".jsx", ".js", ".mjs", ".cjs"].iter().any(|extension| path.ends_with(extension));
    if tsx { Dialect::Tsx } else { Dialect::TypeScript }
}

fn summarize(text: &str, dialect: Dialect) -> Module {
    let Some(tree) = parse(text, None, dialect) else { return Module::default() };
    let mut summarizer = Summarizer { text, line_index: LineIndex::new(text), module: Module::default() };
    summarizer.statements(tree.root_node());
    summarizer.module
}

struct Summarizer<'t> {
    text: &'t str,
    line_index: LineIndex,
    module: Module,
}

impl Summarizer<'_> {
    fn statements(&mut self, parent: Node<'_>) {
        let mut cursor = parent.walk();
        for statement in parent.named_children(&mut cursor) {
            match statement.kind() {
                "export_statement" => self.export_statement(statement),
                "import_statement" => self.import_statement(statement),
                // Error recovery can wrap whole statements; keep what is inside.
                "ERROR" => self.statements(statement),
                _ => {
                    self.declaration(statement, statement);
                }
            }
        }
    }

    fn text(&self, node: Node<'_>) -> &str {
        &self.text[node.byte_range()]
    }

    fn source_range(&self, node: Node<'_>) -> SourceRange {
        self.line_index.source_range(self.text, node.byte_range().into())
    }

    /// Records the names `node` declares; `anchor` is the statement the
    /// signature starts at and the JSDoc precedes (the `export` statement for
    /// exported declarations). Returns the declared names.
    fn declaration(&mut self, node: Node<'_>, anchor: Node<'_>) -> Vec<String> {
        let (kind, end) = match node.kind() {
            "function_declaration" | "generator_function_declaration" | "function_signature" => {
                (ExportKind::Function, body_start(node))
            }
            "class_declaration" | "abstract_class_declaration" => (ExportKind::Class, body_start(node)),
            "interface_declaration" => (ExportKind::Interface, body_start(node)),
            "enum_declaration" => (ExportKind::Enum, body_start(node)),
            "type_alias_declaration" => (ExportKind::Type, node.end_byte()),
            "internal_module" | "module" => (ExportKind::Variable, body_start(node)),
            "lexical_declaration" | "variable_declaration" => return self.variables(node, anchor),
            "ambient_declaration" => {
                let mut cursor = node.walk();
                let inner = node.named_children(&mut cursor).next();
                return inner.map(|inner| self.declaration(inner, anchor)).unwrap_or_default();
            }
            _ => return Vec::new(),
        };
        let Some(name) = node.child_by_field_name("name") else { return Vec::new() };
        let mut signature = self.signature(anchor, anchor.start_byte(), end);
        if matches!(kind, ExportKind::Type) {
            truncate(&mut signature);
        }
        let declaration = Declaration {
            kind,
            signature,
            overloads: Vec::new(),
            doc: self.jsdoc_before(anchor),
            name_range: self.source_range(name),
            awaiting_implementation: node.kind() == "function_signature",
        };
        let name = self.text(name).to_string();
        self.declare(name.clone(), declaration);
        vec![name]
    }

    /// `const a = …, b = …`: one declaration per declarator with a plain name.
    fn variables(&mut self, node: Node<'_>, anchor: Node<'_>) -> Vec<String> {
        let mut names = Vec::new();
        let mut cursor = node.walk();
        let declarators: Vec<Node<'_>> =
            node.named_children(&mut cursor).filter(|child| child.kind() == "variable_declarator").collect();
        let Some(first) = declarators.first() else { return names };
        // `export const ` (or `const `), shared by every declarator.
        let prefix = self.signature(anchor, anchor.start_byte(), first.start_byte());
        let doc = self.jsdoc_before(anchor);
        for declarator in declarators {
            let Some(name) = declarator.child_by_field_name("name").filter(|name| name.kind() == "identifier") else {
                // Destructuring (`const { a } = b`) declares names with no signature of their own.
                continue;
            };
            let value = declarator.child_by_field_name("value");
            let (kind, end) = match value.map(|value| (value.kind(), value)) {
                Some(("arrow_function", arrow)) => (ExportKind::ArrowFunction, arrow_start(arrow)),
                Some(("function_expression" | "function" | "generator_function", function)) => {
                    (ExportKind::ArrowFunction, body_start(function))
                }
                Some((_, value)) => {
                    let short = value.start_position().row == value.end_position().row
                        && declarator.byte_range().len() <= MAX_VALUE_SIGNATURE_LEN;
                    let end = if short {
                        declarator.end_byte()
                    } else {
                        declarator
                            .child_by_field_name("type")
                            .map_or(name.end_byte(), |annotation| annotation.end_byte())
                    };
                    (ExportKind::Variable, end)
                }
                None => (ExportKind::Variable, declarator.end_byte()),
            };
            let mut signature = prefix.clone();
            if !signature.is_empty() {
                signature.push(' ');
            }
            signature.push_str(&self.signature(declarator, declarator.start_byte(), end));
            if kind == ExportKind::Variable {
                truncate(&mut signature);
            }
            let declaration = Declaration {
                kind,
                signature,
                overloads: Vec::new(),
                doc: doc.clone(),
                name_range: self.source_range(name),
                awaiting_implementation: false,
            };
            let name = self.text(name).to_string();
            self.declare(name.clone(), declaration);
            names.push(name);
        }
        names
    }

    /// Adds a declaration, merging function overloads: the first overload's
    /// signature is the export's, the later ones are its `overloads`, and the
    /// implementation (which callers cannot see) only closes the run.
    fn declare(&mut self, name: String, declaration: Declaration) {
        match self.module.declarations.entry(name) {
            Entry::Vacant(vacant) => {
                vacant.insert(declaration);
            }
            Entry::Occupied(mut occupied) => {
                let existing = occupied.get_mut();
                if existing.awaiting_implementation && declaration.kind == ExportKind::Function {
                    if declaration.awaiting_implementation {
                        existing.overloads.push(declaration.signature);
                    } else {
                        existing.awaiting_implementation = false;
                    }
                    if existing.doc.is_none() {
                        existing.doc = declaration.doc;
                    }
                }
                // Other redeclarations (interface merging, a namespace beside
                // a function) keep the first declaration.
            }
        }
    }

    fn export_statement(&mut self, statement: Node<'_>) {
        let source = statement.child_by_field_name("source").map(|source| self.string_content(source));
        let mut cursor = statement.walk();
        let children: Vec<Node<'_>> = statement.children(&mut cursor).collect();
        let default_keyword = children.iter().copied().find(|child| child.kind() == "default");
        if let Some(declaration) = statement.child_by_field_name("declaration") {
            let names = self.declaration(declaration, statement);
            let site = self.site(statement, default_keyword.unwrap_or(declaration));
            if default_keyword.is_some() {
                if let Some(local) = names.into_iter().next() {
                    self.module.exports.push(ExportEntry::Local { exported: "default".to_string(), local, site });
                }
            } else {
                for local in names {
                    let site = Site { range: site.range, statement: site.statement.clone() };
                    self.module.exports.push(ExportEntry::Local { exported: local.clone(), local, site });
                }
            }
            return;
        }
        if let Some(value) = statement.child_by_field_name("value") {
            let keyword = default_keyword.unwrap_or(statement);
            let exported = "default".to_string();
            if value.kind() == "identifier" {
                let site = self.site(statement, keyword);
                self.module.exports.push(ExportEntry::Local { exported, local: self.text(value).to_string(), site });
            } else {
                let declaration = self.default_expression(statement, keyword, value);
                self.module.exports.push(ExportEntry::Declared { exported, declaration });
            }
            return;
        }
        for child in &children {
            match child.kind() {
                "export_clause" => {
                    let mut clause_cursor = child.walk();
                    for specifier in child.named_children(&mut clause_cursor) {
                        if specifier.kind() != "export_specifier" {
                            continue;
                        }
                        let Some(name) = specifier.child_by_field_name("name") else { continue };
                        let alias = specifier.child_by_field_name("alias");
                        let exported_node = alias.unwrap_or(name);
                        let exported = self.name_text(exported_node);
                        let local = self.name_text(name);
                        let site = self.site(statement, exported_node);
                        self.module.exports.push(match &source {
                            Some(specifier) => {
                                ExportEntry::ReExport { exported, imported: local, specifier: specifier.clone(), site }
                            }
                            None => ExportEntry::Local { exported, local, site },
                        });
                    }
                }
                "namespace_export" => {
                    let mut namespace_cursor = child.walk();
                    let Some(name) = child.named_children(&mut namespace_cursor).next() else { continue };
                    let declaration = Declaration {
                        kind: ExportKind::Variable,
                        signature: self.signature(statement, statement.start_byte(), statement.end_byte()),
                        overloads: Vec::new(),
                        doc: self.jsdoc_before(statement),
                        name_range: self.source_range(name),
                        awaiting_implementation: false,
                    };
                    self.module.exports.push(ExportEntry::Declared { exported: self.name_text(name), declaration });
                }
                "*" if children.iter().all(|child| child.kind() != "namespace_export") => {
                    if let Some(specifier) = &source {
                        self.module.exports.push(ExportEntry::Star { specifier: specifier.clone() });
                    }
                }
                _ => {}
            }
        }
    }

    /// `export default <expression>`, defined at the `default` keyword.
    fn default_expression(&self, statement: Node<'_>, keyword: Node<'_>, value: Node<'_>) -> Declaration {
        let (kind, end) = match value.kind() {
            "function_expression" | "function" | "generator_function" => (ExportKind::Function, body_start(value)),
            "arrow_function" => (ExportKind::ArrowFunction, arrow_start(value)),
            "class" => (ExportKind::Class, body_start(value)),
            _ => (ExportKind::Variable, statement.end_byte()),
        };
        let mut signature = self.signature(statement, statement.start_byte(), end);
        if kind == ExportKind::Variable {
            truncate(&mut signature);
        }
        Declaration {
            kind,
            signature,
            overloads: Vec::new(),
            doc: self.jsdoc_before(statement),
            name_range: self.source_range(keyword),
            awaiting_implementation: false,
        }
    }

    fn import_statement(&mut self, statement: Node<'_>) {
        let Some(source) = statement.child_by_field_name("source") else { return };
        let specifier = self.string_content(source);
        let mut cursor = statement.walk();
        let Some(clause) = statement.named_children(&mut cursor).find(|child| child.kind() == "import_clause") else {
            return;
        };
        let mut clause_cursor = clause.walk();
        for part in clause.named_children(&mut clause_cursor) {
            match part.kind() {
                "identifier" => {
                    let binding = ImportBinding::Named { specifier: specifier.clone(), name: "default".to_string() };
                    self.module.imports.insert(self.text(part).to_string(), binding);
                }
                "namespace_import" => {
                    let mut namespace_cursor = part.walk();
                    if let Some(local) = part.named_children(&mut namespace_cursor).next() {
                        self.module.imports.insert(self.text(local).to_string(), ImportBinding::Namespace);
                    }
                }
                "named_imports" => {
                    let mut named_cursor = part.walk();
                    for import in part.named_children(&mut named_cursor) {
                        let Some(name) = import.child_by_field_name("name") else { continue };
                        let local = import.child_by_field_name("alias").unwrap_or(name);
                        let binding = ImportBinding::Named { specifier: specifier.clone(), name: self.name_text(name) };
                        self.module.imports.insert(self.text(local).to_string(), binding);
                    }
                }
                _ => {}
            }
        }
    }

    /// The text of a string literal without its quotes.
    fn string_content(&self, string: Node<'_>) -> String {
        self.text[string_content_range(self.text, string).as_range()].to_string()
    }

    /// An identifier, or the content of a string name (`export { "a-b" as c }`).
    fn name_text(&self, node: Node<'_>) -> String {
        if node.kind() == "string" { self.string_content(node) } else { self.text(node).to_string() }
    }

    fn site(&self, statement: Node<'_>, name: Node<'_>) -> Site {
        Site {
            range: self.source_range(name),
            statement: self.signature(statement, statement.start_byte(), statement.end_byte()),
        }
    }

    /// The nearest `/** */` comment before `node`, skipping other comments
    /// but nothing else (TypeScript's rule: blank lines do not matter).
    fn jsdoc_before(&self, node: Node<'_>) -> Option<JsDoc> {
        let mut sibling = node.prev_sibling();
        while let Some(comment) = sibling.filter(|sibling| sibling.kind() == "comment") {
            let text = self.text(comment);
            if text.starts_with("/**") {
                return parse_jsdoc(text);
            }
            sibling = comment.prev_sibling();
        }
        None
    }

    /// The source text `start..end` inside `node` on one line: comments
    /// dropped, line breaks and indentation collapsed.
    fn signature(&self, node: Node<'_>, start: usize, end: usize) -> String {
        let mut comments = Vec::new();
        collect_comments(node, TextRange::new(start, end.max(start)), &mut comments);
        let mut text = String::with_capacity(end.saturating_sub(start));
        let mut offset = start;
        for comment in comments {
            text.push_str(&self.text[offset..comment.start]);
            text.push(' ');
            offset = comment.end;
        }
        text.push_str(&self.text[offset..end.max(offset)]);
        let mut signature = collapse_whitespace(&text);
        while signature.ends_with(';') || signature.ends_with('{') {
            signature.pop();
            signature.truncate(signature.trim_end().len());
        }
        signature
    }
}

/// Where a declaration's signature ends: at its body, else at its end.
fn body_start(node: Node<'_>) -> usize {
    node.child_by_field_name("body").map_or(node.end_byte(), |body| body.start_byte())
}

/// Where an arrow function's signature ends: at its `=>`.
fn arrow_start(arrow: Node<'_>) -> usize {
    let mut cursor = arrow.walk();
    let arrow_token = arrow.children(&mut cursor).find(|child| child.kind() == "=>");
    arrow_token.map_or(arrow.end_byte(), |token| token.start_byte())
}

/// The comment nodes inside `range`, in order; subtrees outside it (such as
/// a function body) are not visited. A cursor walk, not recursion: the
/// nesting depth is the source's to choose, and 10,000 nested parentheses
/// overflowed the stack, which aborts the whole server.
fn collect_comments(node: Node<'_>, range: TextRange, comments: &mut Vec<TextRange>) {
    let mut cursor = node.walk();
    let mut depth = 0usize;
    loop {
        let current = cursor.node();
        let visit = depth == 0 || (current.start_byte() < range.end && current.end_byte() > range.start);
        if visit && current.kind() == "comment" {
            if range.contains_range(current.byte_range().into()) {
                comments.push(current.byte_range().into());
            }
        } else if visit && cursor.goto_first_child() {
            depth += 1;
            continue;
        }
        // The next sibling, else the next sibling of the nearest ancestor.
        loop {
            if depth == 0 {
                return;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            cursor.goto_parent();
            depth -= 1;
        }
    }
}

/// Joins a multi-line declaration into one line: no space just inside
/// brackets, a single space elsewhere, and no trailing comma before a
/// closing bracket that was on its own line.
fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.trim().chars().peekable();
    while let Some(c) = chars.next() {
        if !c.is_whitespace() {
            out.push(c);
            continue;
        }
        let mut line_break = c == '\n' || c == '\r';
        while let Some(&next) = chars.peek().filter(|next| next.is_whitespace()) {
            line_break |= next == '\n' || next == '\r';
            chars.next();
        }
        let next = chars.peek().copied();
        if line_break {
            if matches!(next, Some(')' | ']' | '>' | '}')) && out.ends_with(',') {
                out.pop();
            }
            if matches!(next, Some(')' | ']' | '>')) || matches!(out.chars().last(), Some('(' | '[' | '<')) {
                continue;
            }
        }
        out.push(' ');
    }
    out
}

fn truncate(signature: &mut String) {
    if signature.len() > MAX_VALUE_SIGNATURE_LEN {
        let cut = runbook_syntax::floor_char_boundary(signature, MAX_VALUE_SIGNATURE_LEN);
        signature.truncate(cut);
        signature.truncate(signature.trim_end().len());
        signature.push_str(" …");
    }
}

#[cfg(test)]
mod tests {
    use super::collapse_whitespace;

    #[test]
    fn collapses_declarations() {
        assert_eq!(
            collapse_whitespace("export function f(\n  a: A,\n  b: B,\n): Promise<{\n  ok: boolean;\n}>"),
            "export function f(a: A, b: B): Promise<{ ok: boolean; }>"
        );
        assert_eq!(collapse_whitespace("type T =\n  | 'a'\n  | 'b'"), "type T = | 'a' | 'b'");
    }
}
