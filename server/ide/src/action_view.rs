//! What one Action says about itself: its own fields (not those of a nested
//! Action), its safety classes and the KEYs it references.

use runbook_keys::{Key, KeyCatalog};
use runbook_syntax::{
    Action, CodeBlock, Field, FieldLabel, Import, KeyRef, LocationRef, Runbook, SafetyClass, TextRange, Word,
};

use crate::IdeConfig;

/// The KEY an Action is about, and how the Action names it.
#[derive(Debug, Clone, Copy)]
pub struct ActionKey<'c> {
    pub key: &'c Key,
    /// The slug's range in the runbook.
    pub range: TextRange,
    pub named_by: NamedBy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamedBy {
    /// Its `**KEY**:` field: what the rules that compare the Action with its
    /// KEY (Location, import, safety) trust.
    KeyField,
    /// The Action has no KEY field; this is its first reference to a KEY
    /// (good enough for completion to guess from).
    FirstReference,
}

pub struct ActionView<'a> {
    pub index: usize,
    pub action: &'a Action,
    /// The section minus any nested Action.
    pub own_range: TextRange,
    pub fields: &'a [Field],
    /// Index of `fields[0]` in `Runbook::fields`.
    pub first_field: usize,
    pub heading_class: Option<SafetyClass>,
    /// The first Safety field's first word, and its class.
    pub field_safety: Option<&'a Word>,
    pub field_class: Option<SafetyClass>,
    pub key_refs: &'a [KeyRef],
    pub imports: &'a [Import],
    /// Index of `imports[0]` in `Runbook::imports`.
    pub first_import: usize,
    pub code_blocks: &'a [CodeBlock],
    pub locations: &'a [LocationRef],
}

impl<'a> ActionView<'a> {
    /// The view of every Action, in order. The Actions' own ranges are
    /// disjoint and in order, so each of the model's arrays is walked once
    /// for all of them (diagnostics ask for every view after each edit: a
    /// large runbook has thousands of Actions).
    pub fn all(runbook: &'a Runbook) -> impl Iterator<Item = ActionView<'a>> {
        let mut fields = InOrder::new(&runbook.fields, |field| field.range.start);
        let mut key_refs = InOrder::new(&runbook.key_refs, |key_ref| key_ref.range.start);
        let mut imports = InOrder::new(&runbook.imports, |import| import.range.start);
        let mut code_blocks = InOrder::new(&runbook.code_blocks, |block| block.range.start);
        let mut locations = InOrder::new(&runbook.locations, |location| location.range.start);
        (0..runbook.actions.len()).map(move |index| {
            let own_range = own_range(runbook, index);
            let (first_field, fields) = fields.within(own_range);
            let (first_import, imports) = imports.within(own_range);
            ActionView::with(
                runbook,
                index,
                own_range,
                (first_field, fields),
                key_refs.within(own_range).1,
                (first_import, imports),
                code_blocks.within(own_range).1,
                locations.within(own_range).1,
            )
        })
    }

    pub fn new(runbook: &'a Runbook, index: usize) -> ActionView<'a> {
        let own_range = own_range(runbook, index);
        ActionView::with(
            runbook,
            index,
            own_range,
            (runbook.first_field_index(own_range), runbook.fields_in(own_range)),
            runbook.key_refs_in(own_range),
            (
                runbook.imports.partition_point(|import| import.range.start < own_range.start),
                runbook.imports_in(own_range),
            ),
            runbook.code_blocks_in(own_range),
            runbook.locations_in(own_range),
        )
    }

    #[expect(clippy::too_many_arguments, reason = "the parts `new` and `all` find in their own ways")]
    fn with(
        runbook: &'a Runbook,
        index: usize,
        own_range: TextRange,
        (first_field, fields): (usize, &'a [Field]),
        key_refs: &'a [KeyRef],
        (first_import, imports): (usize, &'a [Import]),
        code_blocks: &'a [CodeBlock],
        locations: &'a [LocationRef],
    ) -> ActionView<'a> {
        let action = &runbook.actions[index];
        let field_safety =
            fields.iter().find(|field| field.label == Some(FieldLabel::Safety)).and_then(|field| field.safety.as_ref());
        ActionView {
            index,
            action,
            own_range,
            fields,
            first_field,
            heading_class: action.heading_safety.as_ref().and_then(Word::safety_class),
            field_safety,
            field_class: field_safety.and_then(Word::safety_class),
            key_refs,
            imports,
            first_import,
            code_blocks,
            locations,
        }
    }

    /// The stricter of the heading's and the Safety field's class.
    pub fn effective_class(&self) -> Option<SafetyClass> {
        self.heading_class.max(self.field_class)
    }

    pub fn has_field(&self, label: FieldLabel) -> bool {
        self.fields.iter().any(|field| field.label == Some(label))
    }

    pub fn field(&self, label: FieldLabel) -> Option<&'a Field> {
        self.fields.iter().find(|field| field.label == Some(label))
    }

    /// KEY references of a configured family.
    pub fn configured_key_refs<'c>(&self, config: &'c IdeConfig) -> impl Iterator<Item = &'a KeyRef> + 'c
    where
        'a: 'c,
    {
        self.key_refs.iter().filter(move |key_ref| config.is_family(key_ref.family()) && !is_root_name(key_ref))
    }

    /// Imports from a key root.
    pub fn key_imports<'c>(&self, config: &'c IdeConfig) -> impl Iterator<Item = &'a Import> + 'c
    where
        'a: 'c,
    {
        self.imports.iter().filter(move |import| config.is_key_import(&import.specifier))
    }

    pub fn references_key(&self, config: &IdeConfig) -> bool {
        self.configured_key_refs(config).next().is_some() || self.key_imports(config).next().is_some()
    }

    /// Whether the Action references a KEY that executes code (node/next).
    pub fn references_execution_key(&self, config: &IdeConfig) -> bool {
        self.configured_key_refs(config).any(|key_ref| config.is_execution_family(key_ref.family()))
            || self.key_imports(config).next().is_some()
    }

    /// The KEY the Action is about: the first slug of its KEY field that
    /// names a KEY; without a KEY field, its first reference to a KEY. When
    /// the KEY field names no KEY the Action is about none: never another one.
    pub fn key<'c>(&self, catalog: &'c KeyCatalog) -> Option<ActionKey<'c>> {
        let key_field_refs: Vec<&KeyRef> = self
            .fields
            .iter()
            .filter(|field| field.label == Some(FieldLabel::Key))
            .flat_map(|field| {
                self.key_refs.iter().filter(|key_ref| field.value_range.contains_range(key_ref.span_range))
            })
            .collect();
        let resolve = |key_ref: &KeyRef, named_by| {
            Some(ActionKey { key: catalog.key(&key_ref.slug)?, range: key_ref.range, named_by })
        };
        if !key_field_refs.is_empty() {
            return key_field_refs.into_iter().find_map(|key_ref| resolve(key_ref, NamedBy::KeyField));
        }
        self.key_refs
            .iter()
            .filter(|key_ref| catalog.is_family(key_ref.family()) && !is_root_name(key_ref))
            .find_map(|key_ref| resolve(key_ref, NamedBy::FirstReference))
    }

    /// The code blocks inside the value of a field with one of `labels`.
    pub fn code_blocks_of<'b>(&'b self, labels: &'b [FieldLabel]) -> impl Iterator<Item = &'a CodeBlock> + 'b {
        let fields = self.fields;
        self.code_blocks.iter().filter(move |block| {
            fields.iter().any(|field| {
                field.label.is_some_and(|label| labels.contains(&label))
                    && field.value_range.contains_range(block.range)
            })
        })
    }
}

/// An Action's section up to its first nested Action.
fn own_range(runbook: &Runbook, index: usize) -> TextRange {
    let action = &runbook.actions[index];
    let own_end = runbook
        .actions
        .get(index + 1)
        .map(|next| next.range.start)
        .filter(|&start| start < action.range.end)
        .unwrap_or(action.range.end);
    TextRange::new(action.range.start, own_end)
}

/// The items of one of the model's arrays (sorted by start) that start in
/// ranges asked for in order, none overlapping the one before.
struct InOrder<'a, T> {
    items: &'a [T],
    start: fn(&T) -> usize,
    next: usize,
}

impl<'a, T> InOrder<'a, T> {
    fn new(items: &'a [T], start: fn(&T) -> usize) -> InOrder<'a, T> {
        InOrder { items, start, next: 0 }
    }

    /// The index of the first item that starts in `range`, and those items
    /// (`Runbook::fields_in` and the like).
    fn within(&mut self, range: TextRange) -> (usize, &'a [T]) {
        let start = self.start;
        let past = |from: usize, offset: usize| {
            from + self.items[from..].iter().take_while(|item| start(item) < offset).count()
        };
        let first = past(self.next, range.start);
        let end = past(first, range.end);
        self.next = end;
        (first, &self.items[first..end])
    }
}

/// `node-keys` in backticks names the root folder, not a KEY.
pub fn is_root_name(key_ref: &KeyRef) -> bool {
    key_ref.slug.strip_prefix(key_ref.family()) == Some("-keys")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use runbook_syntax::Parse;

    use super::ActionView;

    /// What a view holds, as indices and lengths.
    fn shape(view: &ActionView<'_>) -> [usize; 11] {
        [
            view.index,
            view.own_range.start,
            view.own_range.end,
            view.first_field,
            view.fields.len(),
            view.key_refs.len(),
            view.imports.len(),
            view.first_import,
            view.code_blocks.len(),
            view.locations.len(),
            view.field_safety.map_or(usize::MAX, |word| word.range.start),
        ]
    }

    fn assert_all_equals_new(name: &str, text: &str) {
        let parse = Parse::standalone(text);
        let runbook = parse.runbook();
        let all: Vec<[usize; 11]> = ActionView::all(runbook).map(|view| shape(&view)).collect();
        let one_by_one: Vec<[usize; 11]> =
            (0..runbook.actions.len()).map(|index| shape(&ActionView::new(runbook, index))).collect();
        assert_eq!(all, one_by_one, "{name}");
    }

    #[test]
    fn all_views_equal_the_views_one_by_one() {
        // Nested Actions, fields and KEYs before, between and after Actions.
        let nested = "**Location**: `a`\n\n### Action 1: Outer (SAFE)\n\n**Safety**: SAFE\n- **KEY**: `node-a`\n\n\
            #### Action 2: Inner (REVERSIBLE)\n\n**Rollback**: undo\n```ts\nimport { a } from '@/node-keys/a/src';\n```\n\n\
            Back in Action 1: `node-b`\n\n## Elsewhere\n\n**Location**: `b`\n\n### Action 3: Empty\n\n### Action 4: Last\n\
            - **Location**: `c`\n";
        assert_all_equals_new("nested", nested);
        assert_all_equals_new("none", "# No Actions\n\n**Location**: `x`\n");
        // The real runbooks of the corpus and the demo's.
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests");
        let mut folders = vec![root.join("fixtures/demo/runbooks"), root.join("corpus/keys-repo/runbook-keys")];
        let mut checked = 0;
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).expect("a fixture folder").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|extension| extension == "md") {
                    let text = std::fs::read_to_string(&path).expect("a fixture is UTF-8");
                    assert_all_equals_new(&path.display().to_string(), &text);
                    checked += 1;
                }
            }
        }
        assert!(checked >= 10, "{checked} files");
    }
}
