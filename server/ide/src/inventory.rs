//! The audit inventory of a workspace (`runbook-ls report`): every Action of
//! every runbook with its safety, the KEYs and exports it runs, its side
//! effects by source, preconditions, rollback and findings, and a summary.
//! Plain data, read from one `Analysis`: the same model and findings the
//! server and `check` use.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rayon::prelude::*;
use runbook_keys::fs::slash_path;
use runbook_keys::{Key, KeyCatalog};
use runbook_syntax::{CodeBlock, Encoding, Field, FieldLabel, Parse, Runbook, SafetyClass, TextRange};
use serde::Serialize;

use crate::action_view::{ActionView, NamedBy};
use crate::hover::same_statement;
use crate::{Analysis, Diagnostic};

/// What `runbook-ls report` shows, for one workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inventory {
    pub summary: Summary,
    /// Sorted by path.
    pub runbooks: Vec<RunbookInventory>,
    /// Every KEY of the catalog, sorted by slug.
    pub keys: Vec<KeyInventory>,
    /// Findings in files that are not runbooks (`runbook-ls.toml`, a
    /// `key.json`, a markdown file that cannot be read).
    pub other_findings: Vec<Finding>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub n_runbooks: usize,
    pub n_actions: usize,
    /// One entry per class, strictest last, then the unclassified Actions
    /// (`class` null); counts may be zero.
    pub actions_by_class: Vec<ClassCount>,
    pub irreversible_without_warning: Vec<ActionRef>,
    /// Actions that run a KEY whose manifest or JSDoc declares side effects
    /// the Action does not state.
    pub undeclared_side_effects: Vec<UndeclaredSideEffects>,
    /// Every finding of the report, by code (sorted by code).
    pub findings_by_code: Vec<CodeCount>,
    /// KEYs of the catalog that no runbook of the report references.
    pub unused_keys: Vec<KeyName>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassCount {
    #[serde(serialize_with = "serialize_class")]
    pub class: Option<SafetyClass>,
    pub count: usize,
}

/// Which Action of which runbook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionRef {
    pub path: String,
    pub number: u32,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UndeclaredSideEffects {
    pub action: ActionRef,
    pub key: String,
    pub side_effects: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeCount {
    pub code: &'static str,
    pub severity: &'static str,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyName {
    pub slug: String,
    /// The manifest's title.
    pub title: Option<String>,
}

/// A KEY as its manifest describes it, and how many Actions run it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyInventory {
    pub slug: String,
    pub title: Option<String>,
    pub description: Option<String>,
    /// The class the KEY declares (its manifest's, else the strictest `@safety`).
    #[serde(serialize_with = "serialize_class")]
    pub safety: Option<SafetyClass>,
    /// The Actions of the report that run it.
    pub n_actions: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunbookInventory {
    /// Relative to the workspace root, `/`-separated.
    pub path: String,
    /// The first level-1 heading.
    pub title: Option<String>,
    pub actions: Vec<ActionInventory>,
    /// The findings of the runbook that lie outside every Action.
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionInventory {
    pub number: u32,
    pub title: String,
    /// 1-based line of the heading.
    pub line: u32,
    /// The stricter of the heading's and the Safety field's class.
    #[serde(serialize_with = "serialize_class")]
    pub safety: Option<SafetyClass>,
    /// The strictest class the Action's KEYs declare, when it is not `safety`.
    pub declared_safety: Option<DeclaredSafety>,
    pub keys: Vec<KeyUse>,
    /// Merged across sources: one statement that several sources make is
    /// listed once, in the words of the first (the Action's, then the
    /// manifests', then the JSDoc's).
    pub side_effects: Vec<SideEffect>,
    pub preconditions: Vec<String>,
    pub rollback: Option<String>,
    pub has_warning: bool,
    pub has_manual_alternative: bool,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeclaredSafety {
    #[serde(serialize_with = "serialize_class")]
    pub class: Option<SafetyClass>,
    /// The KEY that declares it.
    pub key: String,
}

/// A KEY an Action names in its KEY field or imports from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyUse {
    pub slug: String,
    /// The manifest's title; `None` for a KEY without one, or unknown.
    pub title: Option<String>,
    /// Whether the catalog has the KEY.
    pub known: bool,
    pub exports: Vec<ExportUse>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportUse {
    pub name: String,
    /// Whether the KEY exports it.
    pub known: bool,
    /// Whether the Execution block calls it (not only imports it).
    pub called: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SideEffect {
    pub text: String,
    pub sources: Vec<SideEffectSource>,
}

impl SideEffect {
    /// Whether the Action's own Side Effects field states it.
    pub fn stated_by_action(&self) -> bool {
        self.sources.contains(&SideEffectSource::Action)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "source", rename_all = "kebab-case")]
pub enum SideEffectSource {
    /// The Action's Side Effects field.
    Action,
    /// `side_effects` in the KEY's `key.json`.
    Manifest { key: String },
    /// A `@sideEffect` tag of an export the Action runs.
    Jsdoc { key: String, export: String },
}

/// A finding, positioned for people: 1-based line, column in characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Relative to the workspace root, `/`-separated.
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub severity: &'static str,
    pub code: &'static str,
    pub message: String,
}

fn serialize_class<S: serde::Serializer>(class: &Option<SafetyClass>, serializer: S) -> Result<S::Ok, S::Error> {
    match class {
        Some(class) => serializer.serialize_str(class.as_str()),
        None => serializer.serialize_none(),
    }
}

/// The inventory of every runbook the analysis indexed: the markdown files
/// the `runbooks` globs match, and any other markdown file with an Action.
pub fn inventory(analysis: &Analysis) -> Inventory {
    let root = analysis.root();
    let catalog = analysis.catalog();
    let mut runbooks = Vec::new();
    let mut other_findings: Vec<Finding> = analysis
        .workspace_diagnostics()
        .into_iter()
        .map(|file| Finding {
            path: relative(root, &file.path),
            line: file.range.start.line + 1,
            column: file.range.start.utf32 + 1,
            severity: file.diagnostic.severity.as_str(),
            code: file.diagnostic.code.as_str(),
            message: file.diagnostic.message,
        })
        .collect();
    let paths: Vec<&Path> = analysis.index().map(|index| index.runbook_paths().collect()).unwrap_or_default();
    // The rules are the slow part: files in parallel, as `check` does.
    let files: Vec<(Option<RunbookInventory>, Vec<Finding>, Vec<String>)> =
        paths.par_iter().map(|path| file_inventory(analysis, path)).collect();
    let mut used_slugs: BTreeSet<String> = BTreeSet::new();
    for (runbook, findings, used) in files {
        runbooks.extend(runbook);
        other_findings.extend(findings);
        used_slugs.extend(used);
    }
    other_findings.sort_by(|a, b| (&a.path, a.line, a.column, a.code).cmp(&(&b.path, b.line, b.column, b.code)));
    let summary = summary(&runbooks, &other_findings, catalog, &used_slugs);
    let keys = catalog.map(|catalog| keys(catalog, &runbooks)).unwrap_or_default();
    Inventory { summary, runbooks, keys, other_findings }
}

/// One markdown file: its inventory when it is a runbook, else its findings
/// (so that the summary counts every finding `check` reports); and the KEYs
/// it references.
fn file_inventory(analysis: &Analysis, path: &Path) -> (Option<RunbookInventory>, Vec<Finding>, Vec<String>) {
    let relative_path = relative(analysis.root(), path);
    let diagnostics = analysis.diagnostics(path);
    let Some(parse) = analysis.parse(path) else {
        // Not readable as text: only its findings are known.
        let findings = diagnostics.iter().map(|diagnostic| finding(&relative_path, None, diagnostic)).collect();
        return (None, findings, Vec::new());
    };
    let runbook = parse.runbook();
    let catalog = analysis.catalog();
    let used = catalog.map(|catalog| used_keys(runbook, catalog).collect()).unwrap_or_default();
    if runbook.actions.is_empty() && !analysis.config().is_runbook(&relative_path) {
        let findings = diagnostics.iter().map(|diagnostic| finding(&relative_path, Some(&parse), diagnostic)).collect();
        return (None, findings, used);
    }
    (Some(runbook_inventory(relative_path, &parse, &diagnostics, catalog)), Vec::new(), used)
}

/// A finding of the file at `path`, positioned in its text when it has one.
fn finding(path: &str, parse: Option<&Parse>, diagnostic: &Diagnostic) -> Finding {
    let (line, column) = match parse {
        Some(parse) => {
            let position = parse.line_index().line_col(parse.text(), diagnostic.range.start, Encoding::Utf32);
            (position.line + 1, position.col + 1)
        }
        None => (1, 1),
    };
    Finding {
        path: path.to_string(),
        line,
        column,
        severity: diagnostic.severity.as_str(),
        code: diagnostic.code.as_str(),
        message: diagnostic.message.clone(),
    }
}

fn keys(catalog: &KeyCatalog, runbooks: &[RunbookInventory]) -> Vec<KeyInventory> {
    let mut keys: Vec<KeyInventory> = catalog
        .keys()
        .map(|key| {
            let manifest = key.manifest.as_ref();
            let n_actions = runbooks
                .iter()
                .flat_map(|runbook| &runbook.actions)
                .filter(|action| action.keys.iter().any(|used| used.known && used.slug == key.slug))
                .count();
            KeyInventory {
                slug: key.slug.clone(),
                title: manifest.and_then(|manifest| manifest.title.clone()),
                description: manifest.and_then(|manifest| manifest.description.clone()),
                safety: key.declared_safety(),
                n_actions,
            }
        })
        .collect();
    keys.sort_by(|a, b| a.slug.cmp(&b.slug));
    keys
}

fn relative(root: &Path, path: &Path) -> String {
    slash_path(path.strip_prefix(root).unwrap_or(path))
}

/// The slugs of the KEYs a runbook references anywhere: code spans and imports.
fn used_keys<'c>(runbook: &Runbook, catalog: &'c KeyCatalog) -> impl Iterator<Item = String> + 'c {
    let named: Vec<String> =
        runbook.key_refs.iter().filter_map(|key_ref| Some(catalog.key(&key_ref.slug)?.slug.clone())).collect();
    let imported: Vec<String> = runbook
        .imports
        .iter()
        .filter_map(|import| Some(catalog.resolve_import(&import.specifier).key()?.slug.clone()))
        .collect();
    named.into_iter().chain(imported)
}

fn runbook_inventory(
    path: String,
    parse: &Parse,
    diagnostics: &[Diagnostic],
    catalog: Option<&KeyCatalog>,
) -> RunbookInventory {
    let runbook = parse.runbook();
    let text = parse.text();
    let finding = |diagnostic: &Diagnostic| finding(&path, Some(parse), diagnostic);
    let mut placed = vec![false; diagnostics.len()];
    let mut actions = Vec::new();
    for view in ActionView::all(runbook) {
        let mut findings = Vec::new();
        for (index, diagnostic) in diagnostics.iter().enumerate() {
            if !placed[index] && view.own_range.contains_range(TextRange::empty(diagnostic.range.start)) {
                placed[index] = true;
                findings.push(finding(diagnostic));
            }
        }
        let line = parse.line_index().line_of(view.action.heading_range.start) + 1;
        actions.push(action_inventory(&view, runbook, text, catalog, line, findings));
    }
    let findings = diagnostics.iter().zip(&placed).filter(|(_, placed)| !**placed).map(|(d, _)| finding(d)).collect();
    let title =
        runbook.headings.iter().find(|heading| heading.level == 1).map(|heading| heading.text(text).to_string());
    RunbookInventory { path, title, actions, findings }
}

fn action_inventory(
    view: &ActionView<'_>,
    runbook: &Runbook,
    text: &str,
    catalog: Option<&KeyCatalog>,
    line: u32,
    findings: Vec<Finding>,
) -> ActionInventory {
    let safety = view.effective_class();
    let mut side_effects: Vec<SideEffect> = Vec::new();
    for field in view.fields.iter().filter(|field| field.label == Some(FieldLabel::SideEffects)) {
        for item in items(text, field, view.code_blocks) {
            add_side_effect(&mut side_effects, item, SideEffectSource::Action);
        }
    }
    let mut keys = Vec::new();
    let mut declared_safety = None;
    if let Some(catalog) = catalog {
        let runs = KeysRun::of(view, runbook, catalog);
        for key in &runs.keys {
            if let Some(manifest) = &key.manifest {
                for effect in &manifest.side_effects {
                    let source = SideEffectSource::Manifest { key: key.slug.clone() };
                    add_side_effect(&mut side_effects, one_line(effect), source);
                }
            }
        }
        for (key, export) in &runs.exports {
            for effect in export.doc.iter().flat_map(|doc| &doc.side_effects) {
                let source = SideEffectSource::Jsdoc { key: key.slug.clone(), export: export.name.clone() };
                add_side_effect(&mut side_effects, one_line(effect), source);
            }
        }
        keys = runs.uses;
        declared_safety = crate::diagnostics::strictest_declared(view, catalog)
            .filter(|(class, _)| Some(*class) != safety)
            .map(|(class, key)| DeclaredSafety { class: Some(class), key });
    }
    let preconditions = view
        .fields
        .iter()
        .filter(|field| field.label == Some(FieldLabel::Precondition))
        .flat_map(|field| items(text, field, view.code_blocks))
        .collect();
    let rollback = view.field(FieldLabel::Rollback).map(|field| items(text, field, view.code_blocks).join(" "));
    ActionInventory {
        number: view.action.number,
        title: view.action.title.to_string(),
        line,
        safety,
        declared_safety,
        keys,
        side_effects,
        preconditions,
        rollback,
        has_warning: view.has_field(FieldLabel::Warning),
        has_manual_alternative: view.has_field(FieldLabel::ManualAlternative),
        findings,
    }
}

/// Adds a side effect, or its source to the same statement already listed.
/// Code spans count as their text: `` `X` `` in a runbook states `X` of a manifest.
fn add_side_effect(effects: &mut Vec<SideEffect>, text: String, source: SideEffectSource) {
    if text.is_empty() {
        return;
    }
    let plain = |text: &str| text.replace('`', "");
    match effects.iter_mut().find(|effect| same_statement(&plain(&effect.text), &plain(&text))) {
        Some(effect) if !effect.sources.contains(&source) => effect.sources.push(source),
        Some(_) => {}
        None => effects.push(SideEffect { text, sources: vec![source] }),
    }
}

/// The KEYs an Action runs (its KEY field's, else its first KEY reference,
/// and those it imports from) and the exports it runs: the ones it calls,
/// else the ones it imports.
struct KeysRun<'c> {
    keys: Vec<&'c Key>,
    exports: Vec<(&'c Key, &'c runbook_keys::Export)>,
    uses: Vec<KeyUse>,
}

impl<'c> KeysRun<'c> {
    fn of(view: &ActionView<'_>, runbook: &Runbook, catalog: &'c KeyCatalog) -> KeysRun<'c> {
        let mut run = KeysRun { keys: Vec::new(), exports: Vec::new(), uses: Vec::new() };
        // Every slug of the KEY field, known or not: an unknown one is what
        // an auditor must see.
        let key_field_slugs: Vec<&str> = view
            .fields
            .iter()
            .filter(|field| field.label == Some(FieldLabel::Key))
            .flat_map(|field| {
                view.key_refs.iter().filter(|key_ref| field.value_range.contains_range(key_ref.span_range))
            })
            .filter(|key_ref| catalog.is_family(key_ref.family()) && !crate::action_view::is_root_name(key_ref))
            .map(|key_ref| &*key_ref.slug)
            .collect();
        for slug in key_field_slugs {
            run.add_key(slug, catalog.key(slug));
        }
        if let Some(action_key) = view.key(catalog).filter(|action_key| action_key.named_by == NamedBy::FirstReference)
        {
            run.add_key(&action_key.key.slug, Some(action_key.key));
        }
        for (offset, import) in view.imports.iter().enumerate() {
            let target = catalog.resolve_import(&import.specifier);
            // An import of no KEY runs none (its finding says so).
            let Some(key) = target.key() else { continue };
            let use_index = run.add_key(&key.slug, Some(key));
            let import_index = view.first_import + offset;
            let called: Vec<bool> = (0..import.names.len())
                .map(|name| runbook.calls.iter().any(|call| call.import == import_index && call.name == name))
                .collect();
            let any_called = called.contains(&true);
            for (name, &called) in import.names.iter().zip(&called) {
                if name.type_only {
                    continue;
                }
                let export = target.entry().and_then(|key| key.export(&name.name));
                let exports = &mut run.uses[use_index].exports;
                if !exports.iter().any(|known| known.name == *name.name) {
                    exports.push(ExportUse { name: name.name.to_string(), known: export.is_some(), called });
                }
                if let Some(export) = export
                    && (called || !any_called)
                    && !export.kind.is_type()
                    && !run.exports.iter().any(|(k, e)| k.slug == key.slug && e.name == export.name)
                {
                    run.exports.push((key, export));
                }
            }
        }
        run
    }

    /// The index of the use of `slug`, added if new.
    fn add_key(&mut self, slug: &str, key: Option<&'c Key>) -> usize {
        if let Some(index) = self.uses.iter().position(|known| known.slug == slug) {
            return index;
        }
        if let Some(key) = key
            && !self.keys.iter().any(|known| known.slug == key.slug)
        {
            self.keys.push(key);
        }
        self.uses.push(KeyUse {
            slug: slug.to_string(),
            title: key.and_then(|key| key.manifest.as_ref()?.title.clone()),
            known: key.is_some(),
            exports: Vec::new(),
        });
        self.uses.len() - 1
    }
}

/// The statements of a field's value: its inline text and each list item,
/// on one line each, list markers left out, and without the code blocks the
/// model found in it (a command is not a statement).
fn items(text: &str, field: &Field, code_blocks: &[CodeBlock]) -> Vec<String> {
    let mut prose = String::new();
    let mut from = field.value_range.start;
    let value = field.value_range;
    for block in code_blocks.iter().filter(|block| value.start <= block.range.start && block.range.start < value.end) {
        prose.push_str(&text[from..block.range.start]);
        prose.push('\n');
        // An unclosed block runs past the value: nothing after it is prose.
        from = block.range.end.min(value.end);
    }
    if from < value.end {
        prose.push_str(&text[from..value.end]);
    }
    let mut items: Vec<String> = Vec::new();
    let mut continues = false;
    for line in prose.lines() {
        let line = line.trim();
        if line.is_empty() {
            // A blank line ends a statement.
            continues = false;
            continue;
        }
        let (is_item, rest) = strip_list_marker(line);
        match items.last_mut() {
            Some(last) if continues && !is_item => {
                last.push(' ');
                last.push_str(rest);
            }
            _ => items.push(rest.to_string()),
        }
        continues = true;
    }
    items.into_iter().map(|item| one_line(&item)).filter(|item| !item.is_empty()).collect()
}

/// `- x`, `* x`, `+ x`, `1. x`, `1) x` without the marker, and whether it had one.
fn strip_list_marker(line: &str) -> (bool, &str) {
    for bullet in ["- ", "* ", "+ "] {
        if let Some(rest) = line.strip_prefix(bullet) {
            return (true, rest.trim_start());
        }
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0
        && let Some(rest) = line[digits..].strip_prefix(". ").or_else(|| line[digits..].strip_prefix(") "))
    {
        return (true, rest.trim_start());
    }
    (false, line)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn summary(
    runbooks: &[RunbookInventory],
    other_findings: &[Finding],
    catalog: Option<&KeyCatalog>,
    used_slugs: &BTreeSet<String>,
) -> Summary {
    let actions = || runbooks.iter().flat_map(|runbook| runbook.actions.iter().map(move |action| (runbook, action)));
    let action_ref = |runbook: &RunbookInventory, action: &ActionInventory| ActionRef {
        path: runbook.path.clone(),
        number: action.number,
        title: action.title.clone(),
    };
    let classes = SafetyClass::ALL.into_iter().map(Some).chain([None]);
    let actions_by_class = classes
        .map(|class| ClassCount { class, count: actions().filter(|(_, action)| action.safety == class).count() })
        .collect();
    let irreversible_without_warning = actions()
        .filter(|(_, action)| action.safety == Some(SafetyClass::Irreversible) && !action.has_warning)
        .map(|(runbook, action)| action_ref(runbook, action))
        .collect();
    let mut undeclared_side_effects = Vec::new();
    for (runbook, action) in actions() {
        for key in &action.keys {
            let side_effects: Vec<String> = action
                .side_effects
                .iter()
                .filter(|effect| !effect.stated_by_action())
                .filter(|effect| effect.sources.iter().any(|source| source_key(source) == Some(&key.slug)))
                .map(|effect| effect.text.clone())
                .collect();
            if !side_effects.is_empty() {
                let action = action_ref(runbook, action);
                undeclared_side_effects.push(UndeclaredSideEffects { action, key: key.slug.clone(), side_effects });
            }
        }
    }
    let mut by_code: BTreeMap<(&'static str, &'static str), usize> = BTreeMap::new();
    let all_findings = runbooks
        .iter()
        .flat_map(|runbook| runbook.findings.iter().chain(runbook.actions.iter().flat_map(|a| &a.findings)))
        .chain(other_findings);
    for finding in all_findings {
        *by_code.entry((finding.code, finding.severity)).or_default() += 1;
    }
    let findings_by_code =
        by_code.into_iter().map(|((code, severity), count)| CodeCount { code, severity, count }).collect();
    let unused_keys = catalog
        .map(|catalog| {
            let mut unused: Vec<KeyName> = catalog
                .keys()
                .filter(|key| !used_slugs.contains(&key.slug))
                .map(|key| KeyName {
                    slug: key.slug.clone(),
                    title: key.manifest.as_ref().and_then(|manifest| manifest.title.clone()),
                })
                .collect();
            unused.sort_by(|a, b| a.slug.cmp(&b.slug));
            unused
        })
        .unwrap_or_default();
    Summary {
        n_runbooks: runbooks.len(),
        n_actions: actions().count(),
        actions_by_class,
        irreversible_without_warning,
        undeclared_side_effects,
        findings_by_code,
        unused_keys,
    }
}

fn source_key(source: &SideEffectSource) -> Option<&String> {
    match source {
        SideEffectSource::Action => None,
        SideEffectSource::Manifest { key } | SideEffectSource::Jsdoc { key, .. } => Some(key),
    }
}

#[cfg(test)]
mod tests;
