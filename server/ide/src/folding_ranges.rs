//! Folding ranges (SPEC 4, presentation): every section (so every Action
//! and Step) from its heading to its last non-blank text, every field with
//! the nested lists and code blocks of its value, and every fenced code
//! block. Folds are byte ranges; whether one spans lines enough to fold is
//! the LSP layer's business, which counts lines.

use runbook_syntax::{Runbook, SectionKind, TextRange};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fold {
    pub range: TextRange,
    pub kind: FoldKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoldKind {
    Section,
    Action,
    Step,
    Field,
    CodeBlock,
}

/// The folds of a runbook, sorted by start (outer before inner).
pub(crate) fn folding_ranges(runbook: &Runbook) -> Vec<Fold> {
    let sections = runbook.sections.iter().map(|section| Fold {
        range: section.range,
        kind: match section.kind {
            SectionKind::Plain => FoldKind::Section,
            SectionKind::Action(_) => FoldKind::Action,
            SectionKind::Step(_) => FoldKind::Step,
        },
    });
    let fields = runbook.fields.iter().map(|field| Fold { range: field.range, kind: FoldKind::Field });
    let code_blocks = runbook.code_blocks.iter().map(|block| Fold { range: block.range, kind: FoldKind::CodeBlock });
    let mut folds: Vec<Fold> =
        sections.chain(fields).chain(code_blocks).filter(|fold| !fold.range.is_empty()).collect();
    folds.sort_by_key(|fold| (fold.range.start, std::cmp::Reverse(fold.range.end)));
    folds
}

#[cfg(test)]
mod tests {
    use std::fmt::Write;

    use expect_test::{Expect, expect};
    use runbook_syntax::Parse;

    #[track_caller]
    fn check(text: &str, expect: Expect) {
        let parse = Parse::new(text);
        let mut out = String::new();
        let index = runbook_syntax::LineIndex::new(text);
        for fold in super::folding_ranges(parse.runbook()) {
            let line = |offset| index.line_of(offset) + 1;
            // The first line of the fold says which part it is.
            let first_line = text[fold.range.as_range()].lines().next().unwrap_or_default();
            writeln!(out, "{:?} {}-{}: {first_line}", fold.kind, line(fold.range.start), line(fold.range.end)).unwrap();
        }
        expect.assert_eq(&out);
    }

    #[test]
    fn sections_actions_fields_and_code_blocks() {
        check(
            r#"# Runbook

## Diagnosis Flow

### Step 1: Logs

Read them.

## Action Steps

### Action 1: Replay (REVERSIBLE)

**Preconditions**:
- Events failed
  - in the last hour

- **KEY**: `node-stripe-webhook-replay`
- **Side Effects**: replays

**Execution**:
```ts
await replay();
```

**Rollback**: none needed
"#,
            expect![[r#"
                Section 1-25: # Runbook
                Section 3-7: ## Diagnosis Flow
                Step 5-7: ### Step 1: Logs
                Section 9-25: ## Action Steps
                Action 11-25: ### Action 1: Replay (REVERSIBLE)
                Field 13-15: **Preconditions**:
                Field 17-17: **KEY**: `node-stripe-webhook-replay`
                Field 18-18: **Side Effects**: replays
                Field 20-23: **Execution**:
                CodeBlock 21-23: ```ts
                Field 25-25: **Rollback**: none needed
            "#]],
        );
    }
}
