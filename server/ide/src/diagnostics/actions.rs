//! The rules about what an Action section states, which need no KEY index:
//! preconditions, rollback, warning, safety, side effects, manual
//! alternative and hidden execution (seed rules 1 to 4).

use runbook_keys::KeyCatalog;
use runbook_syntax::{FieldLabel, SafetyClass, TextRange, Word};

use crate::action_view::ActionView;
use crate::diagnostics::{File, Outside};
use crate::fixes::Fix;
use crate::{Diagnostic, DiagnosticCode, IdeConfig, RelatedLocation};

/// More lines of code than this in an Execution block that imports no KEY is
/// automation that belongs in a KEY (Rule 1).
const HIDDEN_EXECUTION_LINES: usize = 10;

/// The findings about one Action's fields and classes. `catalog` only adds
/// fixes: a KEY's declared class says how to classify an Action.
pub(super) fn check(
    view: &ActionView<'_>,
    config: &IdeConfig,
    catalog: Option<&KeyCatalog>,
    found: &mut Vec<Diagnostic>,
) {
    for field in view.fields {
        if let Some(word) = &field.safety {
            unknown_safety_class(word, found);
        }
    }
    check_action(view, config, catalog, found);
}

/// Misspelt safety classes of the fields outside every Action.
pub(super) fn check_outside(file: &File<'_>, outside: &Outside, found: &mut Vec<Diagnostic>) {
    for field in outside.fields(file.parse.runbook()) {
        if let Some(word) = &field.safety {
            unknown_safety_class(word, found);
        }
    }
}

fn unknown_safety_class(word: &Word, found: &mut Vec<Diagnostic>) -> bool {
    if word.safety_class().is_some() {
        return false;
    }
    let Some(closest) = SafetyClass::closest(&word.text) else { return false };
    found.push(
        Diagnostic::new(
            DiagnosticCode::UnknownSafetyClass,
            word.range,
            format!(
                "`{}` is not a safety class: did you mean {closest}? (SAFE, REVERSIBLE or IRREVERSIBLE)",
                word.text
            ),
        )
        .with_fix(
            Fix::replace(format!("Change to {closest}"), word.range, closest.as_str()).preferred(true).unattended(true),
        ),
    );
    true
}

/// The fix that inserts a missing field: the only one, so preferred, but
/// never unattended (what it inserts is for the author to confirm).
fn insert_field(view: &ActionView<'_>, label: FieldLabel) -> Fix {
    Fix::insert_fields(format!("Insert a **{}** field", label.display()), view.index, vec![label]).preferred(true)
}

/// Classifies an Action in its heading: ` (CLASS)` at the end of its text.
fn classify_in_heading(view: &ActionView<'_>, class: SafetyClass, why: &str) -> Fix {
    let at = TextRange::empty(view.action.heading_range.end);
    Fix::replace(format!("Classify Action {} as {class}{why}", view.action.number), at, format!(" ({class})"))
}

fn check_action(view: &ActionView<'_>, config: &IdeConfig, catalog: Option<&KeyCatalog>, found: &mut Vec<Diagnostic>) {
    let action = view.action;
    let heading = action.heading_range;
    let name = format!("Action {}", action.number);

    let heading_typo = action.heading_safety.as_ref().is_some_and(|word| unknown_safety_class(word, found));
    let field_typo = view
        .field_safety
        .is_some_and(|word| word.safety_class().is_none() && SafetyClass::closest(&word.text).is_some());

    if !view.has_field(FieldLabel::Precondition) {
        found.push(
            Diagnostic::new(
                DiagnosticCode::MissingPrecondition,
                heading,
                format!("{name} has no **Preconditions** field: say what must be true before it runs"),
            )
            .with_fix(insert_field(view, FieldLabel::Precondition)),
        );
    }

    let effective = view.effective_class();
    if effective.is_none() && !heading_typo && !field_typo {
        // The class the KEY declares is the one to use; without one, the
        // author chooses.
        let declared = catalog.and_then(|catalog| super::strictest_declared(view, catalog));
        let fixes = match declared {
            Some((class, slug)) => vec![
                classify_in_heading(view, class, &format!(" (declared by `{slug}`)")).preferred(true).unattended(true),
                Fix::insert_fields(
                    format!("Insert a **Safety** field ({class}, declared by `{slug}`)"),
                    view.index,
                    vec![FieldLabel::Safety],
                ),
            ],
            None => SafetyClass::ALL.into_iter().map(|class| classify_in_heading(view, class, "")).collect(),
        };
        found.push(
            Diagnostic::new(
                DiagnosticCode::MissingSafety,
                heading,
                format!("{name} has no safety class: add (SAFE), (REVERSIBLE) or (IRREVERSIBLE) to the heading or a **Safety** field"),
            )
            .with_fixes(fixes),
        );
    }

    let needs_rollback = match effective {
        Some(SafetyClass::Reversible) => true,
        None => view.references_key(config),
        _ => false,
    };
    if needs_rollback && !view.has_field(FieldLabel::Rollback) {
        let why = if effective.is_some() { "it is REVERSIBLE" } else { "it runs a KEY and states no safety class" };
        found.push(
            Diagnostic::new(
                DiagnosticCode::MissingRollback,
                heading,
                format!("{name} has no **Rollback** field, but {why}: say how to undo it"),
            )
            .with_fix(insert_field(view, FieldLabel::Rollback)),
        );
    }

    if effective == Some(SafetyClass::Irreversible) && !view.has_field(FieldLabel::Warning) {
        found.push(
            Diagnostic::new(
                DiagnosticCode::IrreversibleWithoutWarning,
                heading,
                format!("{name} is IRREVERSIBLE but has no **Warning** field: say what cannot be undone"),
            )
            .with_fix(insert_field(view, FieldLabel::Warning)),
        );
    }

    if let (Some(heading_class), Some(field_class), Some(field_word), Some(heading_word)) =
        (view.heading_class, view.field_class, view.field_safety, action.heading_safety.as_ref())
        && heading_class != field_class
    {
        // Either side may be the wrong one; agreeing on the stricter class is
        // the safe guess.
        let heading_fix =
            Fix::replace(format!("Change the heading to {field_class}"), heading_word.range, field_class.as_str())
                .preferred(field_class > heading_class);
        let field_fix = Fix::replace(
            format!("Change the **Safety** field to {heading_class}"),
            field_word.range,
            heading_class.as_str(),
        )
        .preferred(heading_class > field_class);
        found.push(
            Diagnostic::new(
                DiagnosticCode::SafetyMismatch,
                field_word.range,
                format!("the **Safety** field says {field_class} but the heading of {name} says {heading_class}"),
            )
            .with_related(RelatedLocation::Here(heading_word.range), format!("the heading says {heading_class}"))
            .with_fixes([heading_fix, field_fix]),
        );
    }

    if view.references_execution_key(config) && !view.has_field(FieldLabel::SideEffects) {
        found.push(
            Diagnostic::new(
                DiagnosticCode::MissingSideEffects,
                heading,
                format!("{name} runs a KEY but has no **Side Effects** field: say what the KEY changes"),
            )
            .with_fix(insert_field(view, FieldLabel::SideEffects)),
        );
    }

    if view.key_imports(config).next().is_some() && !view.has_field(FieldLabel::ManualAlternative) {
        found.push(
            Diagnostic::new(
                DiagnosticCode::MissingManualAlternative,
                heading,
                format!("{name} executes a KEY but has no **Manual Alternative** for when the automation fails"),
            )
            .with_fix(insert_field(view, FieldLabel::ManualAlternative)),
        );
    }

    for block in view.code_blocks_of(&[FieldLabel::Execution, FieldLabel::Automated]) {
        let imports_key = view
            .imports
            .iter()
            .any(|import| block.range.contains_range(import.range) && config.is_key_import(&import.specifier));
        if !imports_key && block.n_code_lines > HIDDEN_EXECUTION_LINES {
            found.push(Diagnostic::new(
                DiagnosticCode::HiddenExecution,
                block.range,
                format!(
                    "this Execution block holds {} lines of code and imports no KEY: move the automation into a KEY and import it (Rule 1)",
                    block.n_code_lines
                ),
            ));
        }
    }
}
