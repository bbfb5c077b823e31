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
    pub fn all(runbook: &'a Runbook) -> impl Iterator<Item = ActionView<'a>> {
        (0..runbook.actions.len()).map(move |index| ActionView::new(runbook, index))
    }

    pub fn new(runbook: &'a Runbook, index: usize) -> ActionView<'a> {
        let action = &runbook.actions[index];
        let own_end = runbook
            .actions
            .get(index + 1)
            .map(|next| next.range.start)
            .filter(|&start| start < action.range.end)
            .unwrap_or(action.range.end);
        let own_range = TextRange::new(action.range.start, own_end);
        let fields = runbook.fields_in(own_range);
        let field_safety =
            fields.iter().find(|field| field.label == Some(FieldLabel::Safety)).and_then(|field| field.safety.as_ref());
        ActionView {
            index,
            action,
            own_range,
            fields,
            first_field: runbook.first_field_index(own_range),
            heading_class: action.heading_safety.as_ref().and_then(Word::safety_class),
            field_safety,
            field_class: field_safety.and_then(Word::safety_class),
            key_refs: runbook.key_refs_in(own_range),
            imports: runbook.imports_in(own_range),
            first_import: runbook.imports.partition_point(|import| import.range.start < own_range.start),
            code_blocks: runbook.code_blocks_in(own_range),
            locations: runbook.locations_in(own_range),
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

/// `node-keys` in backticks names the root folder, not a KEY.
pub fn is_root_name(key_ref: &KeyRef) -> bool {
    key_ref.slug.strip_prefix(key_ref.family()) == Some("-keys")
}
