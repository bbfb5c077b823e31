//! Hover (SPEC 4): what a KEY reference, an import, a `Location`, an imported
//! name or its call, or a safety class word means, as markdown for the token
//! under the cursor. Text from manifests and JSDoc is untrusted and goes
//! through `markup`.

pub(crate) mod markup;

use runbook_keys::{Export, Key, KeyCatalog, SafetySource};
use runbook_syntax::{Parse, Runbook, SafetyClass, TextRange, Word, floor_char_boundary};

use crate::IdeConfig;
use crate::action_view::ActionView;
use crate::classify::{Definition, Token, classify};
use markup::{MAX_LIST_ITEMS, clip_list, code, code_block, escape, escape_paragraphs};

/// What to show for the token under the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoverResult {
    pub markdown: String,
    /// The hovered token.
    pub range: TextRange,
}

/// The safety class of the Action a reference sits in, as hovers report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ActionSafety {
    NotInAction,
    Unclassified(u32),
    Classified(u32, SafetyClass),
}

impl ActionSafety {
    pub(crate) fn at(runbook: &Runbook, offset: usize) -> ActionSafety {
        // The innermost Action holding the offset: the last one that starts before it.
        let Some(index) = runbook.actions.iter().rposition(|action| action.range.touches(offset)) else {
            return ActionSafety::NotInAction;
        };
        let view = ActionView::new(runbook, index);
        match view.effective_class() {
            Some(class) => ActionSafety::Classified(view.action.number, class),
            None => ActionSafety::Unclassified(view.action.number),
        }
    }
}

/// The hover for the token at `offset`, if it is one hovers explain. Needs
/// the catalog for everything but safety class words.
pub fn hover(parse: &Parse, offset: usize, catalog: Option<&KeyCatalog>, config: &IdeConfig) -> Option<HoverResult> {
    let offset = floor_char_boundary(parse.text(), offset);
    let runbook = parse.runbook();
    let classification = classify(runbook, offset, catalog, config)?;
    let action_safety = || ActionSafety::at(runbook, offset);
    let markdown = match (&classification.token, classification.definition?) {
        (Token::SafetyWord { word }, Definition::SafetyClass(class)) => safety_word_markdown(word, class),
        (
            _,
            Definition::Key { slug: key } | Definition::Module { key, .. } | Definition::File { key: Some(key), .. },
        ) => {
            let catalog = catalog?;
            let key = catalog.key(&key)?;
            let mut markdown = key_markdown(key, catalog, action_safety());
            // Which name the reader wrote matters when it is not the canonical one.
            if let Token::KeySlug { key_ref } = classification.token
                && let written = &*runbook.key_refs[key_ref].slug
                && written != key.slug
            {
                markdown = format!(
                    "{} is an alias of {}: it names the same KEY\n\n{markdown}",
                    code(written),
                    code(&key.slug)
                );
            }
            markdown
        }
        (_, Definition::Export { key, name }) => {
            let catalog = catalog?;
            let key = catalog.key(&key)?;
            export_markdown(key, key.export(&name)?, catalog, action_safety())
        }
        _ => return None,
    };
    Some(HoverResult { markdown, range: classification.range })
}

/// A safety word of a heading's parenthetical or of a Safety field: what its
/// class means, or which class a near miss most likely meant.
fn safety_word_markdown(word: &Word, class: SafetyClass) -> String {
    if word.safety_class().is_some() {
        return safety_class_markdown(class);
    }
    format!("{} is not a safety class: did you mean **{class}**?\n\n{}", code(&word.text), safety_class_markdown(class))
}

/// What a class means, from the seed's "Safety Classifications".
pub(crate) fn safety_class_markdown(class: SafetyClass) -> String {
    let meaning: Vec<String> = class.meaning().iter().map(|line| format!("- {line}")).collect();
    format!(
        "**{class}** (safety class)\n\n{}\n\n**Example**: {}\n\nAn Action's class is the stricter of its heading's and its **Safety** field's (SAFE < REVERSIBLE < IRREVERSIBLE).",
        meaning.join("\n"),
        class.example()
    )
}

/// The KEY's title for headings: the manifest's, else its slug.
pub(crate) fn key_title(key: &Key) -> Option<&str> {
    key.manifest.as_ref().and_then(|manifest| manifest.title.as_deref()).filter(|title| !title.trim().is_empty())
}

/// Where the KEY declares its class: the manifest's `safety`, else the strictest `@safety`.
fn declared_safety_source(key: &Key) -> Option<(SafetyClass, String)> {
    let (class, source) = key.declared_safety_source()?;
    let source = match source {
        SafetySource::Manifest => "key.json".to_string(),
        SafetySource::Export(export) => format!("`@safety` of {}", code(&export.name)),
    };
    Some((class, source))
}

fn safety_line(key: &Key, action: ActionSafety, export: Option<&Export>) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(export) = export
        && let Some(doc) = &export.doc
        && let Some(safety) = &doc.safety
    {
        parts.push(format!("{} is {}", code(&export.name), escape(safety)));
    }
    let declared = declared_safety_source(key);
    if let Some((class, source)) = &declared {
        parts.push(format!("the KEY declares **{class}** ({source})"));
    }
    match action {
        ActionSafety::NotInAction => {}
        ActionSafety::Unclassified(number) => parts.push(format!("Action {number} states no safety class")),
        ActionSafety::Classified(number, class) => {
            let stricter = match &declared {
                Some((declared, _)) if *declared > class => {
                    format!(" — the KEY is stricter: classify the Action **{declared}**")
                }
                _ => String::new(),
            };
            parts.push(format!("Action {number} is **{class}**{stricter}"));
        }
    }
    (!parts.is_empty()).then(|| format!("**Safety**: {}", parts.join("; ")))
}

/// Whether two statements of a side effect or precondition say the same
/// thing: compared ignoring case, surrounding and repeated blanks, and a
/// trailing period (`Restarts the service.` in key.json, `restarts the
/// service` in a `@sideEffect`).
pub(crate) fn same_statement(a: &str, b: &str) -> bool {
    fn words(text: &str) -> impl Iterator<Item = String> + '_ {
        text.trim().trim_end_matches('.').split_whitespace().map(str::to_lowercase)
    }
    words(a).eq(words(b))
}

/// The manifest's side effects, then the `@sideEffect`s of `exports`. One
/// that several sources state is listed once, in the words of the first,
/// naming every source.
fn side_effects_list<'k>(key: &'k Key, exports: impl Iterator<Item = &'k Export>) -> Vec<String> {
    struct SideEffect<'k> {
        text: &'k str,
        in_manifest: bool,
        exports: Vec<&'k String>,
    }
    let mut effects: Vec<SideEffect<'k>> = Vec::new();
    // Past the list's length only counted, so that comparing each statement
    // with those before it stays bounded for a manifest of any size.
    let mut n_left_out = 0;
    if let Some(manifest) = &key.manifest {
        for text in &manifest.side_effects {
            if effects.len() >= MAX_LIST_ITEMS {
                n_left_out += 1;
            } else if !effects.iter().any(|effect| same_statement(effect.text, text)) {
                effects.push(SideEffect { text, in_manifest: true, exports: Vec::new() });
            }
        }
    }
    for export in exports {
        let Some(doc) = &export.doc else { continue };
        for text in &doc.side_effects {
            let full = effects.len() >= MAX_LIST_ITEMS;
            match effects.iter_mut().find(|effect| same_statement(effect.text, text)) {
                Some(effect) if !effect.exports.contains(&&export.name) => {
                    if effect.exports.len() < MAX_LIST_ITEMS {
                        effect.exports.push(&export.name);
                    }
                }
                Some(_) => {}
                None if full => n_left_out += 1,
                None => effects.push(SideEffect { text, in_manifest: false, exports: vec![&export.name] }),
            }
        }
    }
    let mut lines: Vec<String> = effects
        .iter()
        .map(|effect| {
            let text = escape(effect.text);
            match (effect.in_manifest, effect.exports.is_empty()) {
                (_, true) => format!("- {text}"),
                (true, false) => {
                    format!("- {text} (key.json and `@sideEffect` of {})", code_list(effect.exports.iter().copied()))
                }
                (false, false) => format!("- {text} (`@sideEffect` of {})", code_list(effect.exports.iter().copied())),
            }
        })
        .collect();
    if n_left_out > 0 {
        lines.push(format!("- … and {n_left_out} more"));
    }
    lines
}

/// Items as code spans, the first `MAX_LIST_ITEMS` of them.
fn code_list<'a>(items: impl IntoIterator<Item = &'a String>) -> String {
    let (shown, n_left_out) = clip_list(items);
    let mut list = shown.into_iter().map(|item| code(item)).collect::<Vec<_>>().join(", ");
    if n_left_out > 0 {
        list.push_str(&format!(" … and {n_left_out} more"));
    }
    list
}

/// The whole story of a KEY: what it is, its safety and side effects, what
/// it needs, what it exports and where it is defined.
pub(crate) fn key_markdown(key: &Key, catalog: &KeyCatalog, action: ActionSafety) -> String {
    let mut blocks: Vec<String> = Vec::new();
    let manifest = key.manifest.as_ref();
    blocks.push(match key_title(key) {
        Some(title) => format!("**{}** · {}", escape(title), code(&key.slug)),
        None => format!("**{}**", code(&key.slug)),
    });
    if let Some(description) = manifest.and_then(|manifest| manifest.description.as_deref()) {
        blocks.push(escape_paragraphs(description));
    }
    let mut facts = vec![format!("**Family**: {}", code(&key.family))];
    if let Some(alias) = catalog.alias(key) {
        // SPEC 1: the root's family gives the canonical slug, the manifest's `tool` an alias.
        facts.push(format!("**Slug**: {} (canonical), {} (alias, from `tool`)", code(&key.slug), code(alias)));
    }
    if let Some(runtime) = manifest.and_then(|manifest| manifest.runtime.as_deref()) {
        facts.push(format!("**Runtime**: {}", code(runtime)));
    }
    if let Some(manifest) = manifest.filter(|manifest| !manifest.key_type.is_empty()) {
        facts.push(format!("**Type**: {}", code_list(&manifest.key_type)));
    }
    if let Some(scope) = manifest.and_then(|manifest| manifest.tenant_scope.as_deref()) {
        facts.push(format!("**Tenant scope**: {}", code(scope)));
    }
    blocks.push(facts.join(" · "));
    if let Some(line) = safety_line(key, action, None) {
        blocks.push(line);
    }
    let effects = side_effects_list(key, key.exports().iter());
    if effects.is_empty() {
        blocks.push("**Side effects**: none declared".to_string());
    } else {
        blocks.push(format!("**Side effects**:\n{}", effects.join("\n")));
    }
    if let Some(manifest) = manifest {
        let mut env = Vec::new();
        if !manifest.required_env.is_empty() {
            env.push(format!("**Required env**: {}", code_list(&manifest.required_env)));
        }
        if !manifest.optional_env.is_empty() {
            env.push(format!("**Optional env**: {}", code_list(&manifest.optional_env)));
        }
        if !env.is_empty() {
            blocks.push(env.join(" · "));
        }
    }
    let callables: Vec<&String> =
        key.exports().iter().filter(|export| !export.kind.is_type()).map(|export| &export.name).collect();
    let types: Vec<&String> =
        key.exports().iter().filter(|export| export.kind.is_type()).map(|export| &export.name).collect();
    match (callables.is_empty(), types.is_empty()) {
        (true, true) => blocks.push("**Exports**: nothing".to_string()),
        (false, true) => blocks.push(format!("**Exports**: {}", code_list(callables))),
        (true, false) => blocks.push(format!("**Exports**: types {}", code_list(types))),
        (false, false) => blocks.push(format!("**Exports**: {}; types {}", code_list(callables), code_list(types))),
    }
    let mut defined = Vec::new();
    if let Some(path) = key.manifest_path.as_deref().and_then(|path| catalog.relative_path(path)) {
        defined.push(code(&path));
    }
    if let Some(path) = key.entry.as_deref().and_then(|path| catalog.relative_path(path)) {
        defined.push(format!("entry {}", code(&path)));
    }
    if defined.is_empty()
        && let Some(path) = catalog.relative_path(&key.dir)
    {
        defined.push(code(&path));
    }
    blocks.push(format!("**Defined in**: {}", defined.join(", ")));
    blocks.join("\n\n")
}

/// An export: its signature, its JSDoc, and the safety and side effects of its KEY.
pub(crate) fn export_markdown(key: &Key, export: &Export, catalog: &KeyCatalog, action: ActionSafety) -> String {
    let mut blocks: Vec<String> = Vec::new();
    let mut signature = export.signature.clone();
    for overload in export.overloads.iter().take(MAX_LIST_ITEMS) {
        signature.push('\n');
        signature.push_str(overload);
    }
    blocks.push(code_block("typescript", &signature));
    if let Some(doc) = &export.doc {
        if !doc.summary.is_empty() {
            blocks.push(escape_paragraphs(&doc.summary));
        }
        let mut tags = Vec::new();
        for (name, text) in doc.params.iter().take(MAX_LIST_ITEMS) {
            tags.push(format!("- *@param* {} — {}", code(name), escape(text)));
        }
        if let Some(returns) = &doc.returns {
            tags.push(format!("- *@returns* {}", escape(returns)));
        }
        for precondition in doc.preconditions.iter().take(MAX_LIST_ITEMS) {
            tags.push(format!("- *@precondition* {}", escape(precondition)));
        }
        if let Some(rollback) = &doc.rollback {
            tags.push(format!("- *@rollback* {}", escape(rollback)));
        }
        if !tags.is_empty() {
            blocks.push(tags.join("\n"));
        }
    }
    if export.kind.is_type() {
        blocks.push(format!("A type exported by KEY {}.", code(&key.slug)));
    } else {
        if let Some(line) = safety_line(key, action, Some(export)) {
            blocks.push(line);
        }
        let effects = side_effects_list(key, std::iter::once(export));
        if effects.is_empty() {
            blocks.push(format!("**Side effects** of {}: none declared", code(&key.slug)));
        } else {
            blocks.push(format!("**Side effects** of {}:\n{}", code(&key.slug), effects.join("\n")));
        }
    }
    let mut from = format!("From KEY {}", code(&key.slug));
    if let Some(title) = key_title(key) {
        from.push_str(&format!(" ({})", escape(title)));
    }
    if let Some(path) = catalog.relative_path(&export.definition.path) {
        let line = export.definition.range.start.line + 1;
        from.push_str(&format!(" · defined in {}", code(&format!("{path}:{line}"))));
    }
    blocks.push(from);
    blocks.join("\n\n")
}

#[cfg(test)]
pub(crate) mod tests;
