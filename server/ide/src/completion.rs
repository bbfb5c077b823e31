//! Completion (SPEC 4): KEY slugs, import specifiers, exported and imported
//! names, `Location` paths, safety classes, field labels and whole Action
//! sections, each with the exact range it replaces. Heavy documentation
//! (a KEY's whole story, a snippet's preview) is left to `resolve_completion`.

mod context;
mod ranking;
pub(crate) mod snippet;

use std::borrow::Cow;

use runbook_keys::fs::slash_path;
use runbook_keys::{Export, ExportKind, Key, KeyCatalog, KeyRoot};
use runbook_syntax::{FieldLabel, Parse, Runbook, SafetyClass, TextRange, floor_char_boundary};
use serde::{Deserialize, Serialize};

use crate::IdeConfig;
use crate::action_view::ActionView;
use crate::fuzzy::Best;
use crate::hover::markup::{MAX_TEXT_BYTES, clip, code, code_block};
use crate::hover::{ActionSafety, export_markdown, key_markdown, key_title, safety_class_markdown};
use context::{Context, Wrap};
use ranking::{Candidate, rank};
use snippet::{SnippetPlace, action_section, entry_specifier};

pub use ranking::MAX_ITEMS as MAX_COMPLETION_ITEMS;
pub use snippet::snippet_to_plain_text;

/// The characters after which editors should ask for completion.
pub const COMPLETION_TRIGGER_CHARACTERS: [&str; 7] = ["`", "{", "/", "(", "*", ",", " "];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionKind {
    Key,
    KeyFolder,
    Module,
    Function,
    Class,
    Variable,
    Type,
    Interface,
    Enum,
    File,
    SafetyClass,
    FieldLabel,
    Snippet,
}

/// What `resolve_completion` needs to fill in an item's documentation later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ResolveData {
    Key { slug: String },
    ActionSection { slug: String, number: u32, level: u8 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletionItem {
    pub label: String,
    /// A dim note after the label (`type` for type exports).
    pub label_description: Option<String>,
    pub kind: CompletionKind,
    /// One line: a KEY's title, an export's signature.
    pub detail: Option<String>,
    /// Markdown.
    pub documentation: Option<String>,
    /// The text the item replaces: the token around the cursor.
    pub edit_range: TextRange,
    pub insert_text: String,
    /// Whether `insert_text` is in snippet syntax (see `snippet_to_plain_text`).
    pub is_snippet: bool,
    /// The item's rank, zero-padded, so that editors keep the order.
    pub sort_text: Option<String>,
    /// What the typed text is matched against, when not the label.
    pub filter_text: Option<String>,
    pub resolve_data: Option<ResolveData>,
    /// The best guess, for editors that preselect one item.
    pub preselect: bool,
}

impl CompletionItem {
    fn new(label: impl Into<String>, kind: CompletionKind, edit_range: TextRange) -> CompletionItem {
        let label = label.into();
        CompletionItem {
            insert_text: label.clone(),
            label,
            label_description: None,
            kind,
            detail: None,
            documentation: None,
            edit_range,
            is_snippet: false,
            sort_text: None,
            filter_text: None,
            resolve_data: None,
            preselect: false,
        }
    }

    fn detail(mut self, detail: impl Into<String>) -> CompletionItem {
        self.detail = Some(detail.into());
        self
    }

    fn documentation(mut self, documentation: impl Into<String>) -> CompletionItem {
        self.documentation = Some(documentation.into());
        self
    }

    fn insert(mut self, insert_text: impl Into<String>) -> CompletionItem {
        self.insert_text = insert_text.into();
        self
    }

    fn filter(mut self, filter_text: impl Into<String>) -> CompletionItem {
        self.filter_text = Some(filter_text.into());
        self
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompletionList {
    pub items: Vec<CompletionItem>,
    /// More items matched than were sent: the editor should ask again as the user types.
    pub is_incomplete: bool,
}

/// The completions at `offset` (clamped to the text and to a character
/// boundary). Without the catalog only what needs none is offered.
pub fn completions(parse: &Parse, offset: usize, catalog: Option<&KeyCatalog>, config: &IdeConfig) -> CompletionList {
    let text = parse.text();
    let offset = floor_char_boundary(text, offset);
    let runbook = parse.runbook();
    let prefixes: Vec<String> = roots_with_imports(catalog, config).into_iter().map(|(_, prefix)| prefix).collect();
    let Some(context) = context::detect(text, runbook, offset, &prefixes) else {
        return CompletionList::default();
    };
    let at = Cursor { text, runbook, offset };
    let range = context_range(&context);
    debug_assert!(range.touches(offset), "{context:?} at {offset}");
    let typed = &text[range.start..offset.max(range.start)];
    let candidates = match context {
        Context::KeySlug { range, wrap } => catalog.map(|c| key_slugs(c, typed, range, wrap)).unwrap_or_default(),
        Context::Location { range, wrap } => catalog.map(|c| locations(c, &at, range, wrap)).unwrap_or_default(),
        Context::SafetyClass { range } => safety_classes(&at, catalog, range),
        Context::FieldLabel { range, suffix } => field_labels(&at, range, suffix),
        Context::ActionSection { range, level, keeps_marker } => {
            catalog.map(|c| action_sections(c, runbook, range, level, keeps_marker)).unwrap_or_default()
        }
        Context::ImportPrefix { range } => import_prefixes(catalog, config, typed, range),
        Context::KeyFolder { import_prefix, range } => {
            catalog.map(|c| key_folders(c, &import_prefix, range)).unwrap_or_default()
        }
        Context::KeyModule { import_prefix, folder, range } => {
            catalog.map(|c| key_modules(c, &import_prefix, &folder, range)).unwrap_or_default()
        }
        Context::ImportedName { specifier, imported, range } => {
            catalog.map(|c| exported_names(c, &at, specifier.as_deref(), &imported, range)).unwrap_or_default()
        }
        Context::CallSite { code_block, range } => imported_names(catalog, &at, code_block, range),
    };
    rank(typed, candidates)
}

/// Where completion was asked for.
#[derive(Clone, Copy)]
struct Cursor<'a> {
    text: &'a str,
    runbook: &'a Runbook,
    offset: usize,
}

fn context_range(context: &Context) -> TextRange {
    match context {
        Context::KeySlug { range, .. }
        | Context::Location { range, .. }
        | Context::SafetyClass { range }
        | Context::FieldLabel { range, .. }
        | Context::ActionSection { range, .. }
        | Context::ImportPrefix { range }
        | Context::KeyFolder { range, .. }
        | Context::KeyModule { range, .. }
        | Context::ImportedName { range, .. }
        | Context::CallSite { range, .. } => *range,
    }
}

/// The documentation left out of an item for speed.
pub fn resolve_completion(data: &ResolveData, catalog: Option<&KeyCatalog>) -> Option<String> {
    let catalog = catalog?;
    match data {
        ResolveData::Key { slug } => Some(key_markdown(catalog.key(slug)?, catalog, ActionSafety::NotInAction)),
        ResolveData::ActionSection { slug, number, level } => {
            let key = catalog.key(slug)?;
            let snippet = action_section(key, catalog, SnippetPlace { number: *number, level: *level });
            Some(format!(
                "Writes Action {number} for KEY {}:\n\n{}",
                code(slug),
                code_block("markdown", &snippet_to_plain_text(&snippet))
            ))
        }
    }
}

fn wrapped(text: &str, wrap: Wrap) -> String {
    match wrap {
        Wrap::Nothing => text.to_string(),
        Wrap::CloseBacktick => format!("{text}`"),
        Wrap::Backticks => format!("`{text}`"),
    }
}

fn key_detail(key: &Key) -> String {
    let detail = key_title(key).unwrap_or(&key.folder);
    clip(detail, MAX_TEXT_BYTES).into_owned()
}

/// The KEYs whose `text` (a slug, an import specifier) matches what was
/// typed, with that text, best first. With thousands of KEYs only the ones
/// that can make the list are kept (one more than fits, so that `rank` still
/// knows the list is incomplete): building an item for every KEY cost more
/// than matching them all.
fn best_matching_keys<'c>(
    typed: &str,
    texts: impl Iterator<Item = (Cow<'c, str>, &'c Key)> + Clone + Send,
) -> Vec<(&'c Key, Cow<'c, str>)> {
    // Matching ten thousand slugs is most of such a request: on two cores
    // when there are that many.
    let (lower, _) = texts.size_hint();
    let best = if lower >= PARALLEL_MATCHING {
        let half = lower / 2;
        let (first, second) = (texts.clone().take(half), texts.skip(half));
        let (first, second) = rayon::join(|| best_matching(typed, first), || best_matching(typed, second));
        first.merge(second)
    } else {
        best_matching(typed, texts)
    };
    best.into_sorted().into_iter().map(|(_, key, text)| (key, text)).collect()
}

/// Below this many texts, matching on two threads costs more than it saves.
const PARALLEL_MATCHING: usize = 4096;

type Scored<'c> = (u32, &'c Key, Cow<'c, str>);

/// The order `rank` uses among candidates of one group: score, then label.
fn best_first(a: &Scored<'_>, b: &Scored<'_>) -> std::cmp::Ordering {
    b.0.cmp(&a.0).then_with(|| a.2.cmp(&b.2))
}

/// The best `MAX_ITEMS + 1` texts that match (one more than fits, so that
/// `rank` still knows the list is incomplete).
fn best_matching<'c>(
    typed: &str,
    texts: impl Iterator<Item = (Cow<'c, str>, &'c Key)>,
) -> Best<Scored<'c>, fn(&Scored<'c>, &Scored<'c>) -> std::cmp::Ordering> {
    let mut pattern = ranking::FuzzyPattern::new(typed);
    let mut best = Best::new(ranking::MAX_ITEMS + 1, best_first as fn(&Scored<'c>, &Scored<'c>) -> _);
    for (text, key) in texts {
        if let Some(score) = pattern.score(&text) {
            best.push((score, key, text));
        }
    }
    best
}

/// The KEYs whose slugs match what was typed, as items: canonical slugs
/// first, then the aliases from manifest `tool`s (SPEC 1).
fn key_slugs(catalog: &KeyCatalog, typed: &str, range: TextRange, wrap: Wrap) -> Vec<Candidate> {
    let borrowed = |(slug, key)| (Cow::Borrowed(slug), key);
    let canonical = best_matching_keys(typed, catalog.slugs().map(borrowed));
    // `rank` puts every canonical slug before any alias, so when the
    // canonical slugs alone overfill the list no alias can make it.
    let aliases = if canonical.len() > ranking::MAX_ITEMS {
        Vec::new()
    } else {
        best_matching_keys(typed, catalog.aliases().map(borrowed))
    };
    let item = |key: &Key, slug: Cow<'_, str>, detail: String| {
        let slug = slug.into_owned();
        let mut item =
            CompletionItem::new(slug.clone(), CompletionKind::Key, range).detail(detail).insert(wrapped(&slug, wrap));
        item.filter_text = (wrap == Wrap::Backticks).then(|| slug.clone());
        item.resolve_data = Some(ResolveData::Key { slug: key.slug.clone() });
        item
    };
    let canonical = canonical.into_iter().map(|(key, slug)| Candidate::new(item(key, slug, key_detail(key))));
    let aliases = aliases.into_iter().map(|(key, slug)| {
        Candidate::new(item(key, slug, format!("alias of {} · {}", key.slug, key_detail(key)))).group(1)
    });
    canonical.chain(aliases).collect()
}

/// The innermost Action holding `offset`, as a view. A section's range ends
/// at its last non-blank text, but a cursor in the blanks after it (where
/// people type the next field) still belongs to it.
fn action_view_at<'r>(at: &Cursor<'r>) -> Option<ActionView<'r>> {
    let Cursor { text, runbook, offset } = *at;
    let index = runbook.actions.iter().rposition(|action| {
        action.range.start <= offset
            && (offset <= action.range.end
                || text.get(action.range.end..offset).is_some_and(|gap| gap.trim().is_empty()))
    })?;
    Some(ActionView::new(runbook, index))
}

/// The KEY the Action at the cursor is about (see `ActionView::key`).
fn action_key<'c>(at: &Cursor<'_>, catalog: &'c KeyCatalog) -> Option<&'c Key> {
    Some(action_view_at(at)?.key(catalog)?.key)
}

fn locations(catalog: &KeyCatalog, at: &Cursor<'_>, range: TextRange, wrap: Wrap) -> Vec<Candidate> {
    let own_key = action_key(at, catalog);
    let mut candidates = Vec::new();
    for key in catalog.keys() {
        let is_own = own_key.is_some_and(|own| own.slug == key.slug);
        let entry = key.entry.as_deref();
        let files: Vec<&str> = if is_own {
            key.files.iter().map(String::as_str).filter(|file| file.starts_with("src/")).collect()
        } else {
            entry
                .and_then(|entry| entry.strip_prefix(&key.dir).ok())
                .and_then(|file| file.to_str())
                .into_iter()
                .collect()
        };
        for file in files {
            let Some(path) = catalog.relative_path(&key.dir.join(file)) else { continue };
            let is_entry = entry == Some(key.dir.join(file).as_path());
            let detail = if is_entry { format!("entry of {}", key.slug) } else { format!("file of {}", key.slug) };
            let mut item = CompletionItem::new(path.clone(), CompletionKind::File, range)
                .detail(detail)
                .insert(wrapped(&path, wrap))
                .filter(path.clone());
            item.preselect = is_own && is_entry;
            item.resolve_data = Some(ResolveData::Key { slug: key.slug.clone() });
            let group = match (is_own, is_entry) {
                (true, true) => 0,
                (true, false) => 1,
                (false, _) => 2,
            };
            candidates.push(Candidate::new(item).group(group));
        }
    }
    candidates
}

fn safety_classes(at: &Cursor<'_>, catalog: Option<&KeyCatalog>, range: TextRange) -> Vec<Candidate> {
    let declared = catalog.and_then(|catalog| action_key(at, catalog)).and_then(Key::declared_safety);
    SafetyClass::ALL
        .into_iter()
        .enumerate()
        .map(|(order, class)| {
            let mut item = CompletionItem::new(class.as_str(), CompletionKind::SafetyClass, range)
                .detail(class.meaning().join("; "))
                .documentation(safety_class_markdown(class));
            item.preselect = declared == Some(class);
            if declared == Some(class) {
                item.label_description = Some("declared by the KEY".to_string());
            }
            Candidate::new(item).group(if declared == Some(class) { 0 } else { 1 }).order(order)
        })
        .collect()
}

/// One sentence per label, for the item's documentation.
fn field_label_documentation(label: FieldLabel) -> &'static str {
    match label {
        FieldLabel::Precondition => "What must be true before the Action runs (Rule 2).",
        FieldLabel::Action => "What the Action does, in words.",
        FieldLabel::Automated => "The automated way: the KEY to run, where it lives and what it changes.",
        FieldLabel::Key => "The exact slug of the KEY the Action runs, in a code span.",
        FieldLabel::Location => "The path of the KEY's entry, relative to the workspace root.",
        FieldLabel::SideEffects => "Everything the Action changes (Rule 4).",
        FieldLabel::Execution => "The code that runs the KEY: an import and a call, nothing hidden (Rule 1).",
        FieldLabel::Safety => "SAFE, REVERSIBLE or IRREVERSIBLE, and why.",
        FieldLabel::ManualAlternative => "How to do it by hand when the automation fails (Rule 3).",
        FieldLabel::Expected => "What the operator should see.",
        FieldLabel::Verification => "How to tell that the Action worked.",
        FieldLabel::Rollback => "How to undo the Action.",
        FieldLabel::Warning => "What can go wrong; required for IRREVERSIBLE Actions.",
    }
}

fn field_labels(at: &Cursor<'_>, range: TextRange, suffix: &str) -> Vec<Candidate> {
    let view = action_view_at(at);
    FieldLabel::ALL
        .into_iter()
        .enumerate()
        .map(|(order, label)| {
            let present = view.as_ref().is_some_and(|view| view.has_field(label));
            let mut item = CompletionItem::new(label.display(), CompletionKind::FieldLabel, range)
                .insert(format!("{}{suffix}", label.display()))
                .documentation(field_label_documentation(label))
                .detail("field");
            if present {
                item.label_description = Some("already in this Action".to_string());
            }
            // Labels the Action still lacks first, in the order Actions write them.
            Candidate::new(item).group(u8::from(present)).order(order)
        })
        .collect()
}

/// One item per KEY writing a whole Action section. The label is the
/// heading line the item writes (`Action 2: Stripe Webhook Replay
/// (REVERSIBLE)`), and there is no filter text: clients that cannot apply the
/// snippet insert the label (Neovim's omnifunc, clients that ignore
/// `textEdit`), and the label alone is a classified Action heading.
fn action_sections(
    catalog: &KeyCatalog,
    runbook: &Runbook,
    range: TextRange,
    level: Option<u8>,
    keeps_marker: bool,
) -> Vec<Candidate> {
    // The line being typed says no more than `Action`, so it is no Action yet.
    let number = runbook.actions.iter().map(|action| action.number).max().map_or(1, |max| max + 1);
    let level = level.or_else(|| Some(runbook.sections.get(runbook.actions.first()?.section)?.level)).unwrap_or(3);
    let place = SnippetPlace { number, level };
    let marker = format!("{} ", "#".repeat(usize::from(level.clamp(1, 6))));
    catalog
        .keys()
        .map(|key| {
            let snippet = action_section(key, catalog, place);
            let insert = match snippet.strip_prefix(&marker) {
                Some(without_marker) if keeps_marker => without_marker.to_string(),
                _ => snippet,
            };
            let label = snippet_to_plain_text(insert.lines().next().unwrap_or_default());
            let mut item = CompletionItem::new(label, CompletionKind::Snippet, range)
                .detail(format!("Action section running {}", key.slug))
                .insert(insert);
            item.is_snippet = true;
            item.resolve_data = Some(ResolveData::ActionSection { slug: key.slug.clone(), number, level });
            Candidate::new(item)
        })
        .collect()
}

/// The root whose import prefix is `import_prefix`.
fn root_index(catalog: &KeyCatalog, import_prefix: &str) -> Option<usize> {
    catalog.roots().iter().position(|root| root.import.as_deref() == Some(import_prefix))
}

/// The key roots that KEYs are imported from, with their import prefixes:
/// the catalog's (which follow `tsconfig.json`), else the configured ones.
fn roots_with_imports(catalog: Option<&KeyCatalog>, config: &IdeConfig) -> Vec<(KeyRoot, String)> {
    let roots = catalog.map_or(&config.key_roots[..], KeyCatalog::roots);
    roots.iter().filter_map(|root| Some((root.clone(), root.import_prefix()?))).collect()
}

/// The key roots' import prefixes (`@/node-keys/`), then each KEY's whole
/// entry specifier (`@/node-keys/stripe-webhook-replay/src`). Editors filter
/// the list they have as the user types on and may not ask again until
/// nothing matches (Helix 25.01 ignores `isIncomplete` and trigger
/// characters while its menu is open), so the list for `'@/` already holds
/// what `'@/node-keys/str` is looking for.
fn import_prefixes(catalog: Option<&KeyCatalog>, config: &IdeConfig, typed: &str, range: TextRange) -> Vec<Candidate> {
    let mut candidates: Vec<Candidate> = roots_with_imports(catalog, config)
        .into_iter()
        .map(|(root, prefix)| {
            let documentation = format!(
                "Imports KEYs of the {} family from {}.",
                code(&root.prefix),
                code(&format!("{}/", root.path.trim_matches('/')))
            );
            let item = CompletionItem::new(prefix, CompletionKind::KeyFolder, range)
                .detail("key root")
                .documentation(documentation);
            Candidate::new(item)
        })
        .collect();
    let Some(catalog) = catalog else { return candidates };
    for (key, specifier) in best_matching_keys(
        typed,
        catalog.keys().filter_map(|key| Some((Cow::Owned(entry_specifier(key, catalog)?), key))),
    ) {
        let mut item = CompletionItem::new(specifier.into_owned(), CompletionKind::Module, range).detail(format!(
            "{} — {}",
            key.slug,
            key_detail(key)
        ));
        item.resolve_data = Some(ResolveData::Key { slug: key.slug.clone() });
        candidates.push(Candidate::new(item).group(1));
    }
    candidates
}

fn key_folders(catalog: &KeyCatalog, import_prefix: &str, range: TextRange) -> Vec<Candidate> {
    let Some(root) = root_index(catalog, import_prefix) else { return Vec::new() };
    catalog
        .keys()
        .filter(|key| key.root == root)
        .map(|key| {
            let mut item = CompletionItem::new(key.folder.clone(), CompletionKind::KeyFolder, range).detail(format!(
                "{} — {}",
                key.slug,
                key_detail(key)
            ));
            item.resolve_data = Some(ResolveData::Key { slug: key.slug.clone() });
            Candidate::new(item)
        })
        .collect()
}

fn key_modules(catalog: &KeyCatalog, import_prefix: &str, folder: &str, range: TextRange) -> Vec<Candidate> {
    let Some(key) = catalog.resolve_import(&format!("{import_prefix}{folder}/src")).key() else { return Vec::new() };
    let Some(entry) = key.entry.as_deref().and_then(|entry| entry.strip_prefix(&key.dir).ok()) else {
        return Vec::new();
    };
    let entry = slash_path(entry);
    let item = CompletionItem::new("src", CompletionKind::Module, range)
        .detail(format!("the entry of {} ({entry})", key.slug))
        .documentation(format!("Imports the exports of KEY {} from its entry {}.", code(&key.slug), code(&entry)));
    vec![Candidate::new(item)]
}

fn export_kind(kind: ExportKind) -> CompletionKind {
    match kind {
        ExportKind::Function | ExportKind::ArrowFunction => CompletionKind::Function,
        ExportKind::Class => CompletionKind::Class,
        ExportKind::Variable => CompletionKind::Variable,
        ExportKind::Type => CompletionKind::Type,
        ExportKind::Interface => CompletionKind::Interface,
        ExportKind::Enum => CompletionKind::Enum,
    }
}

fn export_item(key: &Key, export: &Export, catalog: &KeyCatalog, range: TextRange, label: &str) -> CompletionItem {
    let mut item = CompletionItem::new(label, export_kind(export.kind), range)
        .detail(clip(&export.signature, MAX_TEXT_BYTES))
        .documentation(export_markdown(key, export, catalog, ActionSafety::NotInAction))
        .insert(label);
    if export.kind.is_type() {
        item.label_description = Some("type".to_string());
    }
    item
}

fn exported_names(
    catalog: &KeyCatalog,
    at: &Cursor<'_>,
    specifier: Option<&str>,
    imported: &[String],
    range: TextRange,
) -> Vec<Candidate> {
    let key = match specifier {
        Some(specifier) => catalog.resolve_import(specifier).entry(),
        // `import { re` with no `from` yet: the Action's KEY, if it names one.
        None => action_key(at, catalog),
    };
    let Some(key) = key else { return Vec::new() };
    key.exports()
        .iter()
        .filter(|export| export.name != "default" && !imported.contains(&export.name))
        .map(|export| {
            let group = if export.kind.is_callable() {
                0
            } else if export.kind.is_type() {
                2
            } else {
                1
            };
            Candidate::new(export_item(key, export, catalog, range, &export.name)).group(group)
        })
        .collect()
}

fn imported_names(
    catalog: Option<&KeyCatalog>,
    at: &Cursor<'_>,
    code_block: usize,
    range: TextRange,
) -> Vec<Candidate> {
    let Cursor { runbook, offset, .. } = *at;
    let mut candidates = Vec::new();
    for import in runbook.imports.iter().filter(|import| import.code_block == code_block) {
        let key = catalog.and_then(|catalog| Some((catalog, catalog.resolve_import(&import.specifier).entry()?)));
        for name in &import.names {
            // The name being typed at the cursor is no candidate for itself.
            if name.type_only || name.name_range.touches(offset) {
                continue;
            }
            let export = key.and_then(|(_, key)| key.export(&name.name));
            if export.is_some_and(|export| export.kind.is_type()) {
                continue;
            }
            let item = match (key, export) {
                (Some((catalog, key)), Some(export)) => export_item(key, export, catalog, range, &name.local),
                _ => CompletionItem::new(name.local.to_string(), CompletionKind::Function, range)
                    .detail(format!("imported from '{}'", import.specifier)),
            };
            let group = if export.is_none_or(|export| export.kind.is_callable()) { 0 } else { 1 };
            candidates.push(Candidate::new(item).group(group));
        }
    }
    candidates.dedup_by(|a, b| a.item.label == b.item.label);
    candidates
}

#[cfg(test)]
mod tests;
