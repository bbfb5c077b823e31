//! The rules about what an Action section states, which need no KEY index:
//! preconditions, rollback, warning, safety, side effects, manual
//! alternative and hidden execution (seed rules 1 to 4).

use runbook_syntax::{FieldLabel, SafetyClass, Word};

use crate::action_view::ActionView;
use crate::diagnostics::File;
use crate::{Diagnostic, DiagnosticCode, IdeConfig, RelatedLocation};

/// More lines of code than this in an Execution block that imports no KEY is
/// automation that belongs in a KEY (Rule 1).
const HIDDEN_EXECUTION_LINES: usize = 10;

pub(super) fn check(file: &File<'_>, config: &IdeConfig, found: &mut Vec<Diagnostic>) {
    let runbook = file.parse.runbook();
    for field in &runbook.fields {
        if let Some(word) = &field.safety {
            unknown_safety_class(word, found);
        }
    }
    for view in ActionView::all(runbook) {
        check_action(&view, config, found);
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
        .with_data(serde_json::json!({ "replacement": closest.as_str() })),
    );
    true
}

fn check_action(view: &ActionView<'_>, config: &IdeConfig, found: &mut Vec<Diagnostic>) {
    let action = view.action;
    let heading = action.heading_range;
    let name = format!("Action {}", action.number);

    let heading_typo = action.heading_safety.as_ref().is_some_and(|word| unknown_safety_class(word, found));
    let field_typo = view
        .field_safety
        .is_some_and(|word| word.safety_class().is_none() && SafetyClass::closest(&word.text).is_some());

    if !view.has_field(FieldLabel::Precondition) {
        found.push(Diagnostic::new(
            DiagnosticCode::MissingPrecondition,
            heading,
            format!("{name} has no **Preconditions** field: say what must be true before it runs"),
        ));
    }

    let effective = view.effective_class();
    match effective {
        None if !heading_typo && !field_typo => found.push(Diagnostic::new(
            DiagnosticCode::MissingSafety,
            heading,
            format!("{name} has no safety class: add (SAFE), (REVERSIBLE) or (IRREVERSIBLE) to the heading or a **Safety** field"),
        )),
        _ => {}
    }

    let needs_rollback = match effective {
        Some(SafetyClass::Reversible) => true,
        None => view.references_key(config),
        _ => false,
    };
    if needs_rollback && !view.has_field(FieldLabel::Rollback) {
        let why = if effective.is_some() { "it is REVERSIBLE" } else { "it runs a KEY and states no safety class" };
        found.push(Diagnostic::new(
            DiagnosticCode::MissingRollback,
            heading,
            format!("{name} has no **Rollback** field, but {why}: say how to undo it"),
        ));
    }

    if effective == Some(SafetyClass::Irreversible) && !view.has_field(FieldLabel::Warning) {
        found.push(Diagnostic::new(
            DiagnosticCode::IrreversibleWithoutWarning,
            heading,
            format!("{name} is IRREVERSIBLE but has no **Warning** field: say what cannot be undone"),
        ));
    }

    if let (Some(heading_class), Some(field_class), Some(field_word), Some(heading_word)) =
        (view.heading_class, view.field_class, view.field_safety, action.heading_safety.as_ref())
        && heading_class != field_class
    {
        found.push(
            Diagnostic::new(
                DiagnosticCode::SafetyMismatch,
                field_word.range,
                format!("the **Safety** field says {field_class} but the heading of {name} says {heading_class}"),
            )
            .with_related(RelatedLocation::Here(heading_word.range), format!("the heading says {heading_class}")),
        );
    }

    if view.references_execution_key(config) && !view.has_field(FieldLabel::SideEffects) {
        found.push(Diagnostic::new(
            DiagnosticCode::MissingSideEffects,
            heading,
            format!("{name} runs a KEY but has no **Side Effects** field: say what the KEY changes"),
        ));
    }

    if view.key_imports(config).next().is_some() && !view.has_field(FieldLabel::ManualAlternative) {
        found.push(Diagnostic::new(
            DiagnosticCode::MissingManualAlternative,
            heading,
            format!("{name} executes a KEY but has no **Manual Alternative** for when the automation fails"),
        ));
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
